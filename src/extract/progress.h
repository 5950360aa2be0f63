// Live progress of one extraction, updated by the listing workers and read by
// the CLI's stderr line and the server's job status. It has counts, the
// listing rate over the last seconds, and an estimate of the time left.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace s3cat::extract {

// A listing in progress that can estimate how many objects it has still to list.
class ListingEstimate {
 public:
  virtual ~ListingEstimate() = default;
  // Returns the estimate, or std::nullopt while the listing has no plan to
  // estimate from. Thread-safe.
  virtual std::optional<double> estimate_remaining() const = 0;
};

struct ProgressSnapshot {
  std::int64_t job_id = 0;
  std::uint64_t buckets_total = 0;
  std::uint64_t buckets_done = 0;
  std::uint64_t objects_listed = 0;
  std::uint64_t pages_listed = 0;
  std::vector<std::string> current_buckets;  // buckets being listed right now, sorted
  std::chrono::steady_clock::duration elapsed{};
  // Objects per second over the last 10 s (Progress::kRateWindow), 0 before
  // the first page.
  double recent_objects_per_second = 0;
  // Estimated seconds until the listing ends, from the key ranges still to
  // list and the recent rate; std::nullopt when it cannot be estimated.
  std::optional<double> eta_seconds;

  // Objects per second since the job started; 0 before the first second.
  double objects_per_second() const;
};

class Progress {
 public:
  static constexpr std::chrono::seconds kRateWindow{10};

  void start(std::int64_t job_id);
  void set_buckets_total(std::uint64_t total) { buckets_total_ = total; }
  void bucket_started(const std::string& bucket);
  // `objects` is how many objects the bucket's listing returned.
  void bucket_finished(const std::string& bucket, std::uint64_t objects);
  void page_listed(std::uint64_t objects);

  // Adds and removes a listing whose estimate counts towards the ETA. The
  // listing must stay alive until it is removed.
  void listing_started(const ListingEstimate* listing);
  void listing_finished(const ListingEstimate* listing);

  ProgressSnapshot snapshot() const;

 private:
  struct Sample {
    std::chrono::steady_clock::time_point time;
    std::uint64_t objects = 0;
  };

  double recent_rate_locked(std::chrono::steady_clock::time_point now) const;
  std::optional<double> remaining_objects_locked() const;

  std::atomic<std::int64_t> job_id_{0};
  std::atomic<std::uint64_t> buckets_total_{0};
  std::atomic<std::uint64_t> buckets_done_{0};
  std::atomic<std::uint64_t> objects_listed_{0};
  std::atomic<std::uint64_t> pages_listed_{0};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;  // guards the members below
  std::multiset<std::string> current_;
  std::set<const ListingEstimate*> listings_;
  std::deque<Sample> samples_;  // object counts over the rate window, oldest first
  std::uint64_t finished_bucket_objects_ = 0;
};

}  // namespace s3cat::extract
