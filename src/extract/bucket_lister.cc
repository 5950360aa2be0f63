#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/path_filter.h"
#include "extract/extractor.h"
#include "extract/job_state.h"
#include "extract/sharded_listing.h"
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

// The result and counters of one bucket's listing so far. Ranges of a
// sharded listing write pages from several threads, so `mutex` guards
// every member.
struct Extraction::BucketListing {
  std::mutex mutex;
  catalog::BucketResult result;
  bool received_any = false;
  std::uint64_t added = 0;
  std::uint64_t updated = 0;
  std::uint64_t objects = 0;  // objects listed, before the filters
};

bool Extraction::write_page(State& state, BucketListing& listing, const std::vector<s3::ObjectInfo>& objects) {
  const std::string bucket = [&] {
    std::lock_guard lock(listing.mutex);
    listing.received_any = true;
    listing.objects += objects.size();
    return listing.result.name;
  }();
  progress_.page_listed(objects.size());

  // Keep only what the filters select: a prefix from a filter is exact,
  // but a bucket listed whole for one filter may hold keys another filter excludes.
  std::vector<catalog::ObjectRecord> records;
  records.reserve(objects.size());
  for (const auto& object : objects) {
    if (!catalog::matches_any(state.filters, bucket, object.key.str())) continue;
    records.push_back(to_record(bucket, object));
  }

  auto written = store_.write_objects(source_.id, state.job_id, bucket, records);
  if (!written) {
    {
      std::lock_guard lock(state.mutex);
      if (!state.store_failure) state.store_failure = written.error();
      state.stop = true;
    }
    std::lock_guard lock(listing.mutex);
    listing.result.status = "failed";
    listing.result.reason = "internal";
    listing.result.category = "internal";
    listing.result.message = "the catalog database failed: " + written.error().message;
    return false;
  }
  std::lock_guard lock(listing.mutex);
  listing.result.files += written->first_seen_by_job;
  listing.added += written->added;
  listing.updated += written->updated;
  return true;
}

void Extraction::record_listing_error(State& state, BucketListing& listing, const s3::S3Error& error) {
  {
    std::lock_guard lock(listing.mutex);
    const auto files = listing.result.files;
    listing.result = bucket_result_for_error(listing.result.name, error, listing.received_any);
    listing.result.files = files;
  }
  if (error.category == s3::ErrorCategory::kAuthentication) {
    // Credentials that stop working end the job: every other bucket
    // would fail the same way.
    std::lock_guard lock(state.mutex);
    if (!state.fatal) state.fatal = error;
    state.stop = true;
  }
}

void Extraction::record_stopped(BucketListing& listing) {
  std::lock_guard lock(listing.mutex);
  if (listing.result.status != "synced") return;  // a store failure already ended it
  listing.result.status = "failed";
  listing.result.reason = "cancelled";
  listing.result.message = cancelled_ ? "the job was cancelled" : "the job stopped after an error in another bucket";
}

bool Extraction::list_prefix(State& state, BucketListing& listing, const std::string& prefix,
                             const std::string& delimiter, std::vector<std::string>* found_prefixes) {
  const std::string& bucket = listing.result.name;
  // Directory buckets return keys out of order, so their key space cannot
  // be cut into ranges.
  if (delimiter.empty() && found_prefixes == nullptr && !is_directory_bucket(bucket)) {
    return list_prefix_sharded(state, listing, prefix);
  }

  s3::ListObjectsRequest request;
  request.bucket = s3::BucketName(bucket);
  request.prefix = prefix;
  request.delimiter = delimiter;
  request.max_keys = options_.max_keys_per_page;
  s3::ObjectPaginator pages(*state.client, request);

  for (;;) {
    if (cancelled_ || state.stop) {
      record_stopped(listing);
      return false;
    }

    auto page = pages.next();
    if (!page) {
      record_listing_error(state, listing, page.error());
      return false;
    }
    if (!page->has_value()) return true;  // the listing is complete

    if (found_prefixes != nullptr) {
      found_prefixes->insert(found_prefixes->end(), (*page)->common_prefixes.begin(), (*page)->common_prefixes.end());
    }
    if (!write_page(state, listing, (*page)->objects)) return false;
  }
}

bool Extraction::list_prefix_sharded(State& state, BucketListing& listing, const std::string& prefix) {
  const std::string bucket = listing.result.name;
  ShardedListingOptions sharding;
  sharding.max_keys_per_page = options_.max_keys_per_page;
  sharding.max_workers = std::max(1, options_.max_requests);

  ShardedListing sharded(
      *state.client, s3::BucketName(bucket), prefix, sharding,
      [&](const std::vector<s3::ObjectInfo>& objects) { return write_page(state, listing, objects); },
      [&] { return cancelled_.load() || state.stop.load(); },
      [&](const std::string& message) { log(state, spdlog::level::info, message); });
  progress_.listing_started(&sharded);
  const ShardedListing::Outcome outcome = sharded.run();
  progress_.listing_finished(&sharded);

  if (outcome.ranges_listed > 1) {
    log(state, spdlog::level::info,
        "bucket " + bucket + (prefix.empty() ? "" : ", prefix " + prefix) + ": listed in " +
            std::to_string(outcome.ranges_listed) + " key ranges");
  }
  if (outcome.error) {
    record_listing_error(state, listing, *outcome.error);
    return false;
  }
  if (outcome.stopped) {
    record_stopped(listing);
    return false;
  }
  return true;
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
    log(state, spdlog::level::info,
        "bucket " + scope.bucket + " synced, " + count_files(result.files) + ", " + std::to_string(listing.objects) +
            (listing.objects == 1 ? " object listed" : " objects listed"));
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
  progress_.bucket_finished(scope.bucket, listing.objects);
}

}  // namespace s3cat::extract
