#include "s3/request_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace s3cat::s3 {
namespace {

TEST(RequestLimiter, HalvesOnThrottlingDownToOne) {
  std::vector<int> limits;
  RequestLimiter limiter({8, 4}, [&](int new_limit, int, bool) { limits.push_back(new_limit); });
  for (int i = 0; i < 5; ++i) {
    limiter.acquire();
    limiter.release(true, false);
  }
  EXPECT_EQ(limiter.limit(), 1);
  EXPECT_EQ(limits, (std::vector<int>{4, 2, 1}));
}

TEST(RequestLimiter, AddsOnePerSuccessesUpToMaximum) {
  RequestLimiter limiter({4, 3});
  limiter.acquire();
  limiter.release(true, false);
  ASSERT_EQ(limiter.limit(), 2);
  for (int i = 0; i < 3; ++i) {
    limiter.acquire();
    limiter.release(false, true);
  }
  EXPECT_EQ(limiter.limit(), 3);
  for (int i = 0; i < 30; ++i) {
    limiter.acquire();
    limiter.release(false, true);
  }
  EXPECT_EQ(limiter.limit(), 4);
}

TEST(RequestLimiter, OtherErrorsLeaveLimitAlone) {
  RequestLimiter limiter({4, 1});
  limiter.acquire();
  limiter.release(true, false);
  limiter.acquire();
  limiter.release(false, false);
  EXPECT_EQ(limiter.limit(), 2);
}

TEST(RequestLimiter, NeverExceedsLimitInFlight) {
  RequestLimiter limiter({3, 1000});
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        limiter.acquire();
        const int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --in_flight;
        limiter.release(false, true);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(peak.load(), 3);
  EXPECT_EQ(limiter.in_flight(), 0);
}

TEST(IsThrottling, Recognises503AndSlowDown) {
  S3Error slow_down;
  slow_down.http_status = 503;
  slow_down.code = "SlowDown";
  EXPECT_TRUE(is_throttling(slow_down));

  S3Error too_many;
  too_many.http_status = 429;
  EXPECT_TRUE(is_throttling(too_many));

  S3Error internal;
  internal.http_status = 500;
  internal.code = "InternalError";
  EXPECT_FALSE(is_throttling(internal));
}

}  // namespace
}  // namespace s3cat::s3
