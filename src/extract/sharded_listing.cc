#include "extract/sharded_listing.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace s3cat::extract {
namespace {

// How long an idle worker waits before it looks for a range to split again.
constexpr std::chrono::milliseconds kIdleRecheck{200};

// A running range with less progress than this has too little data to
// extrapolate from.
constexpr double kMinFractionForEstimate = 0.01;

// Successor depths considered when a running range splits.
constexpr std::size_t kMaxSuccessorDepths = 64;

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

  const auto points = plan_split_points(prefix_, last_listed, *hints, options_.max_initial_ranges);
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
  run_workers();
  return outcome_;
}

bool ShardedListing::list_first_pages(s3::ObjectPaginator& first, std::string& last_listed) {
  for (int listed = 1;; ++listed) {
    if (stop_requested_()) {
      outcome_.stopped = true;
      return false;
    }
    auto page = first.next();
    if (!page) {
      fail(page.error());
      return false;
    }
    if (!page->has_value()) return false;  // the listing is complete

    const auto& objects = (*page)->objects;
    for (const auto& object : objects) alphabet_.add(object.key.str());
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

void ShardedListing::run_workers() {
  std::vector<std::thread> workers;
  for (int i = 1; i < options_.max_workers; ++i) workers.emplace_back([this] { work(); });
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
  // One pending request at a time, because the split it brings has pieces
  // for up to three idle workers. The range that has listed the most pages
  // is likely the largest.
  Range* candidate = nullptr;
  for (const auto& range : running_) {
    if (range->split_requested) return;
    if (range->unsplittable || range->pages == 0) continue;
    if (candidate == nullptr || range->pages > candidate->pages) candidate = range.get();
  }
  if (candidate != nullptr) candidate->split_requested = true;
}

void ShardedListing::list_range(Range& range) {
  s3::ListObjectsRequest request;
  request.bucket = bucket_;
  request.prefix = prefix_;
  request.start_after = range.after;
  request.max_keys = options_.max_keys_per_page;
  s3::ObjectPaginator pages(client_, request);

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

    auto page = pages.next();
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
    for (const auto& object : objects) seen.add(object.key.str());
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
    split_if_requested_locked(range);
  }
}

void ShardedListing::split_if_requested_locked(Range& range) {
  if (!range.split_requested) return;
  range.split_requested = false;

  // Successors of the cursor cut at each depth that fall before the range's
  // end split the rest into pieces that grow about one alphabet each, as the
  // first plan does. This worker keeps the smallest piece.
  std::vector<std::string> points;
  for (auto& point : plan_split_points(prefix_, range.cursor, {}, 2 * kMaxSuccessorDepths)) {
    if (!range.last || point < *range.last) points.push_back(std::move(point));
  }
  // One piece per idle worker plus this one's, at most 4: each piece costs
  // at least one request, and many of the largest ones are empty.
  const std::size_t keep = static_cast<std::size_t>(std::clamp(idle_workers_ + 1, 2, 4));
  if (points.size() > keep) points.erase(points.begin(), points.end() - static_cast<std::ptrdiff_t>(keep));
  if (points.empty()) {
    if (auto middle = split_key(prefix_, range.cursor, range.last, alphabet_)) points.push_back(*middle);
  }
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
