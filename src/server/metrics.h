// Prometheus metrics of one server process: jobs by final status, objects
// listed, HTTP requests by method, route template and status, and request
// durations. Counters start at zero with the process. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace s3cat::server {

class Metrics {
 public:
  void job_started() { ++jobs_running_; }
  void job_not_started() { --jobs_running_; }
  void job_finished(const std::string& status, std::uint64_t objects_listed);
  void request_finished(const std::string& method, const std::string& route, int status,
                        std::chrono::steady_clock::duration duration);

  // The metrics in the Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  // Upper bounds of the duration histogram, in seconds.
  static constexpr std::array<double, 10> kBuckets{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60};

  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

  std::atomic<std::int64_t> jobs_running_{0};
  std::atomic<std::uint64_t> objects_listed_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> jobs_finished_;  // by status; guarded by mutex_
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // guarded by mutex_
  std::map<std::pair<std::string, std::string>, Histogram> durations_;           // guarded by mutex_
};

}  // namespace s3cat::server
