#include "extract/progress.h"

namespace s3cat::extract {

double ProgressSnapshot::objects_per_second() const {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds < 1.0 ? 0.0 : static_cast<double>(objects_listed) / seconds;
}

void Progress::start(std::int64_t job_id) {
  std::lock_guard lock(mutex_);
  job_id_ = job_id;
  started_ = std::chrono::steady_clock::now();
}

void Progress::bucket_started(const std::string& bucket) {
  std::lock_guard lock(mutex_);
  current_.insert(bucket);
}

void Progress::bucket_finished(const std::string& bucket) {
  std::lock_guard lock(mutex_);
  if (auto found = current_.find(bucket); found != current_.end()) current_.erase(found);
  ++buckets_done_;
}

ProgressSnapshot Progress::snapshot() const {
  std::lock_guard lock(mutex_);
  ProgressSnapshot snapshot;
  snapshot.job_id = job_id_;
  snapshot.buckets_total = buckets_total_;
  snapshot.buckets_done = buckets_done_;
  snapshot.objects_listed = objects_listed_;
  snapshot.pages_listed = pages_listed_;
  snapshot.current_buckets.assign(current_.begin(), current_.end());
  snapshot.elapsed = std::chrono::steady_clock::now() - started_;
  return snapshot;
}

}  // namespace s3cat::extract
