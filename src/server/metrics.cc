#include "server/metrics.h"

#include <fmt/format.h>

namespace s3cat::server {
namespace {

// Escapes a label value as the exposition format requires.
std::string label(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return escaped;
}

}  // namespace

void Metrics::job_finished(const std::string& status, std::uint64_t objects_listed) {
  --jobs_running_;
  objects_listed_ += objects_listed;
  std::lock_guard lock(mutex_);
  ++jobs_finished_[status];
}

void Metrics::request_finished(const std::string& method, const std::string& route, int status,
                               std::chrono::steady_clock::duration duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& histogram = durations_[{method, route}];
  ++histogram.count;
  histogram.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.counts[i];
      break;
    }
  }
}

std::string Metrics::render() const {
  std::string text;
  std::lock_guard lock(mutex_);

  text += "# HELP s3catalog_jobs_finished_total Extraction jobs of this server that ended, by final status.\n"
          "# TYPE s3catalog_jobs_finished_total counter\n";
  for (const char* status : {"succeeded", "succeeded_with_warnings", "failed", "cancelled"}) {
    const auto found = jobs_finished_.find(status);
    text += fmt::format("s3catalog_jobs_finished_total{{status=\"{}\"}} {}\n", status,
                        found == jobs_finished_.end() ? 0 : found->second);
  }
  text += "# HELP s3catalog_jobs_running Extraction jobs running in this server.\n"
          "# TYPE s3catalog_jobs_running gauge\n";
  text += fmt::format("s3catalog_jobs_running {}\n", jobs_running_.load());
  text += "# HELP s3catalog_objects_listed_total Objects listed by the finished jobs of this server.\n"
          "# TYPE s3catalog_objects_listed_total counter\n";
  text += fmt::format("s3catalog_objects_listed_total {}\n", objects_listed_.load());

  text += "# HELP s3catalog_http_requests_total HTTP responses sent, by method, route template and status.\n"
          "# TYPE s3catalog_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    text += fmt::format("s3catalog_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                        label(method), label(route), status, count);
  }

  text += "# HELP s3catalog_http_request_duration_seconds Time from request to response.\n"
          "# TYPE s3catalog_http_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : durations_) {
    const std::string labels = fmt::format("method=\"{}\",route=\"{}\"", label(key.first), label(key.second));
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += histogram.counts[i];
      text += fmt::format("s3catalog_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, kBuckets[i],
                          cumulative);
    }
    text += fmt::format("s3catalog_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                        histogram.count);
    text += fmt::format("s3catalog_http_request_duration_seconds_sum{{{}}} {}\n", labels, histogram.sum);
    text += fmt::format("s3catalog_http_request_duration_seconds_count{{{}}} {}\n", labels, histogram.count);
  }
  return text;
}

}  // namespace s3cat::server
