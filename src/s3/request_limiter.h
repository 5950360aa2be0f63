// A job-wide limit on S3 requests in flight, adapted to throttling with
// additive increase and multiplicative decrease (AIMD). A throttled response
// (503, SlowDown, 429) halves the limit, down to 1. Every
// `successes_per_increase` successful responses in a row add one back, up to
// the maximum. The client takes a slot only while a request is on the wire,
// not while it waits to retry. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>

#include "s3/error.h"

namespace s3cat::s3 {

struct RequestLimiterOptions {
  int max_requests = 16;             // the starting and highest limit; at least 1
  int successes_per_increase = 16;   // successful responses that raise the limit by one
};

class RequestLimiter {
 public:
  // Called with the new limit after every change, outside the limiter's lock.
  using LimitChanged = std::function<void(int new_limit, int old_limit, bool throttled)>;

  explicit RequestLimiter(RequestLimiterOptions options, LimitChanged on_change = {});

  // Blocks until fewer than limit() requests are in flight, then takes a slot.
  void acquire();

  // Returns the slot taken by acquire(). `throttled` is true when the
  // response asked the client to slow down, `succeeded` when it was a 2xx.
  void release(bool throttled, bool succeeded);

  int limit() const;
  int in_flight() const;

 private:
  const RequestLimiterOptions options_;
  const LimitChanged on_change_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  int limit_;
  int in_flight_ = 0;
  int successes_ = 0;
};

// True for responses that ask the client to send fewer requests: HTTP 503 or
// 429, and the codes SlowDown, Throttling, ThrottlingException and
// RequestLimitExceeded.
bool is_throttling(const S3Error& error);

}  // namespace s3cat::s3
