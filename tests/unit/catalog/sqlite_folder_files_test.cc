// list_folder_files reads a folder's direct files from the objects table's
// primary key and seeks past each subfolder's keys. These tests place
// subfolders before, between and after the files, and use keys whose bytes
// sort just below and above '/'.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <tuple>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::object;
using testing::StoreTest;

std::vector<std::string> keys_of(const std::vector<FileEntry>& files) {
  std::vector<std::string> keys;
  for (const FileEntry& file : files) keys.push_back(file.object.key);
  return keys;
}

std::vector<std::string> reversed(std::vector<std::string> keys) {
  std::ranges::reverse(keys);
  return keys;
}

// Objects in the order S3 lists them (byte order of the key).
std::vector<ObjectRecord> sorted_objects(std::vector<ObjectRecord> objects) {
  std::ranges::sort(objects, [](const ObjectRecord& left, const ObjectRecord& right) { return left.key < right.key; });
  return objects;
}

class FolderFilesTest : public StoreTest {
 protected:
  FilePage list(const std::string& folder, FileSort sort = FileSort::kName, bool descending = false,
                std::size_t limit = 100, std::size_t offset = 0) {
    auto page = store_->list_folder_files(
        source_id_, FolderFilesQuery{.bucket = "b", .folder = folder, .sort = sort, .descending = descending,
                                     .limit = limit, .offset = offset});
    EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().message);
    return page.value_or(FilePage{});
  }

  std::vector<std::string> keys(const std::string& folder, bool descending = false) {
    return keys_of(list(folder, FileSort::kName, descending).files);
  }

  // Every page of `limit` files, following the cursors.
  std::vector<std::string> pages_by_cursor(const std::string& folder, FileSort sort, bool descending,
                                           std::size_t limit) {
    FolderFilesQuery query{.bucket = "b", .folder = folder, .sort = sort, .descending = descending, .limit = limit};
    std::vector<std::string> all;
    for (int round = 0; round < 100; ++round) {
      auto page = store_->list_folder_files(source_id_, query);
      EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().message);
      if (!page) break;
      EXPECT_LE(page->files.size(), limit);
      for (const FileEntry& file : page->files) all.push_back(file.object.key);
      if (!page->next) break;
      query.after = page->next;
    }
    return all;
  }

  // Every page of `limit` files, by offset.
  std::vector<std::string> pages_by_offset(const std::string& folder, FileSort sort, bool descending,
                                           std::size_t limit) {
    std::vector<std::string> all;
    for (std::size_t offset = 0; offset < 1000; offset += limit) {
      const FilePage page = list(folder, sort, descending, limit, offset);
      for (const FileEntry& file : page.files) all.push_back(file.object.key);
      if (!page.next) break;
    }
    return all;
  }

  std::int64_t source_id_ = 0;
};

TEST_F(FolderFilesTest, SubfoldersBeforeBetweenAfter) {
  source_id_ = add_source();
  sync_bucket(source_id_, "b",
              sorted_objects({object("a/0/x", 1), object("a/0/y/z", 1), object("a/1.txt", 2), object("a/m/y", 1),
                              object("a/m/z", 1), object("a/n.txt", 3), object("a/z/w", 1), object("a/zz/w/v", 1)}));

  EXPECT_EQ(keys("a/"), (std::vector<std::string>{"a/1.txt", "a/n.txt"}));
  EXPECT_EQ(keys("a/", true), (std::vector<std::string>{"a/n.txt", "a/1.txt"}));
  EXPECT_EQ(list("a/").total, 2u);
  EXPECT_EQ(keys("a/0/"), (std::vector<std::string>{"a/0/x"}));
  EXPECT_EQ(keys("a/zz/"), std::vector<std::string>{}) << "a/zz/ holds only a subfolder";
  EXPECT_EQ(list("a/zz/").total, 0u);
  EXPECT_EQ(keys(""), std::vector<std::string>{}) << "the top level holds only the folder a/";
}

TEST_F(FolderFilesTest, OnlySubfolders) {
  source_id_ = add_source();
  std::vector<ObjectRecord> objects;
  for (int i = 0; i < 50; ++i) objects.push_back(object("s/" + std::to_string(100 + i) + "/f", 1));
  sync_bucket(source_id_, "b", objects);

  EXPECT_EQ(keys("s/"), std::vector<std::string>{});
  EXPECT_EQ(keys("s/", true), std::vector<std::string>{});
  EXPECT_EQ(list("s/", FileSort::kSize).files.size(), 0u);
  EXPECT_EQ(list("s/").total, 0u);
}

TEST_F(FolderFilesTest, MarkersAreNotFiles) {
  source_id_ = add_source();
  sync_bucket(source_id_, "b", {object("a/", 0), object("a/b/", 0), object("a/f", 1), object("c/", 0)});

  EXPECT_EQ(keys("a/"), (std::vector<std::string>{"a/f"}));
  EXPECT_EQ(keys("a/", true), (std::vector<std::string>{"a/f"}));
  EXPECT_EQ(keys("a/b/"), std::vector<std::string>{});
  EXPECT_EQ(keys(""), std::vector<std::string>{}) << "the markers a/ and c/ are folders";
  EXPECT_EQ(list("").total, 0u);
}

TEST_F(FolderFilesTest, BytesAroundSlash) {
  source_id_ = add_source();
  // '.' (0x2E) sorts just below '/' (0x2F) and '0' (0x30) just above it, so
  // a/b.txt comes before the subfolder a/b/ and a/b0 after it.
  sync_bucket(source_id_, "b",
              sorted_objects({object("a.txt", 1), object("a/b", 1), object("a/b.txt", 1), object("a/b/", 0),
                              object("a/b/c", 1), object("a/b/d/e", 1), object("a/b0", 1), object("a/b0/x", 1),
                              object("a0", 1), object("a//x", 1), object("a/.", 1)}));

  const std::vector<std::string> in_a{"a/.", "a/b", "a/b.txt", "a/b0"};
  EXPECT_EQ(keys("a/"), in_a);
  EXPECT_EQ(keys("a/", true), reversed(in_a));
  EXPECT_EQ(keys(""), (std::vector<std::string>{"a.txt", "a0"}));
  EXPECT_EQ(keys("", true), (std::vector<std::string>{"a0", "a.txt"}));
  EXPECT_EQ(keys("a/b/"), (std::vector<std::string>{"a/b/c"}));
  EXPECT_EQ(keys("a//"), (std::vector<std::string>{"a//x"}));
  EXPECT_EQ(keys("a/b0/"), (std::vector<std::string>{"a/b0/x"}));
  EXPECT_EQ(list("a/").total, 4u);
  EXPECT_EQ(list("").total, 2u);
}

TEST_F(FolderFilesTest, UnicodeAndHighBytes) {
  source_id_ = add_source();
  sync_bucket(source_id_, "b",
              sorted_objects({object("\xc3\xa9/x", 1), object("\xc3\xa9.txt", 1), object("\xc3\xa9" "a", 1),
                              object("\xe6\x97\xa5\xe6\x9c\xac/\xe8\xaa\x9e", 1), object("\xff", 1),
                              object("\xff/z", 1), object("\xff\xff/q", 1), object("\xff\xff", 1)}));

  const std::vector<std::string> top{"\xc3\xa9.txt", "\xc3\xa9" "a", "\xff", "\xff\xff"};
  EXPECT_EQ(keys(""), top);
  EXPECT_EQ(keys("", true), reversed(top));
  EXPECT_EQ(keys("\xc3\xa9/"), (std::vector<std::string>{"\xc3\xa9/x"}));
  EXPECT_EQ(keys("\xe6\x97\xa5\xe6\x9c\xac/"), (std::vector<std::string>{"\xe6\x97\xa5\xe6\x9c\xac/\xe8\xaa\x9e"}));
  EXPECT_EQ(keys("\xff/"), (std::vector<std::string>{"\xff/z"}));
  EXPECT_EQ(keys("\xff\xff/"), (std::vector<std::string>{"\xff\xff/q"})) << "a folder with no upper bound";
  EXPECT_EQ(keys("\xff\xff/", true), (std::vector<std::string>{"\xff\xff/q"}));
}

TEST_F(FolderFilesTest, PagesAcrossSubfolders) {
  source_id_ = add_source();
  // p/f0 .. p/f9, each followed in key order by a subfolder p/fN/ whose
  // files are larger and newer than every direct file.
  std::vector<ObjectRecord> objects;
  std::vector<std::string> by_name;
  for (int i = 0; i < 10; ++i) {
    const std::string name = "p/f" + std::to_string(i);
    const std::uint64_t size = static_cast<std::uint64_t>((i * 7) % 10);
    objects.push_back(object(name, size, "2024-01-0" + std::to_string(1 + (i * 3) % 9) + "T00:00:00Z"));
    objects.push_back(object(name + "/child", 1000 + i, "2025-01-01T00:00:00Z"));
    by_name.push_back(name);
  }
  sync_bucket(source_id_, "b", sorted_objects(objects));

  EXPECT_EQ(keys("p/"), by_name);
  EXPECT_EQ(list("p/", FileSort::kName, false, 3).total, 10u);
  for (const std::size_t limit : {1u, 3u, 4u, 10u, 11u}) {
    for (const bool descending : {false, true}) {
      const std::vector<std::string> expected = descending ? reversed(by_name) : by_name;
      EXPECT_EQ(pages_by_cursor("p/", FileSort::kName, descending, limit), expected)
          << "limit " << limit << " descending " << descending;
      EXPECT_EQ(pages_by_offset("p/", FileSort::kName, descending, limit), expected)
          << "limit " << limit << " descending " << descending;
    }
  }

  for (const FileSort sort : {FileSort::kSize, FileSort::kModified}) {
    for (const bool descending : {false, true}) {
      const std::vector<FileEntry> whole = list("p/", sort, descending).files;
      ASSERT_EQ(whole.size(), 10u);
      for (std::size_t i = 1; i < whole.size(); ++i) {
        const ObjectRecord& left = whole[i - 1].object;
        const ObjectRecord& right = whole[i].object;
        const auto left_value = sort == FileSort::kSize ? std::to_string(1000 + left.size) : left.last_modified;
        const auto right_value = sort == FileSort::kSize ? std::to_string(1000 + right.size) : right.last_modified;
        const bool in_order = descending ? std::tie(left_value, left.key) > std::tie(right_value, right.key)
                                         : std::tie(left_value, left.key) < std::tie(right_value, right.key);
        EXPECT_TRUE(in_order) << left.key << " then " << right.key;
      }
      const std::vector<std::string> expected = keys_of(whole);
      for (const std::size_t limit : {1u, 3u, 9u}) {
        EXPECT_EQ(pages_by_cursor("p/", sort, descending, limit), expected)
            << "sort " << static_cast<int>(sort) << " limit " << limit << " descending " << descending;
        EXPECT_EQ(pages_by_offset("p/", sort, descending, limit), expected)
            << "sort " << static_cast<int>(sort) << " limit " << limit << " descending " << descending;
      }
    }
  }
}

TEST_F(FolderFilesTest, TotalFromRollupAndOffsetPastEnd) {
  source_id_ = add_source();
  std::vector<ObjectRecord> objects;
  for (int i = 0; i < 7; ++i) objects.push_back(object("d/f" + std::to_string(i), 1));
  objects.push_back(object("d/sub/g", 1));
  sync_bucket(source_id_, "b", objects);

  EXPECT_EQ(list("d/", FileSort::kName, false, 2).total, 7u) << "from the folder's roll-up";
  EXPECT_EQ(list("d/", FileSort::kSize, true, 2).total, 7u);
  const FilePage past_end = list("d/", FileSort::kName, false, 2, 50);
  EXPECT_TRUE(past_end.files.empty());
  EXPECT_EQ(past_end.total, 7u);
  EXPECT_FALSE(past_end.next.has_value());
  EXPECT_EQ(list("d/", FileSort::kSize, false, 2, 50).total, 7u);
}

TEST_F(FolderFilesTest, RunningJobNewSubfolderFiltered) {
  source_id_ = add_source();
  sync_bucket(source_id_, "b", {object("a/f1", 1), object("a/f2", 1), object("top", 1)});

  // A second job writes a new subfolder but has not completed the bucket, so
  // the folders table does not list a/new/ yet.
  const std::int64_t job = start_job(source_id_);
  write(source_id_, job, "b", {object("a/f1", 1), object("a/new/g", 1), object("a/new/h", 1), object("a/x", 1)});

  EXPECT_EQ(keys("a/"), (std::vector<std::string>{"a/f1", "a/f2", "a/x"}));
  EXPECT_EQ(keys("a/", true), (std::vector<std::string>{"a/x", "a/f2", "a/f1"}));
  EXPECT_EQ(keys("a/new/"), (std::vector<std::string>{"a/new/g", "a/new/h"}));
  EXPECT_EQ(list("a/new/").total, 2u) << "a folder without a roll-up is counted by the scan";
  EXPECT_EQ(keys(""), (std::vector<std::string>{"top"}));
}

TEST_F(FolderFilesTest, FirstJobBeforeCompletion) {
  source_id_ = add_source();
  const std::int64_t job = start_job(source_id_);
  std::vector<ObjectRecord> objects;
  for (int i = 0; i < 5; ++i) objects.push_back(object("f" + std::to_string(i), 1));
  objects.push_back(object("g/h", 1));
  write(source_id_, job, "b", objects);

  const FilePage page = list("", FileSort::kName, false, 2);
  EXPECT_EQ(keys_of(page.files), (std::vector<std::string>{"f0", "f1"}));
  EXPECT_EQ(page.total, 5u) << "a bucket never completed is counted by the scan";
}

// A catalog written by schema version 4 had objects.parent and its index, and
// no direct file counts. Opening it migrates to version 5 and keeps the data.
TEST_F(FolderFilesTest, MigratesFromVersion4) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "b", {object("a/", 0), object("a/b/c", 5), object("a/d", 1), object("a/e", 2), object("f", 3)});
  store_.reset();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  const char* version4 =
      "ALTER TABLE objects ADD COLUMN parent TEXT NOT NULL DEFAULT '' COLLATE BINARY;"
      "UPDATE objects SET parent = rtrim(key, replace(key, '/', ''));"
      "CREATE INDEX objects_by_parent ON objects(source_id, bucket, parent, key);"
      "ALTER TABLE folders DROP COLUMN direct_file_count;"
      "ALTER TABLE buckets DROP COLUMN direct_file_count;"
      "PRAGMA user_version = 4;";
  char* message = nullptr;
  ASSERT_EQ(sqlite3_exec(db, version4, nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
  sqlite3_close(db);

  store_ = open();
  ASSERT_NE(store_, nullptr);
  auto folder = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = "a/", .limit = 1});
  ASSERT_TRUE(folder.has_value()) << folder.error().message;
  EXPECT_EQ(keys_of(folder->files), (std::vector<std::string>{"a/d"}));
  EXPECT_EQ(folder->total, 2u) << "the backfilled direct file count";
  auto top = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = ""});
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(keys_of(top->files), (std::vector<std::string>{"f"}));
  auto file = store_->get_file(source_id, ItemRef{"b", "a/b/c"});
  ASSERT_TRUE(file.has_value());
  ASSERT_TRUE(file->has_value());
  EXPECT_EQ((*file)->object.size, 5u);

  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT (SELECT count(*) FROM pragma_table_info('objects') WHERE name = 'parent'), "
                               "(SELECT count(*) FROM sqlite_schema WHERE name = 'objects_by_parent'), "
                               "(SELECT direct_file_count FROM buckets WHERE name = 'b')",
                               -1, &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(statement, 0), 0) << "objects.parent is dropped";
  EXPECT_EQ(sqlite3_column_int(statement, 1), 0) << "objects_by_parent is dropped";
  EXPECT_EQ(sqlite3_column_int(statement, 2), 1) << "the bucket's top level holds one file";
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

}  // namespace
}  // namespace s3cat::catalog
