#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "s3/credential_providers.h"

namespace s3cat::s3 {
namespace {

bool same_keys(const Credentials& a, const Credentials& b) {
  return a.access_key_id == b.access_key_id && a.secret_access_key.reveal() == b.secret_access_key.reveal() &&
         a.session_token.reveal() == b.session_token.reveal();
}

}  // namespace

RefreshingProvider::RefreshingProvider(std::string name, Fetch fetch, Clock clock)
    : name_(std::move(name)), fetch_(std::move(fetch)), clock_(std::move(clock)) {}

Result<Credentials> RefreshingProvider::fetch_locked() {
  auto fetched = fetch_();
  if (!fetched) return fetched;
  fetched_at_ = clock_();
  cached_ = *fetched;
  if (fetched->expiration) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(*fetched->expiration - *fetched_at_);
    spdlog::debug("{}: new credentials, key ID ending {}, valid for {} s", name_, last_four(fetched->access_key_id),
                  left.count());
  }
  return fetched;
}

Result<Credentials> RefreshingProvider::resolve() {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (cached_) {
    if (!cached_->expiration) return *cached_;
    const bool valid = *cached_->expiration > now;
    const bool fresh = *cached_->expiration - now > kRefreshBeforeExpiry;
    const bool fetched_recently = fetched_at_ && now - *fetched_at_ < kMinFetchInterval;
    if (fresh || (valid && fetched_recently)) return *cached_;
  }

  auto fetched = fetch_locked();
  if (fetched) return fetched;
  if (cached_ && cached_->expiration && *cached_->expiration > now) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(*cached_->expiration - now);
    spdlog::warn("{}: could not refresh the credentials, using the current ones for their last {} s: {}", name_,
                 left.count(), fetched.error().describe());
    return *cached_;
  }
  return fetched;
}

Result<Credentials> RefreshingProvider::refresh_after_expiry(const S3Error& rejection, const Credentials& rejected) {
  std::lock_guard lock(mutex_);
  // Another worker that hit the same expiry may have fetched already.
  if (cached_ && !same_keys(*cached_, rejected)) return *cached_;

  auto fetched = fetch_locked();
  if (!fetched) {
    S3Error error = fetched.error();
    error.message += fmt::format(" (fetching new credentials after {} {})", rejection.operation, rejection.code);
    return std::unexpected(std::move(error));
  }
  if (same_keys(*fetched, rejected)) {
    S3Error error = rejection;
    error.category = ErrorCategory::kAuthentication;
    error.hint = "the " + name_ +
                 " provider returned the same credentials that the server rejected as expired; check the clock "
                 "and the source of the credentials";
    return std::unexpected(std::move(error));
  }
  return fetched;
}

std::string default_session_name(std::chrono::system_clock::time_point now) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return fmt::format("s3catalog-{}", seconds);
}

}  // namespace s3cat::s3
