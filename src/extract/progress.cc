#include "extract/progress.h"

#include <algorithm>

namespace s3cat::extract {
namespace {

// Samples closer together than this are merged, so a fast listing keeps a
// short queue.
constexpr std::chrono::milliseconds kSampleSpacing{250};

}  // namespace

double ProgressSnapshot::objects_per_second() const {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds < 1.0 ? 0.0 : static_cast<double>(objects_listed) / seconds;
}

void Progress::start(std::int64_t job_id) {
  std::lock_guard lock(mutex_);
  job_id_ = job_id;
  started_ = std::chrono::steady_clock::now();
  samples_.clear();
  samples_.push_back({started_, 0});
}

void Progress::bucket_started(const std::string& bucket) {
  std::lock_guard lock(mutex_);
  current_.insert(bucket);
}

void Progress::bucket_finished(const std::string& bucket, std::uint64_t objects) {
  std::lock_guard lock(mutex_);
  if (auto found = current_.find(bucket); found != current_.end()) current_.erase(found);
  finished_bucket_objects_ += objects;
  ++buckets_done_;
}

void Progress::page_listed(std::uint64_t objects) {
  const std::uint64_t total = objects_listed_ += objects;
  ++pages_listed_;

  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  // The last sample moves forward until it is kSampleSpacing past the one
  // before it. The first sample never moves, so the rate has a base
  // before the newest page.
  const std::size_t count = samples_.size();
  if (count >= 2 && now - samples_[count - 2].time < kSampleSpacing) {
    samples_.back() = {now, std::max(samples_.back().objects, total)};
  } else {
    samples_.push_back({now, total});
  }
  // Keep one sample older than the window, so the window is always covered.
  while (samples_.size() > 2 && now - samples_[1].time > kRateWindow) samples_.pop_front();
}

void Progress::listing_started(const ListingEstimate* listing) {
  std::lock_guard lock(mutex_);
  listings_.insert(listing);
}

void Progress::listing_finished(const ListingEstimate* listing) {
  std::lock_guard lock(mutex_);
  listings_.erase(listing);
}

double Progress::recent_rate_locked(std::chrono::steady_clock::time_point now) const {
  if (samples_.empty()) return 0.0;
  // The oldest sample inside the window, or the last one before it.
  const Sample* base = &samples_.front();
  for (const auto& sample : samples_) {
    if (now - sample.time <= kRateWindow) break;
    base = &sample;
  }
  const double seconds = std::chrono::duration<double>(now - base->time).count();
  const std::uint64_t objects = objects_listed_;
  if (seconds <= 0.0 || objects <= base->objects) return 0.0;
  return static_cast<double>(objects - base->objects) / seconds;
}

std::optional<double> Progress::remaining_objects_locked() const {
  const std::uint64_t done = buckets_done_;
  const std::optional<double> mean_bucket =
      done > 0 ? std::optional(static_cast<double>(finished_bucket_objects_) / static_cast<double>(done))
               : std::nullopt;

  double remaining = 0;
  std::size_t estimated_buckets = 0;
  for (const ListingEstimate* listing : listings_) {
    auto estimate = listing->estimate_remaining();
    if (!estimate) continue;
    remaining += *estimate;
    ++estimated_buckets;
  }

  // Buckets in progress without a plan, and buckets not started yet, are
  // assumed to be the size of the mean finished bucket.
  const std::size_t current = current_.size();
  const std::uint64_t total = buckets_total_;
  const std::uint64_t not_started = total > done + current ? total - done - current : 0;
  const std::size_t unplanned = current > estimated_buckets ? current - estimated_buckets : 0;
  if (unplanned + not_started > 0) {
    if (!mean_bucket) return std::nullopt;
    remaining += *mean_bucket * static_cast<double>(unplanned + not_started);
  }
  return remaining;
}

ProgressSnapshot Progress::snapshot() const {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  ProgressSnapshot snapshot;
  snapshot.job_id = job_id_;
  snapshot.buckets_total = buckets_total_;
  snapshot.buckets_done = buckets_done_;
  snapshot.objects_listed = objects_listed_;
  snapshot.pages_listed = pages_listed_;
  snapshot.current_buckets.assign(current_.begin(), current_.end());
  snapshot.elapsed = now - started_;
  snapshot.recent_objects_per_second = recent_rate_locked(now);

  if (snapshot.recent_objects_per_second > 0 && snapshot.buckets_total > 0) {
    if (auto remaining = remaining_objects_locked()) {
      snapshot.eta_seconds = *remaining / snapshot.recent_objects_per_second;
    }
  }
  return snapshot;
}

}  // namespace s3cat::extract
