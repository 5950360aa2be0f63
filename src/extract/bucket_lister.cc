#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "catalog/path_filter.h"
#include "extract/extractor.h"
#include "extract/job_state.h"
#include "s3/client.h"

namespace s3cat::extract {
namespace {

// Decides how a listing error ends a bucket. Access refusals and connection
// faults before any page arrived mean the bucket could not be read at all
// (skipped); anything else, or any error after data arrived, means its
// listing broke off (failed).
catalog::BucketResult bucket_result_for_error(const std::string& bucket, const s3::S3Error& error,
                                              bool received_any) {
  catalog::BucketResult result;
  result.name = bucket;
  result.category = category_name(error.category);
  result.message = error.describe();
  result.hint = error.hint.empty() ? s3::hint_for(error.category, error.code, error.operation) : error.hint;

  const bool unreadable = error.category == s3::ErrorCategory::kPermissions ||
                          error.category == s3::ErrorCategory::kNotFound ||
                          error.category == s3::ErrorCategory::kNetwork;
  result.status = (unreadable && !received_any) ? "skipped" : "failed";

  if (error.category == s3::ErrorCategory::kPermissions) {
    result.reason = "access_denied";
  } else if (error.category == s3::ErrorCategory::kNotFound) {
    result.reason = "not_found";
  } else {
    result.reason = result.category;
  }
  return result;
}
catalog::ObjectRecord to_record(const std::string& bucket, const s3::ObjectInfo& object) {
  catalog::ObjectRecord record;
  record.bucket = bucket;
  record.key = object.key.str();
  record.size = object.size;
  record.last_modified = object.last_modified;
  record.etag = object.etag;
  record.storage_class = object.storage_class;
  record.checksum_algorithm = object.checksum_algorithm;
  return record;
}

}  // namespace

void Extraction::list_bucket(State& state, const BucketScope& scope) {
  progress_.bucket_started(scope.bucket);

  catalog::BucketResult result;
  result.name = scope.bucket;
  result.status = "synced";
  bool received_any = false;
  std::uint64_t added = 0;
  std::uint64_t updated = 0;
  std::vector<catalog::ObjectRecord> records;

  for (const auto& prefix : scope.prefixes) {
    s3::ListObjectsRequest request;
    request.bucket = s3::BucketName(scope.bucket);
    request.prefix = prefix;
    request.max_keys = options_.max_keys_per_page;
    s3::ObjectPaginator pages(*state.client, request);

    for (;;) {
      if (cancelled_ || state.stop) {
        result.status = "failed";
        result.reason = "cancelled";
        result.message = cancelled_ ? "the job was cancelled" : "the job stopped after an error in another bucket";
        break;
      }

      auto page = pages.next();
      if (!page) {
        const s3::S3Error& error = page.error();
        const auto files = result.files;
        result = bucket_result_for_error(scope.bucket, error, received_any);
        result.files = files;
        if (error.category == s3::ErrorCategory::kAuthentication) {
          // Credentials that stop working end the job: every other bucket
          // would fail the same way.
          std::lock_guard lock(state.mutex);
          if (!state.fatal) state.fatal = error;
          state.stop = true;
        }
        break;
      }
      if (!page->has_value()) break;  // the listing is complete

      // Keep only what the filters select: a prefix from a filter is exact,
      // but a bucket listed whole for one filter may hold keys another filter excludes.
      records.clear();
      for (const auto& object : (*page)->objects) {
        if (!catalog::matches_any(state.filters, scope.bucket, object.key.str())) continue;
        records.push_back(to_record(scope.bucket, object));
      }
      received_any = true;
      progress_.page_listed((*page)->objects.size());

      auto written = store_.write_objects(source_.id, state.job_id, scope.bucket, records);
      if (!written) {
        std::lock_guard lock(state.mutex);
        if (!state.store_failure) state.store_failure = written.error();
        state.stop = true;
        result.status = "failed";
        result.reason = "internal";
        result.category = "internal";
        result.message = "the catalog database failed: " + written.error().message;
        break;
      }
      result.files += written->first_seen_by_job;
      added += written->added;
      updated += written->updated;
    }
    if (result.status != "synced") break;
  }

  if (result.status != "synced") {
    const std::string message = "bucket " + scope.bucket + " " + result.status + " (" + result.reason +
                                "): " + result.message;
    log(state, spdlog::level::warn, message);
  } else {
    log(state, spdlog::level::info, "bucket " + scope.bucket + " synced, " + count_files(result.files));
  }

  {
    std::lock_guard lock(state.mutex);
    if (result.status != "synced" && result.reason != "cancelled") {
      state.warnings.push_back("bucket " + scope.bucket + " " + result.status + ": " + result.message);
    }
    state.files_added += added;
    state.files_updated += updated;
    state.results.push_back(std::move(result));
  }
  progress_.bucket_finished(scope.bucket);
}

}  // namespace s3cat::extract
