#include "extract/progress.h"

#include <gtest/gtest.h>

#include <thread>

namespace s3cat::extract {
namespace {

class FixedEstimate : public ListingEstimate {
 public:
  explicit FixedEstimate(std::optional<double> remaining) : remaining_(remaining) {}
  std::optional<double> estimate_remaining() const override { return remaining_; }

 private:
  std::optional<double> remaining_;
};

TEST(Progress, NoRateOrEtaBeforeFirstPage) {
  Progress progress;
  progress.start(1);
  progress.set_buckets_total(1);
  const ProgressSnapshot snapshot = progress.snapshot();
  EXPECT_EQ(snapshot.recent_objects_per_second, 0.0);
  EXPECT_FALSE(snapshot.eta_seconds.has_value());
}

TEST(Progress, EtaIsRemainingOverRecentRate) {
  Progress progress;
  progress.start(1);
  progress.set_buckets_total(1);
  progress.bucket_started("logs");
  const FixedEstimate estimate(3000.0);
  progress.listing_started(&estimate);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  progress.page_listed(1000);

  const ProgressSnapshot snapshot = progress.snapshot();
  ASSERT_GT(snapshot.recent_objects_per_second, 0.0);
  ASSERT_TRUE(snapshot.eta_seconds.has_value());
  EXPECT_NEAR(*snapshot.eta_seconds, 3000.0 / snapshot.recent_objects_per_second, 1e-9);
  progress.listing_finished(&estimate);
}

TEST(Progress, EtaUnknownWhileListingHasNoPlan) {
  Progress progress;
  progress.start(1);
  progress.set_buckets_total(1);
  progress.bucket_started("logs");
  const FixedEstimate estimate(std::nullopt);
  progress.listing_started(&estimate);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  progress.page_listed(1000);

  EXPECT_FALSE(progress.snapshot().eta_seconds.has_value());
  progress.listing_finished(&estimate);
}

TEST(Progress, UnstartedBucketsCountAsMeanFinishedBucket) {
  Progress progress;
  progress.start(1);
  progress.set_buckets_total(3);
  progress.bucket_started("a");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  progress.page_listed(500);
  progress.bucket_finished("a", 500);

  const ProgressSnapshot snapshot = progress.snapshot();
  ASSERT_GT(snapshot.recent_objects_per_second, 0.0);
  ASSERT_TRUE(snapshot.eta_seconds.has_value());
  // Two buckets are left, each estimated at 500 objects.
  EXPECT_NEAR(*snapshot.eta_seconds, 1000.0 / snapshot.recent_objects_per_second, 1e-9);
}

TEST(Progress, FinishedListingNoLongerCounts) {
  Progress progress;
  progress.start(1);
  progress.set_buckets_total(1);
  progress.bucket_started("logs");
  const FixedEstimate estimate(std::nullopt);
  progress.listing_started(&estimate);
  progress.listing_finished(&estimate);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  progress.page_listed(10);
  progress.bucket_finished("logs", 10);

  const ProgressSnapshot snapshot = progress.snapshot();
  ASSERT_TRUE(snapshot.eta_seconds.has_value());
  EXPECT_EQ(*snapshot.eta_seconds, 0.0);
}

}  // namespace
}  // namespace s3cat::extract
