#include "extract/sharded_listing.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <time.h>

namespace s3cat::extract {
namespace {

// How long an idle worker waits before it looks for a range to split again.
constexpr std::chrono::milliseconds kIdleRecheck{200};

// A running range with less progress than this has too little data to
// extrapolate from.
constexpr double kMinFractionForEstimate = 0.01;

// New ranges that one split of a running range may create. Each costs at
// least one request, and the first page of a range past its end is dropped.
constexpr int kMaxNewRangesPerSplit = 8;

// Pages a range must have listed before it may be split: the short first
// page and one full page, so a range that contains a few keys is not split.
constexpr int kMinPagesBeforeSplit = 2;

// The first request of a range requests max_keys_per_page / this many keys.
constexpr int kFirstPageDivisor = 10;


// Adds the code points of a page's keys and where neighbouring keys branch.
void add_keys(KeyAlphabet& alphabet, const std::vector<s3::ObjectInfo>& objects) {
  for (std::size_t i = 0; i < objects.size(); ++i) {
    alphabet.add(objects[i].key.str());
    if (i > 0) alphabet.add_branch(objects[i - 1].key.str(), objects[i].key.str());
  }
}

// CPU time of the calling thread, in seconds.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace

// One key range (after, last] and how far its listing has come.
struct ShardedListing::Range {
  std::string after;
  std::optional<std::string> last;  // absent: to the end of the prefix
  std::string cursor;               // the last key listed, `after` before the first page
  std::uint64_t objects = 0;
  int pages = 0;
  bool split_requested = false;  // an idle worker wants part of this range
  bool unsplittable = false;     // no key fits between the cursor and `last`
};

ShardedListing::ShardedListing(s3::Client& client, s3::BucketName bucket, std::string prefix,
                               ShardedListingOptions options, PageSink sink, StopCheck stop_requested,
                               InfoLog log_info)
    : client_(client),
      bucket_(std::move(bucket)),
      prefix_(std::move(prefix)),
      options_(options),
      sink_(std::move(sink)),
      stop_requested_(std::move(stop_requested)),
      log_info_(std::move(log_info)) {
  alphabet_.add(prefix_);
}

ShardedListing::~ShardedListing() = default;

ShardedListing::Outcome ShardedListing::run() {
  s3::ListObjectsRequest request;
  request.bucket = bucket_;
  request.prefix = prefix_;
  request.max_keys = options_.max_keys_per_page;
  s3::ObjectPaginator first(client_, request);

  std::string last_listed;
  if (!list_first_pages(first, last_listed)) return outcome_;
  if (last_listed.empty()) {
    list_sequentially(first);
    return outcome_;
  }

  bool complete = false;
  auto hints = discover_split_points(last_listed, complete);
  if (!hints) {
    list_sequentially(first);
    return outcome_;
  }
  if (complete || abort_) return outcome_;

  const int workers = worker_count();
  const std::size_t initial_points =
      std::clamp<std::size_t>(static_cast<std::size_t>(workers), 1, options_.max_initial_ranges);
  const auto points = plan_split_points(prefix_, last_listed, *hints, alphabet_, initial_points);
  {
    std::lock_guard lock(mutex_);
    std::string after = last_listed;
    for (const auto& point : points) {
      queued_.push_back(std::make_shared<Range>(Range{after, point, after}));
      after = point;
    }
    queued_.push_back(std::make_shared<Range>(Range{after, std::nullopt, after}));
    outcome_.ranges_listed = static_cast<int>(queued_.size());
    planned_ = true;
  }
  log_info_("bucket " + bucket_.str() + ": listing key ranges with " + std::to_string(workers) +
            " workers; the fastest of the first requests waited " +
            std::to_string(static_cast<int>(*min_wait_seconds_ * 1000.0)) + " ms");
  run_workers(workers);
  outcome_.workers = workers;
  return outcome_;
}

bool ShardedListing::list_first_pages(s3::ObjectPaginator& first, std::string& last_listed) {
  for (int listed = 1;; ++listed) {
    if (stop_requested_()) {
      outcome_.stopped = true;
      return false;
    }
    const auto started = std::chrono::steady_clock::now();
    const double cpu_started = thread_cpu_seconds();
    auto page = first.next();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double waited = wall - (thread_cpu_seconds() - cpu_started);
    if (!min_wait_seconds_ || waited < *min_wait_seconds_) min_wait_seconds_ = waited;
    if (!page) {
      fail(page.error());
      return false;
    }
    if (!page->has_value()) return false;  // the listing is complete

    const auto& objects = (*page)->objects;
    add_keys(alphabet_, objects);
    if (!deliver(objects)) return false;
    if (!(*page)->is_truncated) return false;

    // A short truncated page means the server sets its own page size, and a
    // server that does may not follow S3 in other ways either, so only a
    // listing of full pages is split.
    const bool full = !objects.empty() && static_cast<int>(objects.size()) >= options_.max_keys_per_page;
    if (!full || options_.max_workers <= 1) return true;
    if (listed >= options_.sequential_pages) {
      last_listed = objects.back().key.str();
      return true;
    }
  }
}

bool ShardedListing::list_sequentially(s3::ObjectPaginator& pages) {
  for (;;) {
    if (stop_requested_()) {
      outcome_.stopped = true;
      return false;
    }
    auto page = pages.next();
    if (!page) {
      fail(page.error());
      return false;
    }
    if (!page->has_value()) return true;
    if (!deliver((*page)->objects)) return false;
  }
}

std::optional<std::vector<std::string>> ShardedListing::discover_split_points(const std::string& last_listed,
                                                                              bool& complete) {
  s3::ListObjectsRequest request;
  request.bucket = bucket_;
  request.prefix = prefix_;
  request.delimiter = "/";
  request.start_after = last_listed;
  request.max_keys = options_.max_keys_per_page;
  auto page = client_.list_objects_page(request);
  if (!page) {
    log_info_("bucket " + bucket_.str() + ": finding split points failed, so it is listed sequentially: " +
              page.error().describe());
    return std::nullopt;
  }

  // A server that ignores start-after returns the first page again.
  const auto listed_before = [&](const std::string& key) { return key <= last_listed; };
  const bool ignores_start_after =
      std::any_of(page->objects.begin(), page->objects.end(),
                  [&](const s3::ObjectInfo& object) { return listed_before(object.key.str()); }) ||
      std::any_of(page->common_prefixes.begin(), page->common_prefixes.end(), [&](const std::string& common) {
        return listed_before(common) && !last_listed.starts_with(common);
      });
  if (ignores_start_after) {
    log_info_("bucket " + bucket_.str() + ": the server ignores start-after, so it is listed sequentially");
    return std::nullopt;
  }

  for (const auto& object : page->objects) alphabet_.add(object.key.str());
  for (const auto& common : page->common_prefixes) alphabet_.add(common);

  // Without folders and further pages, this response contains the rest of
  // the listing.
  if (!page->is_truncated && page->common_prefixes.empty()) {
    complete = true;
    deliver(page->objects);
    return std::vector<std::string>{};
  }

  std::vector<std::string> hints = page->common_prefixes;
  if (!page->objects.empty()) hints.push_back(page->objects.back().key.str());
  return hints;
}

int ShardedListing::worker_count() const {
  const bool latency_bound =
      min_wait_seconds_ && *min_wait_seconds_ >= std::chrono::duration<double>(options_.latency_bound_wait).count();
  if (latency_bound) return options_.max_workers;
  const int cpu_bound_workers =
      options_.cpu_bound_workers > 0 ? options_.cpu_bound_workers
                                     : 2 * std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return std::min(options_.max_workers, cpu_bound_workers);
}

void ShardedListing::run_workers(int count) {
  std::vector<std::thread> workers;
  for (int i = 1; i < count; ++i) workers.emplace_back([this] { work(); });
  work();
  for (auto& worker : workers) worker.join();
}

void ShardedListing::work() {
  for (;;) {
    const std::shared_ptr<Range> range = take_range();
    if (!range) return;
    list_range(*range);

    std::lock_guard lock(mutex_);
    running_.erase(std::find(running_.begin(), running_.end(), range));
    ++finished_ranges_;
    finished_range_objects_ += range->objects;
    changed_.notify_all();
  }
}

std::shared_ptr<ShardedListing::Range> ShardedListing::take_range() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (abort_ || stop_requested_()) {
      if (!abort_ && !outcome_.error) outcome_.stopped = true;
      abort_ = true;
      changed_.notify_all();
      return nullptr;
    }
    if (!queued_.empty()) {
      auto range = queued_.front();
      queued_.pop_front();
      running_.push_back(range);
      return range;
    }
    if (running_.empty()) return nullptr;  // every range is listed

    ++idle_workers_;
    request_split_locked();
    changed_.wait_for(lock, kIdleRecheck);
    --idle_workers_;
  }
}

void ShardedListing::request_split_locked() {
  // Each requested split brings up to kMaxNewRangesPerSplit ranges, so ask
  // as many running ranges as the idle workers need, those that have listed
  // the most pages first: they are likely the largest.
  std::vector<Range*> candidates;
  int requested = 0;
  for (const auto& range : running_) {
    if (range->split_requested) {
      ++requested;
    } else if (!range->unsplittable && range->pages >= kMinPagesBeforeSplit) {
      candidates.push_back(range.get());
    }
  }
  const int waiting = idle_workers_ - static_cast<int>(queued_.size());
  const int needed = (waiting + kMaxNewRangesPerSplit - 1) / kMaxNewRangesPerSplit - requested;
  if (needed <= 0 || candidates.empty()) return;
  const auto count = std::min(candidates.size(), static_cast<std::size_t>(needed));
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count), candidates.end(),
                    [](const Range* a, const Range* b) { return a->pages > b->pages; });
  for (std::size_t i = 0; i < count; ++i) candidates[i]->split_requested = true;
}

void ShardedListing::list_range(Range& range) {
  s3::ListObjectsRequest request;
  request.bucket = bucket_;
  request.prefix = prefix_;
  request.start_after = range.after;
  // The first request of a range is for a tenth of a page, because split
  // points often start a range that contains few keys or none, and the keys
  // past the range's end are parsed and dropped. The pages after it are
  // full.
  request.max_keys = std::max(1, options_.max_keys_per_page / kFirstPageDivisor);
  bool first_page = true;
  std::optional<s3::ObjectPaginator> pages(std::in_place, client_, request);

  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (abort_) return;
    }
    if (stop_requested_()) {
      std::lock_guard lock(mutex_);
      if (!outcome_.error) outcome_.stopped = true;
      abort_ = true;
      changed_.notify_all();
      return;
    }

    auto page = pages->next();
    if (!page) {
      fail(page.error());
      return;
    }
    if (!page->has_value()) return;

    // Only this worker changes range.last, so it can read it unlocked.
    std::vector<s3::ObjectInfo>& objects = (*page)->objects;
    bool passed_end = false;
    if (range.last) {
      const std::string& last = *range.last;
      const auto end = std::find_if(objects.begin(), objects.end(),
                                    [&](const s3::ObjectInfo& object) { return object.key.str() > last; });
      passed_end = end != objects.end();
      objects.erase(end, objects.end());
    }
    KeyAlphabet seen;
    add_keys(seen, objects);
    if (!objects.empty() && !deliver(objects)) return;

    std::lock_guard lock(mutex_);
    range.objects += objects.size();
    ++range.pages;
    if (!objects.empty()) range.cursor = objects.back().key.str();
    alphabet_.merge(seen);
    if (passed_end || !(*page)->is_truncated) {
      range.split_requested = false;
      return;
    }
    if (first_page && !objects.empty() && request.max_keys < options_.max_keys_per_page) {
      request.start_after = objects.back().key.str();
      request.max_keys = options_.max_keys_per_page;
      pages.emplace(client_, request);
    }
    first_page = false;
    split_if_requested_locked(range);
  }
}

void ShardedListing::split_if_requested_locked(Range& range) {
  if (!range.split_requested) return;
  range.split_requested = false;

  // One new range per idle worker that no queued range waits for, besides
  // the piece this worker keeps. Another split may have served them already.
  const int waiting = idle_workers_ - static_cast<int>(queued_.size());
  if (waiting <= 0) return;
  const auto count = static_cast<std::size_t>(std::min(waiting, kMaxNewRangesPerSplit));
  std::vector<std::string> points = split_points(prefix_, range.cursor, range.last, alphabet_, count);
  if (points.empty()) {
    range.unsplittable = true;
    return;
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::optional<std::string> end = i + 1 < points.size() ? std::optional(points[i + 1]) : range.last;
    queued_.push_back(std::make_shared<Range>(Range{points[i], end, points[i]}));
  }
  range.last = points.front();
  outcome_.ranges_listed += static_cast<int>(points.size());
  changed_.notify_all();
}

bool ShardedListing::deliver(const std::vector<s3::ObjectInfo>& objects) {
  if (!sink_(objects)) {
    std::lock_guard lock(mutex_);
    outcome_.stopped = true;
    abort_ = true;
    changed_.notify_all();
    return false;
  }
  std::lock_guard lock(mutex_);
  outcome_.received_any = true;
  return true;
}

void ShardedListing::fail(const s3::S3Error& error) {
  std::lock_guard lock(mutex_);
  if (!outcome_.error) outcome_.error = error;
  abort_ = true;
  changed_.notify_all();
}

std::optional<double> ShardedListing::estimate_remaining() const {
  std::lock_guard lock(mutex_);
  if (!planned_) return std::nullopt;

  // NOTE: a range that has not started is counted as the mean finished
  // range. Ranges split off a dense range contain more, so early estimates
  // run low.
  const std::optional<double> mean_range =
      finished_ranges_ > 0 ? std::optional(static_cast<double>(finished_range_objects_) / finished_ranges_)
                           : std::nullopt;
  double remaining = 0;
  for (const auto& range : running_) {
    const double fraction = range->objects == 0
                                ? 0.0
                                : range_fraction(prefix_, range->after, range->last, range->cursor, alphabet_);
    if (fraction >= kMinFractionForEstimate) {
      remaining += static_cast<double>(range->objects) * (1.0 - fraction) / fraction;
    } else if (mean_range) {
      remaining += *mean_range;
    } else {
      return std::nullopt;
    }
  }
  if (!queued_.empty()) {
    if (!mean_range) return std::nullopt;
    remaining += *mean_range * static_cast<double>(queued_.size());
  }
  return remaining;
}

}  // namespace s3cat::extract
