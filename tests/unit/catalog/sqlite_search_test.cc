#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::object;
using testing::StoreTest;

class SqliteStoreSearch : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    logs_ = add_source("logs-src");
    data_ = add_source("data-src");
    sync_bucket(logs_, "logs",
                {object("app/2024.log", 100, "2024-03-01T00:00:00Z"), object("app/2024.log.gz", 40, "2024-03-02T00:00:00Z"),
                 object("App/Readme.TXT", 5, "2024-01-01T00:00:00Z"), object("web/index.html", 900, "2024-04-01T00:00:00Z")});
    sync_bucket(data_, "tables", {object("sales/q1.csv", 2000, "2024-02-01T00:00:00Z"),
                                  object("sales/q2.csv", 3000, "2024-05-01T00:00:00Z")});
  }

  void annotate(std::int64_t source_id, const ItemRef& item, const std::string& description,
                std::vector<std::string> tags = {}) {
    Annotation annotation;
    annotation.description = description;
    annotation.tags = std::move(tags);
    annotation.owners = {"data-eng"};
    annotation.updated_by = "alice";
    auto put = store_->put_annotation(source_id, item, annotation);
    ASSERT_TRUE(put.has_value()) << put.error().message;
  }

  std::vector<std::string> paths(const SearchQuery& query) {
    std::vector<std::string> found;
    auto page = store_->search(query);
    EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().message);
    if (!page) return found;
    for (const SearchHit& hit : page->hits) {
      found.push_back(hit.source + ":/" + hit.item.bucket + (hit.item.key.empty() ? "" : "/" + hit.item.key));
    }
    return found;
  }

  std::int64_t logs_ = 0;
  std::int64_t data_ = 0;
};

TEST_F(SqliteStoreSearch, NameSubstringIgnoresAsciiCase) {
  EXPECT_EQ(paths(SearchQuery{.name_contains = "readme"}), (std::vector<std::string>{"logs-src:/logs/App/Readme.TXT"}));
  EXPECT_EQ(paths(SearchQuery{.name_contains = "app"}), std::vector<std::string>{})
      << "the name is the part after the last '/', so folder names do not match";
}

TEST_F(SqliteStoreSearch, PathSubstring) {
  EXPECT_EQ(paths(SearchQuery{.path_contains = "/APP/"}),
            (std::vector<std::string>{"logs-src:/logs/App/Readme.TXT", "logs-src:/logs/app/2024.log",
                                      "logs-src:/logs/app/2024.log.gz"}));
  EXPECT_EQ(paths(SearchQuery{.path_contains = "tables/sales"}),
            (std::vector<std::string>{"data-src:/tables/sales/q1.csv", "data-src:/tables/sales/q2.csv"}));
}

TEST_F(SqliteStoreSearch, ExtensionSizeAndTime) {
  EXPECT_EQ(paths(SearchQuery{.extension = "gz"}), (std::vector<std::string>{"logs-src:/logs/app/2024.log.gz"}));
  EXPECT_EQ(paths(SearchQuery{.extension = "txt"}), (std::vector<std::string>{"logs-src:/logs/App/Readme.TXT"}));
  EXPECT_EQ(paths(SearchQuery{.min_size = 900, .max_size = 2000}),
            (std::vector<std::string>{"data-src:/tables/sales/q1.csv", "logs-src:/logs/web/index.html"}));
  EXPECT_EQ(paths(SearchQuery{.modified_after = "2024-03-01T00:00:00Z", .modified_before = "2024-04-01T00:00:00Z"}),
            (std::vector<std::string>{"logs-src:/logs/app/2024.log", "logs-src:/logs/app/2024.log.gz",
                                      "logs-src:/logs/web/index.html"}));
}

TEST_F(SqliteStoreSearch, SourceBucketAndPaging) {
  EXPECT_EQ(paths(SearchQuery{.source_id = data_}).size(), 2u);
  EXPECT_EQ(paths(SearchQuery{.bucket = "logs"}).size(), 4u);
  auto page = store_->search(SearchQuery{.limit = 2, .offset = 1});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 6u);
  ASSERT_EQ(page->hits.size(), 2u);
  EXPECT_EQ(page->hits[0].source, "data-src");
  EXPECT_EQ(page->hits[0].item.key, "sales/q2.csv");
  ASSERT_TRUE(page->hits[0].file.has_value());
  EXPECT_EQ(page->hits[0].file->object.size, 3000u);
}

TEST_F(SqliteStoreSearch, TagFilter) {
  annotate(logs_, {"logs", "app/2024.log"}, "raw logs", {"raw", "pii"});
  annotate(logs_, {"logs", "web/index.html"}, "site", {"public"});
  EXPECT_EQ(paths(SearchQuery{.tag = "pii"}), (std::vector<std::string>{"logs-src:/logs/app/2024.log"}));
  EXPECT_EQ(paths(SearchQuery{.tag = "pi"}), std::vector<std::string>{}) << "tags match exactly";
  auto page = store_->search(SearchQuery{.tag = "public"});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->hits.size(), 1u);
  ASSERT_TRUE(page->hits[0].annotation.has_value());
  EXPECT_EQ(page->hits[0].annotation->description, "site");
}

TEST_F(SqliteStoreSearch, FullTextOverAnnotations) {
  annotate(logs_, {"logs", "app/2024.log"}, "Raw application logs from the *checkout* service");
  annotate(logs_, {"logs", "app/"}, "Folder of checkout data");
  annotate(logs_, {"logs", ""}, "Every log of the shop");
  annotate(data_, {"tables", "sales/q1.csv"}, "Quarterly revenue", {"finance"});

  EXPECT_EQ(paths(SearchQuery{.text = "checkout"}).size(), 2u);
  EXPECT_EQ(paths(SearchQuery{.text = "checkout application"}),
            (std::vector<std::string>{"logs-src:/logs/app/2024.log"}))
      << "every word must match";
  EXPECT_EQ(paths(SearchQuery{.text = "shop"}), (std::vector<std::string>{"logs-src:/logs"}));
  EXPECT_EQ(paths(SearchQuery{.text = "revenu*"}), (std::vector<std::string>{"data-src:/tables/sales/q1.csv"}));
  EXPECT_EQ(paths(SearchQuery{.text = "finance"}), (std::vector<std::string>{"data-src:/tables/sales/q1.csv"}))
      << "tags are indexed";
  EXPECT_EQ(paths(SearchQuery{.text = "data-eng"}).size(), 4u) << "owners are indexed";
  EXPECT_EQ(paths(SearchQuery{.text = "CHECKOUT", .extension = "log"}),
            (std::vector<std::string>{"logs-src:/logs/app/2024.log"}))
      << "file-only criteria drop folders and buckets";
  EXPECT_EQ(paths(SearchQuery{.name_contains = "app", .text = "checkout"}),
            (std::vector<std::string>{"logs-src:/logs/app/"}));
}

TEST_F(SqliteStoreSearch, FullTextSyntaxIsPlainText) {
  annotate(logs_, {"logs", "app/2024.log"}, "alpha beta");
  for (const char* text : {"\"", "alpha OR", "NOT alpha", "alpha:", "(alpha", "*", "a\"b", "NEAR(alpha beta)"}) {
    auto page = store_->search(SearchQuery{.text = text});
    EXPECT_TRUE(page.has_value()) << text << ": " << (page ? "" : page.error().message);
  }
  EXPECT_EQ(paths(SearchQuery{.text = "alpha OR"}).size(), 0u) << "OR is a word, not an operator";
}

TEST_F(SqliteStoreSearch, FullTextFollowsEdits) {
  annotate(logs_, {"logs", "app/2024.log"}, "first words");
  annotate(logs_, {"logs", "app/2024.log"}, "second words");
  EXPECT_EQ(paths(SearchQuery{.text = "first"}).size(), 0u);
  EXPECT_EQ(paths(SearchQuery{.text = "second"}).size(), 1u);
}

TEST_F(SqliteStoreSearch, FullTextSkipsAbsentItems) {
  annotate(logs_, {"logs", "app/2024.log"}, "gone soon");
  annotate(logs_, {"logs", "nowhere/"}, "gone folder");
  sync_bucket(logs_, "logs", {object("web/index.html", 900)});
  EXPECT_EQ(paths(SearchQuery{.text = "gone"}).size(), 0u);
  sync_bucket(logs_, "logs", {object("app/2024.log", 100)});
  EXPECT_EQ(paths(SearchQuery{.text = "gone"}), (std::vector<std::string>{"logs-src:/logs/app/2024.log"}))
      << "the annotation shows again when the file returns";
}

TEST_F(SqliteStoreSearch, RemovedSourceLeavesNoIndexRows) {
  annotate(data_, {"tables", "sales/q1.csv"}, "quarterly");
  ASSERT_TRUE(store_->remove_source("data-src").has_value());
  const std::int64_t again = add_source("data-src");
  sync_bucket(again, "tables", {object("sales/q1.csv", 1)});
  EXPECT_EQ(paths(SearchQuery{.text = "quarterly"}).size(), 0u);
}

TEST_F(SqliteStoreSearch, ListTagsWithCounts) {
  annotate(logs_, {"logs", "app/2024.log"}, "", {"raw", "pii"});
  annotate(logs_, {"logs", "app/"}, "", {"raw"});
  annotate(data_, {"tables", ""}, "", {"finance", "raw"});

  auto all = store_->list_tags(std::nullopt);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].tag, "finance");
  EXPECT_EQ((*all)[0].count, 1u);
  EXPECT_EQ((*all)[1].tag, "pii");
  EXPECT_EQ((*all)[2].tag, "raw");
  EXPECT_EQ((*all)[2].count, 3u);

  auto one = store_->list_tags(logs_);
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[1].tag, "raw");
  EXPECT_EQ((*one)[1].count, 2u);
}

TEST_F(SqliteStoreSearch, ListAnnotatedByPresence) {
  annotate(logs_, {"logs", ""}, "bucket");
  annotate(logs_, {"logs", "app/"}, "folder");
  annotate(logs_, {"logs", "app/2024.log"}, "file");
  annotate(logs_, {"logs", "old/x.log"}, "never catalogued");
  annotate(logs_, {"gone-bucket", ""}, "never synced bucket");

  auto all = store_->list_annotated(logs_, AnnotatedQuery{});
  ASSERT_TRUE(all.has_value()) << all.error().message;
  EXPECT_EQ(all->total, 5u);

  auto absent = store_->list_annotated(logs_, AnnotatedQuery{.present = false});
  ASSERT_TRUE(absent.has_value());
  std::vector<std::string> absent_paths;
  for (const AnnotatedItem& item : absent->items) absent_paths.push_back(item.item.bucket + "/" + item.item.key);
  EXPECT_EQ(absent_paths, (std::vector<std::string>{"gone-bucket/", "logs/old/x.log"}));

  auto present = store_->list_annotated(logs_, AnnotatedQuery{.present = true, .limit = 2});
  ASSERT_TRUE(present.has_value());
  EXPECT_EQ(present->total, 3u);
  ASSERT_EQ(present->items.size(), 2u);
  EXPECT_EQ(present->items[0].item.key, "");
  EXPECT_EQ(present->items[1].item.key, "app/");
  EXPECT_TRUE(present->items[0].present);
  EXPECT_EQ(present->items[1].annotation.description, "folder");
  EXPECT_EQ(present->items[1].annotation.updated_by, "alice");
}

TEST_F(SqliteStoreSearch, FileSearchCountStopsAtLimit) {
  // More matching files than kSearchCountLimit, in two buckets whose path
  // order ("big-a/" before "big/") differs from the order of their names.
  const std::int64_t source_id = add_source("big-src");
  const std::uint64_t files = kSearchCountLimit + 50;
  std::vector<ObjectRecord> first;
  std::vector<ObjectRecord> second;
  for (std::uint64_t i = 0; i < files; ++i) {
    auto& target = i < 20 ? first : second;
    target.push_back(object(fmt::format("f{:06}.dat", i), i));
  }
  sync_bucket(source_id, "big-a", first);
  sync_bucket(source_id, "big", second);

  auto page = store_->search(SearchQuery{.source_id = source_id, .extension = "dat", .limit = 30});
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->total, kSearchCountLimit);
  EXPECT_FALSE(page->total_exact);
  ASSERT_EQ(page->hits.size(), 30u);
  EXPECT_EQ(page->hits[0].item.bucket, "big-a") << "path order puts big-a/ before big/";
  EXPECT_EQ(page->hits[0].item.key, "f000000.dat");
  EXPECT_EQ(page->hits[19].item.key, "f000019.dat");
  EXPECT_EQ(page->hits[20].item.bucket, "big");
  EXPECT_EQ(page->hits[20].item.key, "f000020.dat");

  auto deep = store_->search(SearchQuery{.source_id = source_id, .extension = "dat", .limit = 10, .offset = 10'020});
  ASSERT_TRUE(deep.has_value());
  ASSERT_EQ(deep->hits.size(), 10u);
  EXPECT_EQ(deep->hits[0].item.key, "f010020.dat");
  EXPECT_EQ(deep->total, 10'031u) << "a page past the limit is counted up to one match after it";
  EXPECT_FALSE(deep->total_exact);

  auto last = store_->search(SearchQuery{.source_id = source_id, .extension = "dat", .limit = 100, .offset = 10'000});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->hits.size(), 50u);
  EXPECT_EQ(last->total, files);
  EXPECT_TRUE(last->total_exact) << "the scan reached the end of the catalog";

  auto few = store_->search(SearchQuery{.source_id = source_id, .name_contains = "f00001"});
  ASSERT_TRUE(few.has_value());
  EXPECT_EQ(few->total, 10u);
  EXPECT_TRUE(few->total_exact);
}

TEST_F(SqliteStoreSearch, FileSearchUnknownBucket) {
  auto page = store_->search(SearchQuery{.bucket = "missing"});
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->total, 0u);
  EXPECT_TRUE(page->total_exact);
  EXPECT_TRUE(page->hits.empty());
}

TEST_F(SqliteStoreSearch, NameOfKeyWithNul) {
  const std::int64_t source_id = add_source("nul-src");
  sync_bucket(source_id, "b", {object(std::string("dir\0x/na\0me.txt", 15), 1), object("other/name.txt", 1)});
  auto page = store_->search(SearchQuery{.source_id = source_id, .name_contains = "me.txt"});
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->total, 2u) << "the name after the last '/' keeps the bytes after a NUL";
}

}  // namespace
}  // namespace s3cat::catalog
