#include "extract/extractor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <thread>
#include <vector>

#include "catalog/path_filter.h"
#include "extract/job_state.h"
#include "extract/scope.h"

namespace s3cat::extract {
namespace {

std::string now_rfc3339() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// `credentials_source` is added to the message of an authentication error,
// so the user knows which keys were rejected.
catalog::JobError to_job_error(const s3::S3Error& error, const std::string& credentials_source = "") {
  catalog::JobError job_error;
  job_error.category = category_name(error.category);
  job_error.message = error.describe();
  if (error.category == s3::ErrorCategory::kAuthentication && !credentials_source.empty()) {
    job_error.message += " (credentials: " + credentials_source + ")";
  }
  job_error.hint = error.hint.empty() ? s3::hint_for(error.category, error.code, error.operation) : error.hint;
  return job_error;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string joined;
  for (const auto& item : items) {
    if (!joined.empty()) joined += separator;
    joined += item;
  }
  return joined;
}

// Explains a job that succeeded without syncing any file.
std::string explain_no_files(const catalog::Job& job, const std::vector<catalog::PathFilter>& filters) {
  const bool none_synced = std::none_of(job.buckets.begin(), job.buckets.end(),
                                        [](const auto& bucket) { return bucket.status == "synced"; });
  if (job.buckets.empty()) return "No file was synced: the credentials can see no bucket.";
  if (none_synced) return "No file was synced: every bucket in scope was skipped or failed.";
  if (!filters.empty()) {
    std::vector<std::string> texts;
    for (const auto& filter : filters) texts.push_back(filter.text);
    return "No file was synced: no object matched the path filters " + join(texts, ", ") + ".";
  }
  return "No file was synced: the buckets in scope hold no files.";
}

}  // namespace

Extraction::Extraction(catalog::CatalogStore& store, catalog::Source source, ExtractOptions options)
    : store_(store), source_(std::move(source)), options_(std::move(options)) {}

Extraction::~Extraction() = default;

void Extraction::log(const State& state, spdlog::level::level_enum level, const std::string& message) {
  spdlog::log(level, "job {}: {}", state.job_id, message);
  const char* level_name = level >= spdlog::level::err    ? "error"
                           : level == spdlog::level::warn ? "warn"
                                                          : "info";
  if (auto logged = store_.append_job_log(state.job_id, level_name, message); !logged) {
    spdlog::error("job {}: could not write the job log: {}", state.job_id, logged.error().message);
  }
}

std::expected<catalog::Job, StartError> Extraction::run() {
  auto started_job = store_.start_job(source_.id, options_.trigger);
  if (!started_job) return std::unexpected(StartError{started_job.error().kind, started_job.error().message});

  State state;
  state.job_id = *started_job;
  progress_.start(state.job_id);
  const auto started = std::chrono::steady_clock::now();

  catalog::Job job;
  job.id = state.job_id;
  job.source = source_.name;
  job.started_at = now_rfc3339();
  log(state, spdlog::level::info, "extraction of source " + source_.name + " started");

  auto plan = plan_job(state, job);
  if (!plan) return finish_failed(state, job, plan.error());

  list_buckets(state, *plan);
  record_learned_regions(state);
  collect_results(state, job);

  if (auto reconciled = reconcile(state, job); !reconciled) return finish_failed(state, job, reconciled.error());
  if (state.fatal) return finish_failed(state, job, to_job_error(*state.fatal, state.credentials_source));

  return finish(state, job, std::chrono::steady_clock::now() - started);
}

std::expected<ScopePlan, catalog::JobError> Extraction::plan_job(State& state, catalog::Job& job) {
  // Filters were validated when saved, but the database may hold values
  // written by an older version.
  auto filters = catalog::parse_path_filters(source_.path_prefixes);
  if (!filters) {
    return std::unexpected(catalog::JobError{"configuration", filters.error(),
                                             "fix the path filter in the source settings"});
  }
  state.filters = std::move(*filters);

  auto client = make_source_client(source_, options_.client);
  if (!client) return std::unexpected(to_job_error(client.error()));
  state.client = std::move(*client);
  s3::RequestLimiterOptions limits;
  limits.max_requests = std::max(1, options_.max_requests);
  state.client->set_request_limiter(std::make_shared<s3::RequestLimiter>(
      limits, [this, &state](int new_limit, int old_limit, bool throttled) {
        log(state, spdlog::level::info,
            throttled ? "S3 throttled a request (SlowDown or 503): request limit lowered from " +
                            std::to_string(old_limit) + " to " + std::to_string(new_limit)
                      : "request limit raised from " + std::to_string(old_limit) + " to " +
                            std::to_string(new_limit));
      }));

  // Resolving before the first request names the keys' source in the job
  // log, and in the error when S3 rejects them. When resolving fails,
  // ListBuckets below reports the provider's error.
  if (auto credentials = state.client->resolve_credentials()) {
    state.credentials_source = credentials->provider + ", key ID ending " + s3::last_four(credentials->access_key_id);
    log(state, spdlog::level::info, "credentials: " + state.credentials_source);
  }

  // ListBuckets. When it is denied but filters name buckets, those buckets
  // are listed directly.
  std::optional<std::vector<std::string>> visible;
  std::map<std::string, s3::BucketInfo> bucket_info;
  auto listed = state.client->list_buckets();
  if (listed) {
    visible.emplace();
    for (const auto& bucket : *listed) {
      visible->push_back(bucket.name.str());
      bucket_info[bucket.name.str()] = bucket;
    }
    log(state, spdlog::level::info, "ListBuckets returned " + std::to_string(visible->size()) + " buckets");
  } else if (listed.error().category == s3::ErrorCategory::kPermissions && !state.filters.empty()) {
    job.warnings.push_back(
        "ListBuckets was denied (s3:ListAllMyBuckets is missing), so only the buckets named by the "
        "path filters were listed: " + listed.error().describe());
    log(state, spdlog::level::warn, job.warnings.back());
  } else {
    return std::unexpected(to_job_error(listed.error(), state.credentials_source));
  }

  ScopePlan plan = plan_scope(visible, state.filters);
  for (const auto& scope : plan.buckets) {
    if (scope.not_in_bucket_list && visible) {
      job.warnings.push_back("bucket " + scope.bucket +
                             " is named by a path filter but is not among the buckets the credentials "
                             "can see; it was listed directly");
      log(state, spdlog::level::warn, job.warnings.back());
    }
    catalog::BucketEntry entry;
    entry.name = scope.bucket;
    if (auto info = bucket_info.find(scope.bucket); info != bucket_info.end()) {
      entry.creation_date = info->second.creation_date;
      entry.region = info->second.region;
    }
    if (entry.region.empty()) {
      // Without BucketRegion from ListBuckets, the region an earlier job
      // learned saves this job a redirect. A region nothing reported stays
      // empty ("not reported"), rather than repeating the source's.
      auto known = store_.get_bucket(source_.id, scope.bucket);
      if (known && *known && !(*known)->region.empty()) {
        entry.region = (*known)->region;
        state.client->set_bucket_region(s3::BucketName(scope.bucket), s3::Region(entry.region));
      }
    }
    state.bucket_entries[entry.name] = entry;
    if (auto recorded = store_.record_bucket(source_.id, state.job_id, entry); !recorded) {
      return std::unexpected(catalog::JobError{"internal", recorded.error().message, "check the catalog database"});
    }
  }
  progress_.set_buckets_total(plan.buckets.size());
  return plan;
}

void Extraction::list_buckets(State& state, const ScopePlan& plan) {
  std::atomic<std::size_t> next_bucket{0};
  auto worker = [&] {
    for (;;) {
      const std::size_t index = next_bucket++;
      if (index >= plan.buckets.size() || state.stop || cancelled_) return;
      list_bucket(state, plan.buckets[index]);
    }
  };

  const int bucket_count = std::max<int>(1, static_cast<int>(plan.buckets.size()));
  const int worker_count = std::clamp<int>(options_.max_concurrent_buckets, 1, bucket_count);
  std::vector<std::thread> workers;
  for (int i = 0; i < worker_count; ++i) workers.emplace_back(worker);
  for (auto& thread : workers) thread.join();
}

void Extraction::record_learned_regions(State& state) {
  for (auto& [name, entry] : state.bucket_entries) {
    const auto learned = state.client->bucket_region(s3::BucketName(name));
    if (!learned || learned->str() == entry.region) continue;
    entry.region = learned->str();
    if (auto recorded = store_.record_bucket(source_.id, state.job_id, entry); !recorded) {
      log(state, spdlog::level::warn,
          "could not record region " + entry.region + " of bucket " + name + ": " + recorded.error().message);
    }
  }
}

void Extraction::collect_results(State& state, catalog::Job& job) {
  std::sort(state.results.begin(), state.results.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  job.buckets = state.results;
  job.files_added = state.files_added;
  job.files_updated = state.files_updated;
  for (const auto& result : state.results) {
    if (result.status == "synced") job.files_synced += result.files;
  }
  job.warnings.insert(job.warnings.end(), state.warnings.begin(), state.warnings.end());
}

std::expected<void, catalog::JobError> Extraction::reconcile(State& state, catalog::Job& job) {
  // A failed or cancelled job removes nothing: every bucket it touched keeps
  // its files, marked stale.
  const bool keep_everything = state.fatal.has_value() || state.store_failure.has_value() || cancelled_;
  auto store_error = [](const catalog::StoreError& error) {
    return catalog::JobError{"internal", "the catalog database failed: " + error.message,
                             "check the catalog database and its disk, then run the extraction again"};
  };
  if (state.store_failure) return std::unexpected(store_error(*state.store_failure));

  for (const auto& result : state.results) {
    catalog::BucketResult stored = result;
    if (keep_everything && stored.status == "synced") stored.status = "failed";
    auto removed = store_.complete_bucket(source_.id, state.job_id, stored);
    if (!removed) return std::unexpected(store_error(removed.error()));
    job.files_removed += *removed;
  }
  if (keep_everything) return {};

  auto retired = store_.retire_unvisited_buckets(source_.id, state.job_id);
  if (!retired) return std::unexpected(store_error(retired.error()));
  job.files_removed += *retired;
  return {};
}

catalog::Job Extraction::finish_failed(State& state, catalog::Job& job, const catalog::JobError& error) {
  job.status = catalog::JobStatus::kFailed;
  job.error = error;
  job.finished_at = now_rfc3339();
  job.summary = "The extraction failed (" + error.category + "): " + error.message;
  log(state, spdlog::level::err, job.summary + " Hint: " + error.hint);
  if (auto finished = store_.finish_job(job); !finished) {
    spdlog::error("job {}: could not record the result: {}", job.id, finished.error().message);
  }
  return job;
}

catalog::Job Extraction::finish(State& state, catalog::Job& job, std::chrono::steady_clock::duration elapsed) {
  job.finished_at = now_rfc3339();
  if (cancelled_) {
    job.status = catalog::JobStatus::kCancelled;
    job.summary = "The extraction was cancelled; nothing was removed from the catalog.";
  } else {
    const bool any_problem = std::any_of(job.buckets.begin(), job.buckets.end(),
                                         [](const auto& bucket) { return bucket.status != "synced"; });
    job.status = (any_problem || !job.warnings.empty()) ? catalog::JobStatus::kSucceededWithWarnings
                                                        : catalog::JobStatus::kSucceeded;
    job.summary = "Synced " + count_files(job.files_synced) + ": " + std::to_string(job.files_added) +
                  " added, " + std::to_string(job.files_updated) + " updated, " +
                  std::to_string(job.files_removed) + " removed.";
    if (job.files_synced == 0) job.summary = explain_no_files(job, state.filters);
  }

  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", std::chrono::duration<double>(elapsed).count());
  log(state, spdlog::level::info,
      std::string("extraction ") + catalog::to_string(job.status) + " in " + seconds + " s: " + job.summary);

  if (auto finished = store_.finish_job(job); !finished) {
    spdlog::error("job {}: could not record the result: {}", job.id, finished.error().message);
  }
  return job;
}

}  // namespace s3cat::extract
