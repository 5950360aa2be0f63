#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::object;
using testing::StoreTest;

using SqliteStoreConcurrency = StoreTest;

TEST_F(SqliteStoreConcurrency, ParallelWritersAndReaders) {
  constexpr int kWriters = 4;
  constexpr int kBatches = 20;
  constexpr int kBatchSize = 100;
  const std::int64_t source_id = add_source();
  const std::int64_t job_id = start_job(source_id);

  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<std::uint64_t> added{0};
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back([&, writer] {
      const std::string bucket = "bucket-" + std::to_string(writer);
      for (int batch = 0; batch < kBatches; ++batch) {
        std::vector<ObjectRecord> objects;
        for (int i = 0; i < kBatchSize; ++i) {
          objects.push_back(object("d" + std::to_string(batch) + "/f" + std::to_string(i), 1));
        }
        auto counts = store_->write_objects(source_id, job_id, bucket, objects);
        if (!counts) {
          ++failures;
          continue;
        }
        added += counts->added;
      }
    });
  }

  // Readers run against the same store while the writers commit.
  std::uint64_t last_count = 0;
  int reads = 0;
  std::thread reader([&] {
    while (writing.load()) {
      auto count = store_->count_files(source_id);
      std::uint64_t visited = 0;
      auto status = store_->for_each_file(source_id, "/bucket-0/", [&](const FileEntry&) { ++visited; });
      if (!count || !status || *count < last_count) ++failures;
      if (count) last_count = *count;
      ++reads;
    }
  });

  for (std::thread& writer : writers) writer.join();
  writing = false;
  reader.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(added.load(), static_cast<std::uint64_t>(kWriters * kBatches * kBatchSize));
  for (int writer = 0; writer < kWriters; ++writer) complete(source_id, job_id, "bucket-" + std::to_string(writer), "synced");
  auto count = store_->count_files(source_id);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, static_cast<std::uint64_t>(kWriters * kBatches * kBatchSize));
  auto bucket = store_->get_bucket(source_id, "bucket-3");
  ASSERT_TRUE(bucket.has_value()) << bucket.error().message;
  ASSERT_TRUE(bucket->has_value());
  EXPECT_EQ((*bucket)->file_count, static_cast<std::uint64_t>(kBatches * kBatchSize));
}

TEST_F(SqliteStoreConcurrency, TwoStoresOnOneFile) {
  // A second process (here a second store) sees the first one's commits.
  const std::int64_t source_id = add_source();
  auto second = open();
  ASSERT_NE(second, nullptr);
  sync_bucket(source_id, "logs", {object("a", 1)});
  auto count = second->count_files(source_id);
  ASSERT_TRUE(count.has_value()) << count.error().message;
  EXPECT_EQ(*count, 1u);
  auto started = second->start_job(source_id);
  ASSERT_TRUE(started.has_value()) << "the first job is finished";
  auto busy = store_->start_job(source_id);
  ASSERT_FALSE(busy.has_value());
  EXPECT_EQ(busy.error().kind, StoreErrorKind::kConflict);
}

}  // namespace
}  // namespace s3cat::catalog
