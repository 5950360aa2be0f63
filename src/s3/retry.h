// The one retry policy of the S3 module: which failures are retried, and how
// long to wait between attempts (capped exponential backoff with full jitter).
// Pure functions and a value type: thread-safe.
#pragma once

#include <chrono>
#include <random>

#include "s3/error.h"

namespace s3cat::s3 {

struct RetryOptions {
  int max_attempts = 4;  // including the first attempt
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{5000};
  // No new attempt starts once this much time has passed since the first one.
  std::chrono::milliseconds max_total_time{60000};
};

// True for transport faults (except DNS and TLS failures, which repeat
// identically), 408, 429, 500, 502, 503, 504, and the codes SlowDown,
// InternalError, RequestTimeout, Throttling, ThrottlingException. False for
// other 4xx answers and for malformed responses.
bool is_retryable(const S3Error& error);

// The delay before attempt number `attempt` (2 for the first retry): a random
// value in [0, min(max_delay, base_delay * 2^(attempt-2))].
std::chrono::milliseconds backoff_delay(const RetryOptions& options, int attempt, std::mt19937_64& random);

}  // namespace s3cat::s3
