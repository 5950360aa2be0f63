#include "s3/request_limiter.h"

#include <algorithm>

namespace s3cat::s3 {

RequestLimiter::RequestLimiter(RequestLimiterOptions options, LimitChanged on_change)
    : options_{std::max(1, options.max_requests), std::max(1, options.successes_per_increase)},
      on_change_(std::move(on_change)),
      limit_(options_.max_requests) {}

void RequestLimiter::acquire() {
  std::unique_lock lock(mutex_);
  slot_freed_.wait(lock, [this] { return in_flight_ < limit_; });
  ++in_flight_;
}

void RequestLimiter::release(bool throttled, bool succeeded) {
  int old_limit = 0;
  int new_limit = 0;
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    old_limit = limit_;
    if (throttled) {
      limit_ = std::max(1, limit_ / 2);
      successes_ = 0;
    } else if (succeeded && limit_ < options_.max_requests && ++successes_ >= options_.successes_per_increase) {
      ++limit_;
      successes_ = 0;
    }
    new_limit = limit_;
  }
  slot_freed_.notify_all();
  if (new_limit != old_limit && on_change_) on_change_(new_limit, old_limit, throttled);
}

int RequestLimiter::limit() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

int RequestLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

bool is_throttling(const S3Error& error) {
  return error.http_status == 503 || error.http_status == 429 || error.code == "SlowDown" ||
         error.code == "Throttling" || error.code == "ThrottlingException" || error.code == "RequestLimitExceeded";
}

}  // namespace s3cat::s3
