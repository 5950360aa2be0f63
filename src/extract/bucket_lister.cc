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

// S3 Express One Zone directory buckets ("name--zone-id--x-s3") accept only
// prefixes that end in the delimiter '/' (a prefix such as "a" gets 400
// InvalidArgument), per the AWS S3 User Guide on directory buckets.
bool is_directory_bucket(const std::string& bucket) { return bucket.ends_with("--x-s3"); }

}  // namespace

// The result and counters of one bucket's listing so far.
struct Extraction::BucketListing {
  catalog::BucketResult result;
  bool received_any = false;
  std::uint64_t added = 0;
  std::uint64_t updated = 0;
  std::vector<catalog::ObjectRecord> records;  // reused for each page
};

bool Extraction::list_prefix(State& state, BucketListing& listing, const std::string& prefix,
                             const std::string& delimiter, std::vector<std::string>* found_prefixes) {
  const std::string& bucket = listing.result.name;
  s3::ListObjectsRequest request;
  request.bucket = s3::BucketName(bucket);
  request.prefix = prefix;
  request.delimiter = delimiter;
  request.max_keys = options_.max_keys_per_page;
  s3::ObjectPaginator pages(*state.client, request);

  for (;;) {
    if (cancelled_ || state.stop) {
      listing.result.status = "failed";
      listing.result.reason = "cancelled";
      listing.result.message = cancelled_ ? "the job was cancelled" : "the job stopped after an error in another bucket";
      return false;
    }

    auto page = pages.next();
    if (!page) {
      const s3::S3Error& error = page.error();
      const auto files = listing.result.files;
      listing.result = bucket_result_for_error(bucket, error, listing.received_any);
      listing.result.files = files;
      if (error.category == s3::ErrorCategory::kAuthentication) {
        // Credentials that stop working end the job: every other bucket
        // would fail the same way.
        std::lock_guard lock(state.mutex);
        if (!state.fatal) state.fatal = error;
        state.stop = true;
      }
      return false;
    }
    if (!page->has_value()) return true;  // the listing is complete

    // Keep only what the filters select: a prefix from a filter is exact,
    // but a bucket listed whole for one filter may hold keys another filter excludes.
    listing.records.clear();
    for (const auto& object : (*page)->objects) {
      if (!catalog::matches_any(state.filters, bucket, object.key.str())) continue;
      listing.records.push_back(to_record(bucket, object));
    }
    if (found_prefixes != nullptr) {
      found_prefixes->insert(found_prefixes->end(), (*page)->common_prefixes.begin(), (*page)->common_prefixes.end());
    }
    listing.received_any = true;
    progress_.page_listed((*page)->objects.size());

    auto written = store_.write_objects(source_.id, state.job_id, bucket, listing.records);
    if (!written) {
      std::lock_guard lock(state.mutex);
      if (!state.store_failure) state.store_failure = written.error();
      state.stop = true;
      listing.result.status = "failed";
      listing.result.reason = "internal";
      listing.result.category = "internal";
      listing.result.message = "the catalog database failed: " + written.error().message;
      return false;
    }
    listing.result.files += written->first_seen_by_job;
    listing.added += written->added;
    listing.updated += written->updated;
  }
}

bool Extraction::list_directory_bucket_prefix(State& state, BucketListing& listing, const std::string& prefix) {
  // List the enclosing folder one level deep: its files that start with the
  // prefix are written as they come, and its subfolders that start with the
  // prefix are then listed whole. "a" thus becomes a listing of "" with
  // delimiter "/" followed by one of "a/", and still selects "ab.txt".
  const std::string parent = prefix.substr(0, prefix.rfind('/') + 1);
  std::vector<std::string> subfolders;
  if (!list_prefix(state, listing, parent, "/", &subfolders)) return false;

  for (const auto& subfolder : subfolders) {
    if (!subfolder.starts_with(prefix)) continue;
    if (!list_prefix(state, listing, subfolder, "", nullptr)) return false;
  }
  return true;
}

void Extraction::list_bucket(State& state, const BucketScope& scope) {
  progress_.bucket_started(scope.bucket);

  BucketListing listing;
  listing.result.name = scope.bucket;
  listing.result.status = "synced";
  for (const auto& prefix : scope.prefixes) {
    const bool needs_folder_walk = is_directory_bucket(scope.bucket) && !prefix.empty() && !prefix.ends_with('/');
    const bool listed = needs_folder_walk ? list_directory_bucket_prefix(state, listing, prefix)
                                          : list_prefix(state, listing, prefix, "", nullptr);
    if (!listed) break;
  }
  catalog::BucketResult& result = listing.result;

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
    state.files_added += listing.added;
    state.files_updated += listing.updated;
    state.results.push_back(std::move(result));
  }
  progress_.bucket_finished(scope.bucket);
}

}  // namespace s3cat::extract
