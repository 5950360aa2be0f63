#include <gtest/gtest.h>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::object;
using testing::StoreTest;

using SqliteStoreAnnotations = StoreTest;

Annotation note(const std::string& description) {
  Annotation annotation;
  annotation.description = description;
  annotation.tags = {"pii", "gold"};
  annotation.owners = {"alice", "data-team"};
  annotation.updated_by = "alice";
  annotation.updated_at = "2024-04-01T10:00:00Z";
  return annotation;
}

TEST_F(SqliteStoreAnnotations, BucketFolderAndFile) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("x/a.txt", 1)});
  const std::vector<ItemRef> items = {{"logs", ""}, {"logs", "x/"}, {"logs", "x/a.txt"}};
  for (const ItemRef& item : items) {
    ASSERT_TRUE(store_->put_annotation(source_id, item, note("about " + item.key)).has_value());
  }
  for (const ItemRef& item : items) {
    auto annotation = store_->get_annotation(source_id, item);
    ASSERT_TRUE(annotation.has_value()) << annotation.error().message;
    ASSERT_TRUE(annotation->has_value()) << item.key;
    EXPECT_EQ((*annotation)->description, "about " + item.key);
    EXPECT_EQ((*annotation)->tags, (std::vector<std::string>{"pii", "gold"}));
    EXPECT_EQ((*annotation)->owners, (std::vector<std::string>{"alice", "data-team"}));
    EXPECT_EQ((*annotation)->updated_by, "alice");
    EXPECT_EQ((*annotation)->updated_at, "2024-04-01T10:00:00Z");
  }
}

TEST_F(SqliteStoreAnnotations, PutReplaces) {
  const std::int64_t source_id = add_source();
  ASSERT_TRUE(store_->put_annotation(source_id, {"logs", "a"}, note("first")).has_value());
  Annotation second;
  second.description = "second";
  second.updated_by = "bob";
  ASSERT_TRUE(store_->put_annotation(source_id, {"logs", "a"}, second).has_value());

  auto annotation = store_->get_annotation(source_id, {"logs", "a"});
  ASSERT_TRUE(annotation.has_value()) << annotation.error().message;
  ASSERT_TRUE(annotation->has_value());
  EXPECT_EQ((*annotation)->description, "second");
  EXPECT_TRUE((*annotation)->tags.empty());
  EXPECT_EQ((*annotation)->updated_by, "bob");
  EXPECT_EQ((*annotation)->updated_at, "2024-05-01T00:00:00Z") << "an empty updated_at takes the current time";
}

TEST_F(SqliteStoreAnnotations, AnnotationSurvivesRemoval) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("x/a.txt", 1)});
  ASSERT_TRUE(store_->put_annotation(source_id, {"logs", "x/"}, note("folder")).has_value());
  ASSERT_TRUE(store_->put_annotation(source_id, {"logs", "x/a.txt"}, note("file")).has_value());

  sync_bucket(source_id, "logs", {});
  auto folder = store_->get_folder(source_id, {"logs", "x/"});
  ASSERT_TRUE(folder.has_value());
  EXPECT_FALSE(folder->has_value());
  for (const char* key : {"x/", "x/a.txt"}) {
    auto annotation = store_->get_annotation(source_id, {"logs", key});
    ASSERT_TRUE(annotation.has_value()) << annotation.error().message;
    ASSERT_TRUE(annotation->has_value()) << key;
  }
}

TEST_F(SqliteStoreAnnotations, AnyPathWithoutItem) {
  const std::int64_t source_id = add_source();
  const std::string key = std::string("never\r\nlisted\0", 14);
  ASSERT_TRUE(store_->put_annotation(source_id, {"logs", key}, note("ahead")).has_value());
  auto annotation = store_->get_annotation(source_id, {"logs", key});
  ASSERT_TRUE(annotation.has_value()) << annotation.error().message;
  ASSERT_TRUE(annotation->has_value());
  auto other = store_->get_annotation(source_id, {"logs", "never\r\nlisted"});
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->has_value());
}

TEST_F(SqliteStoreAnnotations, RejectsInvalidInput) {
  const std::int64_t source_id = add_source();
  auto no_bucket = store_->put_annotation(source_id, {"", "a"}, note("x"));
  ASSERT_FALSE(no_bucket.has_value());
  EXPECT_EQ(no_bucket.error().kind, StoreErrorKind::kInvalid);

  Annotation bad_tag = note("x");
  bad_tag.tags = {"\xff\xfe"};
  auto invalid_utf8 = store_->put_annotation(source_id, {"logs", "a"}, bad_tag);
  ASSERT_FALSE(invalid_utf8.has_value());
  EXPECT_EQ(invalid_utf8.error().kind, StoreErrorKind::kInvalid);

  auto unknown_source = store_->put_annotation(source_id + 1, {"logs", "a"}, note("x"));
  ASSERT_FALSE(unknown_source.has_value());
  EXPECT_EQ(unknown_source.error().kind, StoreErrorKind::kNotFound);
}

}  // namespace
}  // namespace s3cat::catalog
