// Test fixture for the SQLite catalog store: a fresh temporary folder with a
// database and a key file per test, a controllable clock, and helpers to
// build objects and run the write steps of a sync.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "catalog/store.h"
#include "catalog/timestamp.h"

namespace s3cat::catalog::testing {

inline std::string make_temp_folder() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/s3cat-catalog-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

inline std::string read_file_bytes(const std::string& path) {
  std::ifstream input(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
}

inline ObjectRecord object(const std::string& key, std::uint64_t size, const std::string& last_modified = "2024-05-01T12:00:00Z",
                           const std::string& etag = "") {
  ObjectRecord record;
  record.key = key;
  record.size = size;
  record.last_modified = last_modified;
  record.etag = etag.empty() ? "etag-" + std::to_string(size) : etag;
  record.storage_class = "STANDARD";
  return record;
}

inline BucketResult bucket_result(const std::string& name, const std::string& status) {
  BucketResult result;
  result.name = name;
  result.status = status;
  return result;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The store logs each migration and key file creation at info level.
    spdlog::set_level(spdlog::level::warn);
    folder_ = make_temp_folder();
    options_.path = folder_ + "/catalog.db";
    options_.secret_key_file = folder_ + "/keys/secret.key";
    options_.clock = [seconds = seconds_] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(seconds->load()));
    };
    store_ = open();
  }

  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  std::unique_ptr<CatalogStore> open() {
    auto store = open_sqlite_store(options_);
    if (!store) {
      ADD_FAILURE() << "open_sqlite_store failed: " << store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }

  // Moves the injected clock forward; times start at 2024-05-01T00:00:00Z.
  void advance_clock(std::int64_t seconds) { *seconds_ += seconds; }
  std::string clock_text() const {
    return format_rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds_->load())));
  }

  std::int64_t add_source(const std::string& name = "demo") {
    Source source;
    source.name = name;
    auto created = store_->create_source(source);
    EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    return created ? created->id : 0;
  }

  std::int64_t start_job(std::int64_t source_id) {
    auto job = store_->start_job(source_id);
    EXPECT_TRUE(job.has_value()) << (job ? "" : job.error().message);
    return job ? *job : 0;
  }

  WriteCounts write(std::int64_t source_id, std::int64_t job_id, const std::string& bucket,
                    const std::vector<ObjectRecord>& objects) {
    auto counts = store_->write_objects(source_id, job_id, bucket, objects);
    EXPECT_TRUE(counts.has_value()) << (counts ? "" : counts.error().message);
    return counts.value_or(WriteCounts{});
  }

  std::uint64_t complete(std::int64_t source_id, std::int64_t job_id, const std::string& bucket,
                         const std::string& status) {
    auto removed = store_->complete_bucket(source_id, job_id, bucket_result(bucket, status));
    EXPECT_TRUE(removed.has_value()) << (removed ? "" : removed.error().message);
    return removed.value_or(0);
  }

  // Runs a whole job that syncs `bucket` with exactly `objects`, and returns
  // the job id.
  std::int64_t sync_bucket(std::int64_t source_id, const std::string& bucket,
                           const std::vector<ObjectRecord>& objects) {
    const std::int64_t job_id = start_job(source_id);
    write(source_id, job_id, bucket, objects);
    complete(source_id, job_id, bucket, "synced");
    finish(job_id);
    return job_id;
  }

  void finish(std::int64_t job_id, JobStatus status = JobStatus::kSucceeded) {
    Job job;
    job.id = job_id;
    job.status = status;
    auto finished = store_->finish_job(job);
    EXPECT_TRUE(finished.has_value()) << (finished ? "" : finished.error().message);
  }

  // Paths "/bucket/key" of the present files, in the order for_each_file visits them.
  std::vector<std::string> file_paths(std::int64_t source_id, const std::string& prefix = "") {
    std::vector<std::string> paths;
    auto status = store_->for_each_file(source_id, prefix, [&](const FileEntry& file) {
      paths.push_back("/" + file.object.bucket + "/" + file.object.key);
    });
    EXPECT_TRUE(status.has_value()) << (status ? "" : status.error().message);
    return paths;
  }

  std::string folder_;
  SqliteOptions options_;
  // 2024-05-01T00:00:00Z
  std::shared_ptr<std::atomic<std::int64_t>> seconds_ = std::make_shared<std::atomic<std::int64_t>>(1714521600);
  std::unique_ptr<CatalogStore> store_;
};

}  // namespace s3cat::catalog::testing
