#include <gtest/gtest.h>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::object;
using testing::StoreTest;

using SqliteStoreReads = StoreTest;

TEST_F(SqliteStoreReads, PathOrderAcrossBuckets) {
  const std::int64_t source_id = add_source();
  const std::int64_t job = start_job(source_id);
  // Written in an order unlike path order on purpose.
  write(source_id, job, "a", {object("z", 1), object("b/c", 1)});
  write(source_id, job, "a-b", {object("x", 1)});
  write(source_id, job, "ab", {object("y", 1)});
  for (const char* bucket : {"a", "a-b", "ab"}) complete(source_id, job, bucket, "synced");

  // '-' (0x2D) < '/' (0x2F) < 'b' (0x62)
  EXPECT_EQ(file_paths(source_id), (std::vector<std::string>{"/a-b/x", "/a/b/c", "/a/z", "/ab/y"}));

  auto buckets = store_->list_buckets(source_id);
  ASSERT_TRUE(buckets.has_value());
  ASSERT_EQ(buckets->size(), 3u);
  EXPECT_EQ((*buckets)[0].name, "a-b");
  EXPECT_EQ((*buckets)[1].name, "a");
  EXPECT_EQ((*buckets)[2].name, "ab");
}

TEST_F(SqliteStoreReads, KeysWithControlCharactersExact) {
  const std::int64_t source_id = add_source();
  const std::vector<std::string> keys = {std::string("\x01"),         "a\nb.txt", "c\r\nd.txt", "tab\there.txt",
                                         "ok.txt",                    "/leading", "//double",   "x//y",
                                         std::string("nul\0byte", 8), "caf\xc3\xa9", "\xff\xfe"};
  std::vector<ObjectRecord> objects;
  for (std::size_t i = 0; i < keys.size(); ++i) objects.push_back(object(keys[i], i + 1));
  sync_bucket(source_id, "alpha", objects);

  std::vector<std::string> visited;
  auto status = store_->for_each_file(source_id, "", [&](const FileEntry& file) {
    visited.push_back(file.object.key);
    // Each key keeps its own size, so no two keys were merged.
    const auto index = static_cast<std::size_t>(std::find(keys.begin(), keys.end(), file.object.key) - keys.begin());
    ASSERT_LT(index, keys.size()) << "unexpected key";
    EXPECT_EQ(file.object.size, index + 1);
  });
  ASSERT_TRUE(status.has_value());

  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());  // std::string compares as unsigned bytes
  EXPECT_EQ(visited, expected);

  auto cr = store_->get_file(source_id, {"alpha", "c\r\nd.txt"});
  ASSERT_TRUE(cr.has_value()) << cr.error().message;
  ASSERT_TRUE(cr->has_value());
  auto not_normalized = store_->get_file(source_id, {"alpha", "c\nd.txt"});
  ASSERT_TRUE(not_normalized.has_value());
  EXPECT_FALSE(not_normalized->has_value());
  auto nul = store_->get_file(source_id, {"alpha", std::string("nul\0byte", 8)});
  ASSERT_TRUE(nul.has_value()) << nul.error().message;
  ASSERT_TRUE(nul->has_value());
  auto truncated = store_->get_file(source_id, {"alpha", "nul"});
  ASSERT_TRUE(truncated.has_value());
  EXPECT_FALSE(truncated->has_value());

  auto folder = store_->get_folder(source_id, {"alpha", "/"});
  ASSERT_TRUE(folder.has_value()) << folder.error().message;
  ASSERT_TRUE(folder->has_value()) << "a key starting with '/' makes folder \"/\"";
  EXPECT_EQ((*folder)->file_count, 2u);
}

TEST_F(SqliteStoreReads, ForEachFileByPathPrefix) {
  const std::int64_t source_id = add_source();
  const std::int64_t job = start_job(source_id);
  write(source_id, job, "logs", {object("app.log", 1), object("apps/x", 1), object("ap", 1), object("b/app", 1)});
  write(source_id, job, "logs2", {object("app.log", 1)});
  write(source_id, job, "data", {object("2024/a", 1)});
  for (const char* bucket : {"logs", "logs2", "data"}) complete(source_id, job, bucket, "synced");

  EXPECT_EQ(file_paths(source_id, "/logs/app"), (std::vector<std::string>{"/logs/app.log", "/logs/apps/x"}));
  EXPECT_EQ(file_paths(source_id, "/logs/"),
            (std::vector<std::string>{"/logs/ap", "/logs/app.log", "/logs/apps/x", "/logs/b/app"}));
  // Without a second '/', the prefix is a plain string prefix over bucket names too.
  EXPECT_EQ(file_paths(source_id, "/logs").size(), 5u);
  EXPECT_EQ(file_paths(source_id, "/d"), std::vector<std::string>{"/data/2024/a"});
  EXPECT_EQ(file_paths(source_id, "/").size(), 6u);
  EXPECT_TRUE(file_paths(source_id, "/nothere/").empty());

  auto invalid = store_->for_each_file(source_id, "logs/app", [](const FileEntry&) {});
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().kind, StoreErrorKind::kInvalid);
}

TEST_F(SqliteStoreReads, PrefixRangeWithHighBytes) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "bin", {object("a\xff", 1), object("a\xff\xff/x", 1), object("b", 1), object("a", 1)});
  EXPECT_EQ(file_paths(source_id, "/bin/a\xff"), (std::vector<std::string>{"/bin/a\xff", "/bin/a\xff\xff/x"}));
  EXPECT_EQ(file_paths(source_id, "/bin/a").size(), 3u);
}

TEST_F(SqliteStoreReads, CallbackMayUseStore) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("a", 1), object("b", 2)});
  int annotated = 0;
  auto status = store_->for_each_file(source_id, "", [&](const FileEntry& file) {
    ASSERT_TRUE(store_->put_annotation(source_id, {"logs", file.object.key}, Annotation{.description = "seen"}).has_value());
    auto note = store_->get_annotation(source_id, {"logs", file.object.key});
    ASSERT_TRUE(note.has_value()) << note.error().message;
    ASSERT_TRUE(note->has_value());
    ++annotated;
  });
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(annotated, 2);
}

TEST_F(SqliteStoreReads, UnknownSourceNotFound) {
  EXPECT_EQ(store_->count_files(999).error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->list_buckets(999).error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->for_each_file(999, "", [](const FileEntry&) {}).error().kind, StoreErrorKind::kNotFound);
}

TEST_F(SqliteStoreReads, MissingItemsAreEmpty) {
  const std::int64_t source_id = add_source();
  auto file = store_->get_file(source_id, {"logs", "nothing"});
  ASSERT_TRUE(file.has_value());
  EXPECT_FALSE(file->has_value());
  auto bucket = store_->get_bucket(source_id, "logs");
  ASSERT_TRUE(bucket.has_value());
  EXPECT_FALSE(bucket->has_value());
  auto folder = store_->get_folder(source_id, {"logs", "a/"});
  ASSERT_TRUE(folder.has_value());
  EXPECT_FALSE(folder->has_value());
  auto not_a_folder = store_->get_folder(source_id, {"logs", "a"});
  ASSERT_TRUE(not_a_folder.has_value());
  EXPECT_FALSE(not_a_folder->has_value());
}

}  // namespace
}  // namespace s3cat::catalog
