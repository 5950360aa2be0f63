// Internal to the extract module: the state one extraction shares between its
// listing workers. Members below `mutex` are guarded by it.
#pragma once

#include <atomic>
#include <map>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/path_filter.h"
#include "catalog/store.h"
#include "extract/extractor.h"
#include "s3/client.h"
#include "s3/error.h"

namespace s3cat::extract {

// The category name users see. A bucket that does not exist is a setting to
// fix (a filter names it), so kNotFound reports as configuration.
inline std::string category_name(s3::ErrorCategory category) {
  if (category == s3::ErrorCategory::kNotFound) return "configuration";
  return s3::to_string(category);
}

// "1 file", "2 files": counts in job summaries and logs.
inline std::string count_files(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " file" : " files");
}

// Everything one run shares between its listing workers.
struct Extraction::State {
  std::int64_t job_id = 0;
  std::vector<catalog::PathFilter> filters;
  std::unique_ptr<s3::Client> client;
  // The keys' provider and key ID ending: "container credentials, key ID ending ABCD".
  std::string credentials_source;
  // The entry plan_job recorded for each bucket of the plan, by name. After
  // listing, a bucket is recorded again when listing revealed another region.
  std::map<std::string, catalog::BucketEntry> bucket_entries;

  std::mutex mutex;  // guards the members below
  std::vector<catalog::BucketResult> results;
  std::vector<std::string> warnings;
  std::optional<s3::S3Error> fatal;           // an error that ends the whole job
  std::optional<catalog::StoreError> store_failure;
  std::uint64_t files_added = 0;
  std::uint64_t files_updated = 0;

  std::atomic<bool> stop{false};  // set on a fatal error: no new page is requested
};


}  // namespace s3cat::extract
