// Internal to the extract module: lists the keys under one S3 prefix as
// disjoint key ranges in parallel, so a large bucket is not limited to one
// ListObjectsV2 request at a time.
//
// The first pages are listed sequentially (ShardedListingOptions::
// sequential_pages). When they are full and the listing goes on, one
// delimiter listing starts after their last key. It checks that the server
// honours start-after, and its common prefixes become split points, with
// about one more per worker from split_points (key_range.h). Each range
// (after, last] is then walked with its own paginator, keeping keys up to
// `last`. Idle workers ask the running ranges that have listed the most
// pages to split at their next page, one new range per idle worker and up
// to 8 per split, so skewed key spaces keep every worker busy. A server
// that ignores start-after is listed sequentially.
//
// run() blocks and may be called once; estimate_remaining() may be called
// from other threads while it runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "extract/key_range.h"
#include "extract/progress.h"
#include "s3/client.h"

namespace s3cat::extract {

struct ShardedListingOptions {
  int max_keys_per_page = 1000;  // ListObjectsV2 max-keys
  // Ranges listed at the same time when requests mostly wait on the
  // network. Each has at most one request in flight. 1 lists sequentially.
  int max_workers = 64;
  // Ranges listed at the same time when they do not: the client's CPU then
  // bounds the listing, and more ranges only cost requests and memory. 0
  // means two per hardware thread, so one range's parse overlaps another's
  // request.
  int cpu_bound_workers = 0;
  // The listing counts as waiting on the network when each of the first
  // pages waited at least this long beyond the CPU time that this thread
  // spent on it (sending, receiving and parsing).
  // NOTE: 5 ms is a judgment between the loopback fixture (about 1 ms) and
  // S3 over a network (tens of ms). It was not tuned on servers in between.
  std::chrono::milliseconds latency_bound_wait{5};
  // Upper bound of the first plan's ranges, which is about max_workers.
  std::size_t max_initial_ranges = 64;
  // Full pages listed sequentially before the rest is split. A listing that
  // ends within them gains little from ranges, and their keys show the
  // alphabet that split points are drawn from.
  int sequential_pages = 8;
};

class ShardedListing : public ListingEstimate {
 public:
  // Stores one page; called from several threads at once. Returns false to
  // stop the whole listing (the store failed).
  using PageSink = std::function<bool(const std::vector<s3::ObjectInfo>& objects)>;
  // True when the listing must stop (the job was cancelled or failed elsewhere).
  using StopCheck = std::function<bool()>;
  // Logs a message of the listing at info level.
  using InfoLog = std::function<void(const std::string& message)>;

  struct Outcome {
    std::optional<s3::S3Error> error;  // the first error of any range
    bool stopped = false;              // the sink or the stop check ended it
    bool received_any = false;         // at least one page arrived
    int ranges_listed = 1;             // 1 for a sequential listing
    int workers = 1;                   // ranges listed at the same time
  };

  ShardedListing(s3::Client& client, s3::BucketName bucket, std::string prefix, ShardedListingOptions options,
                 PageSink sink, StopCheck stop_requested, InfoLog log_info);
  ~ShardedListing() override;

  // Lists every key under the prefix once. Network I/O; the sink does the
  // disk I/O.
  Outcome run();

  std::optional<double> estimate_remaining() const override;

 private:
  struct Range;

  // Lists up to options_.sequential_pages pages. Returns false when the
  // listing ended (complete, failed or stopped). Otherwise it sets
  // `last_listed` to the key to split after, or leaves it empty when the
  // listing goes on sequentially.
  bool list_first_pages(s3::ObjectPaginator& first, std::string& last_listed);
  bool list_sequentially(s3::ObjectPaginator& pages);
  // Sends the delimiter listing after `last_listed`. Returns split point
  // hints (its common prefixes and last key), or std::nullopt when the
  // server ignored start-after or the request failed. Sets `complete` when
  // that response contained the rest of the listing, which it then delivers.
  std::optional<std::vector<std::string>> discover_split_points(const std::string& last_listed, bool& complete);
  // Returns max_workers when the first pages waited on the network, else
  // cpu_bound_workers (at most max_workers).
  int worker_count() const;
  void run_workers(int count);
  void work();
  std::shared_ptr<Range> take_range();
  void request_split_locked();
  void list_range(Range& range);
  void split_if_requested_locked(Range& range);
  bool deliver(const std::vector<s3::ObjectInfo>& objects);
  void fail(const s3::S3Error& error);

  s3::Client& client_;
  s3::BucketName bucket_;
  std::string prefix_;
  ShardedListingOptions options_;
  PageSink sink_;
  StopCheck stop_requested_;
  InfoLog log_info_;

  mutable std::mutex mutex_;  // guards the members below
  std::condition_variable changed_;
  KeyAlphabet alphabet_;
  std::deque<std::shared_ptr<Range>> queued_;
  std::vector<std::shared_ptr<Range>> running_;
  bool planned_ = false;
  int idle_workers_ = 0;  // workers waiting for a range
  bool abort_ = false;
  Outcome outcome_;
  std::uint64_t finished_ranges_ = 0;
  std::uint64_t finished_range_objects_ = 0;
  // The minimum time that one of the first pages waited beyond its CPU time.
  std::optional<double> min_wait_seconds_;
};

}  // namespace s3cat::extract
