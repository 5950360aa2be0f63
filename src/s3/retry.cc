#include "s3/retry.h"

#include <algorithm>
#include <string_view>

namespace s3cat::s3 {

bool is_retryable(const S3Error& error) {
  if (error.transport != TransportFault::kNone) {
    // A name that does not resolve, or a certificate that does not verify,
    // fails the same way on every attempt.
    return error.transport != TransportFault::kDnsFailure && error.transport != TransportFault::kTlsFailure;
  }

  constexpr std::string_view kRetryableCodes[] = {"SlowDown", "InternalError", "RequestTimeout", "Throttling",
                                                  "ThrottlingException"};
  if (std::find(std::begin(kRetryableCodes), std::end(kRetryableCodes), error.code) != std::end(kRetryableCodes)) {
    return true;
  }

  switch (error.http_status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds backoff_delay(const RetryOptions& options, int attempt, std::mt19937_64& random) {
  // Doubling stops at 2^30, far past any sensible max_delay, so the shift cannot overflow.
  const int doublings = std::clamp(attempt - 2, 0, 30);
  const long long base = std::max<long long>(options.base_delay.count(), 0);
  const long long max = std::max<long long>(options.max_delay.count(), 0);
  const long long ceiling = base > (max >> doublings) ? max : std::min(max, base << doublings);

  std::uniform_int_distribution<long long> distribution(0, ceiling);
  return std::chrono::milliseconds(distribution(random));
}

}  // namespace s3cat::s3
