// One metadata extraction of a source: resolve credentials, list the buckets,
// plan the scope from the path filters, list each bucket with bounded
// concurrency, stream the objects into the store page by page, and reconcile.
// run() blocks; cancel() and progress() may be called from other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <string>

#include <spdlog/common.h>

#include "catalog/store.h"
#include "catalog/types.h"
#include "extract/progress.h"
#include "extract/scope.h"
#include "extract/source_client.h"
#include "s3/client.h"

namespace s3cat::extract {

struct ExtractOptions {
  int max_concurrent_buckets = 4;  // buckets listed at the same time
  // ListObjectsV2 requests in flight for the whole job, across buckets and
  // key ranges. Throttling lowers it for a while (see s3::RequestLimiter);
  // 1 also turns off sharded listing. A bucket uses more than two per CPU
  // only when its requests wait on the network (see ShardedListingOptions).
  int max_requests = 64;
  int max_keys_per_page = 1000;    // ListObjectsV2 MaxKeys; S3 caps it at 1000
  std::string trigger;             // recorded on the job: "api", "schedule", or "" for the CLI
  ClientSettings client;
};

// Errors that prevent a job from being created at all (the job record is the
// place for everything else).
struct StartError {
  catalog::StoreErrorKind kind;
  std::string message;
};

class Extraction {
 public:
  Extraction(catalog::CatalogStore& store, catalog::Source source, ExtractOptions options);
  ~Extraction();

  // Runs the job to its end (network and disk I/O) and returns its recorded
  // result: succeeded, succeeded with warnings, failed or cancelled. Fails
  // only when no job could be started, for example because another job of
  // the source is running.
  std::expected<catalog::Job, StartError> run();

  // Asks the running job to stop after the pages in flight; it then ends
  // cancelled and removes nothing. Thread-safe.
  void cancel() { cancelled_ = true; }

  ProgressSnapshot progress() const { return progress_.snapshot(); }

 private:
  struct State;

  // The steps of run(), in order.
  std::expected<ScopePlan, catalog::JobError> plan_job(State& state, catalog::Job& job);
  void list_buckets(State& state, const ScopePlan& plan);
  // Records again, with its new region, each bucket whose region a redirect
  // or a listing answer's x-amz-bucket-region header revealed.
  void record_learned_regions(State& state);
  void collect_results(State& state, catalog::Job& job);
  std::expected<void, catalog::JobError> reconcile(State& state, catalog::Job& job);
  catalog::Job finish(State& state, catalog::Job& job, std::chrono::steady_clock::duration elapsed);
  catalog::Job finish_failed(State& state, catalog::Job& job, const catalog::JobError& error);

  // Lists one bucket over its prefixes, writing each page to the store, and
  // adds its result to the state.
  void list_bucket(State& state, const BucketScope& scope);

  // Lists the keys under `prefix`: sharded into key ranges listed in
  // parallel (see sharded_listing.h) when `delimiter` is empty and the bucket
  // returns keys in order, else one ListObjectsV2 walk. Writes each page to
  // the store and collects CommonPrefixes into `found_prefixes` when given
  // (which rules out sharding). Returns false when the listing ended early,
  // and listing.result then records why.
  struct BucketListing;
  bool list_prefix(State& state, BucketListing& listing, const std::string& prefix, const std::string& delimiter,
                   std::vector<std::string>* found_prefixes);
  bool list_prefix_sharded(State& state, BucketListing& listing, const std::string& prefix);
  // Filters one page and writes it to the store. Thread-safe. Returns false
  // when the store failed, which stops the job.
  bool write_page(State& state, BucketListing& listing, const std::vector<s3::ObjectInfo>& objects);
  void record_listing_error(State& state, BucketListing& listing, const s3::S3Error& error);
  void record_stopped(BucketListing& listing);
  // Lists a prefix that does not end in '/' in a directory bucket, which
  // rejects such prefixes.
  bool list_directory_bucket_prefix(State& state, BucketListing& listing, const std::string& prefix);

  // Logs a job event to spdlog and to the job's own log in the store.
  void log(const State& state, spdlog::level::level_enum level, const std::string& message);

  catalog::CatalogStore& store_;
  catalog::Source source_;
  ExtractOptions options_;
  std::atomic<bool> cancelled_{false};
  Progress progress_;
};

}  // namespace s3cat::extract
