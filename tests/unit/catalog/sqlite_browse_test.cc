#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::object;
using testing::StoreTest;

using SqliteStoreBrowse = StoreTest;

std::vector<std::string> keys_of(const std::vector<FileEntry>& files) {
  std::vector<std::string> keys;
  for (const FileEntry& file : files) keys.push_back(file.object.key);
  return keys;
}

// Walks every page of a folder listing with cursors and returns the keys.
std::vector<std::string> all_pages(CatalogStore& store, std::int64_t source_id, FolderFilesQuery query) {
  std::vector<std::string> keys;
  for (int page = 0; page < 100; ++page) {
    auto result = store.list_folder_files(source_id, query);
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
    if (!result) break;
    for (const FileEntry& file : result->files) keys.push_back(file.object.key);
    if (!result->next) break;
    query.after = result->next;
  }
  return keys;
}

TEST_F(SqliteStoreBrowse, FolderFilesDirectChildrenOnly) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs",
              {object("top.txt", 1), object("a/", 0), object("a/one.txt", 2), object("a/two.txt", 3),
               object("a/deep/three.txt", 4), object("ab.txt", 5)});

  auto top = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "logs", .folder = ""});
  ASSERT_TRUE(top.has_value()) << top.error().message;
  EXPECT_EQ(keys_of(top->files), (std::vector<std::string>{"ab.txt", "top.txt"}));
  EXPECT_EQ(top->total, 2u);
  EXPECT_FALSE(top->next.has_value());

  auto folder = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "logs", .folder = "a/"});
  ASSERT_TRUE(folder.has_value()) << folder.error().message;
  EXPECT_EQ(keys_of(folder->files), (std::vector<std::string>{"a/one.txt", "a/two.txt"}))
      << "the marker a/ and the file in a/deep/ are not direct files of a/";

  auto deep = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "logs", .folder = "a/deep/"});
  ASSERT_TRUE(deep.has_value());
  EXPECT_EQ(keys_of(deep->files), (std::vector<std::string>{"a/deep/three.txt"}));
}

TEST_F(SqliteStoreBrowse, FolderFilesOddKeys) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "b",
              {object("/leading", 1), object("//double", 2), object("x//y", 3), object("caf\xc3\xa9/\xc3\xa9t\xc3\xa9", 4),
               object("x/\xff/\xfe", 5)});

  auto root_slash = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = "/"});
  ASSERT_TRUE(root_slash.has_value());
  EXPECT_EQ(keys_of(root_slash->files), (std::vector<std::string>{"/leading"}));
  auto double_slash = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = "//"});
  ASSERT_TRUE(double_slash.has_value());
  EXPECT_EQ(keys_of(double_slash->files), (std::vector<std::string>{"//double"}));
  auto inner = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = "x//"});
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(keys_of(inner->files), (std::vector<std::string>{"x//y"}));
  auto unicode = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = "caf\xc3\xa9/"});
  ASSERT_TRUE(unicode.has_value());
  EXPECT_EQ(keys_of(unicode->files), (std::vector<std::string>{"caf\xc3\xa9/\xc3\xa9t\xc3\xa9"}));
  auto invalid_utf8 = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = "x/\xff/"});
  ASSERT_TRUE(invalid_utf8.has_value());
  EXPECT_EQ(keys_of(invalid_utf8->files), (std::vector<std::string>{"x/\xff/\xfe"}));
}

TEST_F(SqliteStoreBrowse, FolderFilesSortOrders) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "b",
              {object("d/c.txt", 30, "2024-01-03T00:00:00Z"), object("d/a.txt", 10, "2024-01-02T00:00:00Z"),
               object("d/b.txt", 10, "2024-01-01T00:00:00Z"), object("d/e.txt", 20, "2024-01-02T00:00:00Z")});

  struct Case {
    FileSort sort;
    bool descending;
    std::vector<std::string> keys;
  };
  const std::vector<Case> cases = {
      {FileSort::kName, false, {"d/a.txt", "d/b.txt", "d/c.txt", "d/e.txt"}},
      {FileSort::kName, true, {"d/e.txt", "d/c.txt", "d/b.txt", "d/a.txt"}},
      {FileSort::kSize, false, {"d/a.txt", "d/b.txt", "d/e.txt", "d/c.txt"}},
      {FileSort::kSize, true, {"d/c.txt", "d/e.txt", "d/b.txt", "d/a.txt"}},
      {FileSort::kModified, false, {"d/b.txt", "d/a.txt", "d/e.txt", "d/c.txt"}},
      {FileSort::kModified, true, {"d/c.txt", "d/e.txt", "d/a.txt", "d/b.txt"}},
  };
  for (const Case& test : cases) {
    FolderFilesQuery query{.bucket = "b", .folder = "d/", .sort = test.sort, .descending = test.descending};
    auto whole = store_->list_folder_files(source_id, query);
    ASSERT_TRUE(whole.has_value());
    EXPECT_EQ(keys_of(whole->files), test.keys) << "sort " << static_cast<int>(test.sort) << " desc " << test.descending;

    // Pages of one and of three with cursors give the same order, each file once.
    query.limit = 1;
    EXPECT_EQ(all_pages(*store_, source_id, query), test.keys) << "pages of 1";
    query.limit = 3;
    EXPECT_EQ(all_pages(*store_, source_id, query), test.keys) << "pages of 3";
  }
}

TEST_F(SqliteStoreBrowse, FolderFilesOffsetAndTotal) {
  const std::int64_t source_id = add_source();
  std::vector<ObjectRecord> objects;
  for (int i = 0; i < 7; ++i) objects.push_back(object("f" + std::to_string(i), 1));
  sync_bucket(source_id, "b", objects);

  auto page = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .limit = 3, .offset = 3});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(keys_of(page->files), (std::vector<std::string>{"f3", "f4", "f5"}));
  EXPECT_EQ(page->total, 7u);
  ASSERT_TRUE(page->next.has_value());
  EXPECT_EQ(page->next->key, "f5");

  auto last = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .limit = 3, .offset = 6});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(keys_of(last->files), (std::vector<std::string>{"f6"}));
  EXPECT_FALSE(last->next.has_value());
}

TEST_F(SqliteStoreBrowse, FolderFilesSkipAbsent) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "b", {object("a", 1), object("b", 1)});
  sync_bucket(source_id, "b", {object("b", 1)});

  auto page = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b"});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(keys_of(page->files), (std::vector<std::string>{"b"}));
  EXPECT_EQ(page->total, 1u);
}

TEST_F(SqliteStoreBrowse, FolderFilesRejectsBadQuery) {
  const std::int64_t source_id = add_source();
  auto no_slash = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .folder = "a"});
  ASSERT_FALSE(no_slash.has_value());
  EXPECT_EQ(no_slash.error().kind, StoreErrorKind::kInvalid);
  auto zero = store_->list_folder_files(source_id, FolderFilesQuery{.bucket = "b", .limit = 0});
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().kind, StoreErrorKind::kInvalid);
  auto unknown = store_->list_folder_files(source_id + 100, FolderFilesQuery{.bucket = "b"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().kind, StoreErrorKind::kNotFound);
}

TEST_F(SqliteStoreBrowse, VisitFilesStopsAndIncludesAbsent) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "b", {object("1", 1), object("2", 1), object("3", 1)});
  sync_bucket(source_id, "b", {object("1", 1), object("3", 1)});

  std::vector<std::string> present;
  ASSERT_TRUE(store_->visit_files(source_id, FileScan{}, [&](const FileEntry& file) {
    present.push_back(file.object.key);
    return true;
  }));
  EXPECT_EQ(present, (std::vector<std::string>{"1", "3"}));

  std::vector<std::string> all;
  std::vector<bool> flags;
  ASSERT_TRUE(store_->visit_files(source_id, FileScan{.include_absent = true}, [&](const FileEntry& file) {
    all.push_back(file.object.key);
    flags.push_back(file.present);
    return true;
  }));
  EXPECT_EQ(all, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(flags, (std::vector<bool>{true, false, true}));

  int visited = 0;
  ASSERT_TRUE(store_->visit_files(source_id, FileScan{.include_absent = true}, [&](const FileEntry&) {
    ++visited;
    return visited < 2;
  }));
  EXPECT_EQ(visited, 2) << "the scan stops when visit returns false";

  auto invalid = store_->visit_files(source_id, FileScan{.path_prefix = "b"}, [](const FileEntry&) { return true; });
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().kind, StoreErrorKind::kInvalid);
}

TEST_F(SqliteStoreBrowse, ScheduleStoredAndValidated) {
  Source source;
  source.name = "sched";
  source.schedule_minutes = 90;
  auto created = store_->create_source(source);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->schedule_minutes, 90);

  source.schedule_minutes = 0;
  ASSERT_TRUE(store_->update_source(source).has_value());
  auto read = store_->get_source("sched");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->schedule_minutes, 0);

  for (int bad : {-1, 525601}) {
    source.schedule_minutes = bad;
    auto rejected = store_->update_source(source);
    ASSERT_FALSE(rejected.has_value()) << bad;
    EXPECT_EQ(rejected.error().kind, StoreErrorKind::kInvalid);
  }
}

TEST_F(SqliteStoreBrowse, StartJobRecordsTrigger) {
  const std::int64_t source_id = add_source();
  auto started = store_->start_job(source_id, "schedule");
  ASSERT_TRUE(started.has_value()) << started.error().message;

  auto job = store_->get_job(*started);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->trigger, "schedule");
  EXPECT_EQ(job->status, JobStatus::kRunning);
}

TEST_F(SqliteStoreBrowse, JobPagesNewestFirst) {
  const std::int64_t source_id = add_source();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(start_job(source_id));
    finish(ids.back());
  }
  auto job = store_->get_job(ids[0]);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->trigger, "") << "a job started without a trigger records none";

  auto page = store_->list_jobs_page(source_id, 2, 1);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->total, 5u);
  ASSERT_EQ(page->jobs.size(), 2u);
  EXPECT_EQ(page->jobs[0].id, ids[3]) << "newest first";
  EXPECT_EQ(page->jobs[1].id, ids[2]);
}

TEST_F(SqliteStoreBrowse, AbandonedJobsInterrupted) {
  const std::int64_t first = add_source("first");
  const std::int64_t second = add_source("second");

  // A child process starts a job and exits without finishing it.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = open_sqlite_store(options_);
    const bool started = store.has_value() && (*store)->start_job(first).has_value();
    _exit(started ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const std::int64_t own = start_job(second);

  auto swept = store_->interrupt_abandoned_jobs(false);
  ASSERT_TRUE(swept.has_value()) << swept.error().message;
  ASSERT_EQ(swept->size(), 1u) << "the job of this live process stays running";
  auto dead = store_->get_job(swept->front());
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->status, JobStatus::kInterrupted);
  EXPECT_EQ(dead->source, "first");
  ASSERT_TRUE(dead->error.has_value());
  EXPECT_EQ(dead->error->category, "internal");

  auto with_own = store_->interrupt_abandoned_jobs(true);
  ASSERT_TRUE(with_own.has_value());
  EXPECT_EQ(*with_own, std::vector<std::int64_t>{own});
  auto own_job = store_->get_job(own);
  ASSERT_TRUE(own_job.has_value());
  EXPECT_EQ(own_job->status, JobStatus::kInterrupted);
}

}  // namespace
}  // namespace s3cat::catalog
