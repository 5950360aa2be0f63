#include "s3/retry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3cat::s3 {
namespace {

using namespace std::chrono_literals;

struct RetryCase {
  int status;
  std::string code;
  TransportFault fault;
  bool expected;
};

TEST(RetryClassifier, Table) {
  const std::vector<RetryCase> cases = {
      {0, "", TransportFault::kConnectionRefused, true},
      {0, "", TransportFault::kConnectionReset, true},
      {0, "", TransportFault::kTimeout, true},
      {0, "", TransportFault::kTruncatedBody, true},
      {0, "", TransportFault::kOther, true},
      {0, "", TransportFault::kDnsFailure, false},
      {0, "", TransportFault::kTlsFailure, false},
      {408, "", TransportFault::kNone, true},
      {429, "", TransportFault::kNone, true},
      {500, "", TransportFault::kNone, true},
      {502, "", TransportFault::kNone, true},
      {503, "", TransportFault::kNone, true},
      {504, "", TransportFault::kNone, true},
      {503, "SlowDown", TransportFault::kNone, true},
      {500, "InternalError", TransportFault::kNone, true},
      {400, "RequestTimeout", TransportFault::kNone, true},
      {400, "Throttling", TransportFault::kNone, true},
      {400, "ThrottlingException", TransportFault::kNone, true},
      {400, "", TransportFault::kNone, false},
      {400, "InvalidArgument", TransportFault::kNone, false},
      {403, "AccessDenied", TransportFault::kNone, false},
      {403, "SignatureDoesNotMatch", TransportFault::kNone, false},
      {404, "NoSuchBucket", TransportFault::kNone, false},
      {501, "NotImplemented", TransportFault::kNone, false},
      {200, "", TransportFault::kNone, false},  // a malformed answer repeats identically
  };

  for (const RetryCase& test_case : cases) {
    SCOPED_TRACE(testing::Message() << test_case.status << " " << test_case.code << " "
                                    << to_string(test_case.fault));
    S3Error error;
    error.http_status = test_case.status;
    error.code = test_case.code;
    error.transport = test_case.fault;
    error.category = categorize(test_case.status, test_case.code, test_case.fault);
    EXPECT_EQ(is_retryable(error), test_case.expected);
  }
}

TEST(RetryBackoff, StaysWithinCappedExponentialBounds) {
  RetryOptions options;
  options.base_delay = 100ms;
  options.max_delay = 1000ms;
  std::mt19937_64 random(42);

  const std::vector<std::pair<int, std::chrono::milliseconds>> ceilings = {
      {2, 100ms}, {3, 200ms}, {4, 400ms}, {5, 800ms}, {6, 1000ms}, {7, 1000ms}, {40, 1000ms}, {1000, 1000ms}};
  for (const auto& [attempt, ceiling] : ceilings) {
    SCOPED_TRACE(attempt);
    std::chrono::milliseconds largest{0};
    for (int i = 0; i < 2000; ++i) {
      const auto delay = backoff_delay(options, attempt, random);
      ASSERT_GE(delay, 0ms);
      ASSERT_LE(delay, ceiling);
      largest = std::max(largest, delay);
    }
    // Full jitter spreads over the whole range, so 2000 draws come near the top.
    EXPECT_GE(largest, ceiling * 9 / 10);
  }
}

TEST(RetryBackoff, ZeroBaseDelayGivesZero) {
  RetryOptions options;
  options.base_delay = 0ms;
  std::mt19937_64 random(7);

  EXPECT_EQ(backoff_delay(options, 3, random), 0ms);
}

}  // namespace
}  // namespace s3cat::s3
