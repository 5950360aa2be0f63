// Live progress of one extraction, updated by the listing workers and read by
// whoever shows it (the CLI's stderr line, later the server's job status).
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace s3cat::extract {

struct ProgressSnapshot {
  std::int64_t job_id = 0;
  std::uint64_t buckets_total = 0;
  std::uint64_t buckets_done = 0;
  std::uint64_t objects_listed = 0;
  std::uint64_t pages_listed = 0;
  std::vector<std::string> current_buckets;  // buckets being listed right now, sorted
  std::chrono::steady_clock::duration elapsed{};

  // Objects per second since the job started; 0 before the first second.
  double objects_per_second() const;
};

class Progress {
 public:
  void start(std::int64_t job_id);
  void set_buckets_total(std::uint64_t total) { buckets_total_ = total; }
  void bucket_started(const std::string& bucket);
  void bucket_finished(const std::string& bucket);
  void page_listed(std::uint64_t objects) {
    objects_listed_ += objects;
    ++pages_listed_;
  }

  ProgressSnapshot snapshot() const;

 private:
  std::atomic<std::int64_t> job_id_{0};
  std::atomic<std::uint64_t> buckets_total_{0};
  std::atomic<std::uint64_t> buckets_done_{0};
  std::atomic<std::uint64_t> objects_listed_{0};
  std::atomic<std::uint64_t> pages_listed_{0};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;
  std::multiset<std::string> current_;
};

}  // namespace s3cat::extract
