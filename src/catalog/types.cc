#include "catalog/types.h"

#include <array>
#include <utility>

namespace s3cat::catalog {
namespace {

constexpr std::array<std::pair<JobStatus, const char*>, 6> kJobStatusNames{{
    {JobStatus::kRunning, "running"},
    {JobStatus::kSucceeded, "succeeded"},
    {JobStatus::kSucceededWithWarnings, "succeeded_with_warnings"},
    {JobStatus::kFailed, "failed"},
    {JobStatus::kCancelled, "cancelled"},
    {JobStatus::kInterrupted, "interrupted"},
}};

}  // namespace

const char* to_string(JobStatus status) {
  for (const auto& [value, name] : kJobStatusNames) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<JobStatus> job_status_from_string(const std::string& text) {
  for (const auto& [value, name] : kJobStatusNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace s3cat::catalog
