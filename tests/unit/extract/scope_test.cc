#include "extract/scope.h"

#include <gtest/gtest.h>

namespace s3cat::extract {
namespace {

std::vector<catalog::PathFilter> filters(const std::vector<std::string>& texts) {
  auto parsed = catalog::parse_path_filters(texts);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error());
  return parsed.value_or(std::vector<catalog::PathFilter>{});
}

TEST(MergePrefixes, EmptyPrefixCoversEverything) {
  EXPECT_EQ(merge_prefixes({"a/", "", "b"}), (std::vector<std::string>{""}));
}

TEST(MergePrefixes, DropsPrefixesInsideOthers) {
  EXPECT_EQ(merge_prefixes({"data/2024/", "data/", "logs/app", "logs/app.log", "logs/apps/"}),
            (std::vector<std::string>{"data/", "logs/app"}));
}

TEST(MergePrefixes, KeepsSiblingsThatShareCharacters) {
  EXPECT_EQ(merge_prefixes({"a/", "a0", "a/b"}), (std::vector<std::string>{"a/", "a0"}));
}

TEST(MergePrefixes, RemovesDuplicates) {
  EXPECT_EQ(merge_prefixes({"x/", "x/"}), (std::vector<std::string>{"x/"}));
}

TEST(ScopePlan, NoFiltersListsEveryVisibleBucketWhole) {
  const auto plan = plan_scope(std::vector<std::string>{"logs", "data"}, {});
  ASSERT_EQ(plan.buckets.size(), 2u);
  EXPECT_EQ(plan.buckets[0].bucket, "data");
  EXPECT_EQ(plan.buckets[0].prefixes, (std::vector<std::string>{""}));
  EXPECT_EQ(plan.buckets[1].bucket, "logs");
  EXPECT_FALSE(plan.buckets[1].not_in_bucket_list);
}

TEST(ScopePlan, FolderFilterNeverListsWholeBucket) {
  const auto plan = plan_scope(std::vector<std::string>{"data", "logs"}, filters({"/data/2024/"}));
  ASSERT_EQ(plan.buckets.size(), 1u);
  EXPECT_EQ(plan.buckets[0].bucket, "data");
  EXPECT_EQ(plan.buckets[0].prefixes, (std::vector<std::string>{"2024/"}));
}

TEST(ScopePlan, OverlappingFiltersListOnce) {
  const auto plan = plan_scope(std::vector<std::string>{"logs"}, filters({"/logs/app", "/logs/app.log", "/logs"}));
  ASSERT_EQ(plan.buckets.size(), 1u);
  EXPECT_EQ(plan.buckets[0].prefixes, (std::vector<std::string>{""}));
}

TEST(ScopePlan, FilterBucketMissingFromListIsMarked) {
  const auto plan = plan_scope(std::vector<std::string>{"logs"}, filters({"/other/x", "/logs/a/"}));
  ASSERT_EQ(plan.buckets.size(), 2u);
  EXPECT_EQ(plan.buckets[0].bucket, "logs");
  EXPECT_FALSE(plan.buckets[0].not_in_bucket_list);
  EXPECT_EQ(plan.buckets[1].bucket, "other");
  EXPECT_TRUE(plan.buckets[1].not_in_bucket_list);
}

TEST(ScopePlan, DeniedBucketListUsesFilterBuckets) {
  const auto plan = plan_scope(std::nullopt, filters({"/logs/a/", "/data"}));
  ASSERT_EQ(plan.buckets.size(), 2u);
  EXPECT_EQ(plan.buckets[0].bucket, "data");
  EXPECT_EQ(plan.buckets[0].prefixes, (std::vector<std::string>{""}));
  EXPECT_EQ(plan.buckets[1].bucket, "logs");
  EXPECT_EQ(plan.buckets[1].prefixes, (std::vector<std::string>{"a/"}));
}

TEST(ScopePlan, DeniedBucketListWithoutFiltersPlansNothing) {
  EXPECT_TRUE(plan_scope(std::nullopt, {}).buckets.empty());
}

}  // namespace
}  // namespace s3cat::extract
