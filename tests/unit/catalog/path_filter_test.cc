#include "catalog/path_filter.h"

#include <gtest/gtest.h>

namespace s3cat::catalog {
namespace {

TEST(PathFilter, ParsesBucketAndKeyPrefix) {
  auto filter = parse_path_filter("/logs/app.log");
  ASSERT_TRUE(filter.has_value()) << filter.error();
  EXPECT_EQ(filter->bucket, "logs");
  EXPECT_EQ(filter->key_prefix, "app.log");
  EXPECT_EQ(filter->text, "/logs/app.log");
}

TEST(PathFilter, ParsesFolderPrefix) {
  auto filter = parse_path_filter("/data/2024/");
  ASSERT_TRUE(filter.has_value()) << filter.error();
  EXPECT_EQ(filter->bucket, "data");
  EXPECT_EQ(filter->key_prefix, "2024/");
}

TEST(PathFilter, WholeBucketWithOrWithoutSlash) {
  for (const char* text : {"/data", "/data/"}) {
    auto filter = parse_path_filter(text);
    ASSERT_TRUE(filter.has_value()) << text << ": " << filter.error();
    EXPECT_EQ(filter->bucket, "data") << text;
    EXPECT_EQ(filter->key_prefix, "") << text;
  }
}

TEST(PathFilter, KeepsSlashesInsideKeyPrefix) {
  auto filter = parse_path_filter("/data//abs/path");
  ASSERT_TRUE(filter.has_value()) << filter.error();
  EXPECT_EQ(filter->bucket, "data");
  EXPECT_EQ(filter->key_prefix, "/abs/path");
}

TEST(PathFilter, RejectsEmpty) {
  auto filter = parse_path_filter("");
  ASSERT_FALSE(filter.has_value());
  EXPECT_EQ(filter.error(), "invalid path filter \"\": it must name a bucket, as in /bucket/prefix");
}

TEST(PathFilter, RejectsMissingLeadingSlash) {
  auto filter = parse_path_filter("logs/app");
  ASSERT_FALSE(filter.has_value());
  EXPECT_EQ(filter.error(), "invalid path filter \"logs/app\": it must start with \"/\", as in /bucket/prefix");
}

TEST(PathFilter, RejectsMissingBucket) {
  for (const char* text : {"/", "//x", "//"}) {
    auto filter = parse_path_filter(text);
    ASSERT_FALSE(filter.has_value()) << text;
    EXPECT_NE(filter.error().find("must name a bucket"), std::string::npos) << filter.error();
    EXPECT_NE(filter.error().find("/bucket/prefix"), std::string::npos) << filter.error();
  }
}

TEST(PathFilter, RejectsInvalidBucketNames) {
  const std::string too_long = "/" + std::string(64, 'a') + "/x";
  const std::vector<std::string> texts = {"/ab",      "/a",     "/-logs",           "/logs-", "/.logs",
                                         "/lo gs/x", "/lo*gs", "/lo\xc3\xa9gs", too_long};
  for (const std::string& text : texts) {
    auto filter = parse_path_filter(text);
    ASSERT_FALSE(filter.has_value()) << text;
    EXPECT_NE(filter.error().find("bucket name"), std::string::npos) << filter.error();
    EXPECT_NE(filter.error().find("/bucket/prefix"), std::string::npos) << filter.error();
  }
}

TEST(PathFilter, AcceptsLenientBucketNames) {
  // Uppercase and '_' occur in legacy buckets and on S3-compatible servers.
  const std::string longest = "/" + std::string(63, 'a');
  const std::vector<std::string> texts = {"/Logs_2024", "/a.b.c", "/abc", "/a-b", longest};
  for (const std::string& text : texts) {
    EXPECT_TRUE(parse_path_filter(text).has_value()) << text;
  }
}

TEST(PathFilter, RejectsControlCharacters) {
  for (const std::string& text : {std::string("/logs/a\nb"), std::string("/logs/\x01"), std::string("/logs/a\tb"),
                                 std::string("/logs/\x7f"), std::string("/logs/a\0b", 9)}) {
    auto filter = parse_path_filter(text);
    ASSERT_FALSE(filter.has_value());
    EXPECT_NE(filter.error().find("control characters"), std::string::npos) << filter.error();
    // The message shows the bytes escaped and stays on one line.
    EXPECT_EQ(filter.error().find('\n'), std::string::npos) << filter.error();
  }
  EXPECT_EQ(parse_path_filter("/logs/a\nb").error(),
            "invalid path filter \"/logs/a\\nb\": it must not contain control characters, as in /bucket/prefix");
}

TEST(PathFilter, MatchesPlainStringPrefix) {
  auto filter = parse_path_filter("/logs/app");
  ASSERT_TRUE(filter.has_value());
  EXPECT_TRUE(filter->matches("logs", "app.log"));
  EXPECT_TRUE(filter->matches("logs", "apps/x"));
  EXPECT_TRUE(filter->matches("logs", "app"));
  EXPECT_FALSE(filter->matches("logs", "ap"));
  EXPECT_FALSE(filter->matches("logs", "x/app.log"));
  EXPECT_FALSE(filter->matches("logs2", "app.log"));
}

TEST(PathFilter, FolderFilterKeepsToFolder) {
  auto filter = parse_path_filter("/data/2024/");
  ASSERT_TRUE(filter.has_value());
  EXPECT_TRUE(filter->matches("data", "2024/a.csv"));
  EXPECT_FALSE(filter->matches("data", "2024.csv"));
  EXPECT_FALSE(filter->matches("data", "2025/a.csv"));
}

TEST(PathFilter, BucketFilterSelectsOnlyThatBucket) {
  auto filter = parse_path_filter("/data");
  ASSERT_TRUE(filter.has_value());
  EXPECT_TRUE(filter->matches("data", "anything"));
  EXPECT_FALSE(filter->matches("data2", "anything"));
  EXPECT_FALSE(filter->matches("dat", "anything"));
}

TEST(PathFilter, ParseManyRemovesDuplicates) {
  auto filters = parse_path_filters({"/data", "/data/", "/logs/a", "/logs/a"});
  ASSERT_TRUE(filters.has_value()) << filters.error();
  ASSERT_EQ(filters->size(), 2u);
  EXPECT_EQ((*filters)[0].text, "/data");
  EXPECT_EQ((*filters)[1].text, "/logs/a");
}

TEST(PathFilter, ParseManyReportsFirstError) {
  auto filters = parse_path_filters({"/data", "bad", ""});
  ASSERT_FALSE(filters.has_value());
  EXPECT_NE(filters.error().find("\"bad\""), std::string::npos) << filters.error();
}

TEST(PathFilter, MatchesAnyWithNoFilters) {
  EXPECT_TRUE(matches_any({}, "any", "key"));
  auto filters = parse_path_filters({"/logs/a", "/data"});
  ASSERT_TRUE(filters.has_value());
  EXPECT_TRUE(matches_any(*filters, "logs", "a/b"));
  EXPECT_TRUE(matches_any(*filters, "data", "x"));
  EXPECT_FALSE(matches_any(*filters, "logs", "b"));
}

}  // namespace
}  // namespace s3cat::catalog
