#include "server/job_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace s3cat::server {

JobRunner::JobRunner(catalog::CatalogStore& store, RunnerOptions options, Metrics& metrics)
    : store_(store), options_(std::move(options)), metrics_(metrics) {}

JobRunner::~JobRunner() { shutdown(); }

StartResult JobRunner::start(const std::string& source_name, const std::string& trigger, int concurrency) {
  std::unique_lock lock(mutex_);
  reap_locked();
  if (stopping_) {
    return std::unexpected(catalog::StoreError{catalog::StoreErrorKind::kConflict,
                                               "the server is shutting down and starts no new jobs"});
  }

  std::shared_ptr<Entry> running;
  for (const auto& entry : entries_) {
    if (entry->source == source_name && !entry->done) running = entry;
  }
  if (running) {
    // The wait releases the lock, so `running` is held by its own pointer.
    wait_for_job_id(lock, *running);
    if (running->job_id != 0) return StartedJob{running->job_id, false};
  }

  auto source = store_.get_source(source_name);
  if (!source) return std::unexpected(source.error());

  extract::ExtractOptions extract_options;
  extract_options.max_concurrent_buckets = concurrency;
  extract_options.trigger = trigger;
  extract_options.client = options_.client;
  auto entry = std::make_shared<Entry>();
  entry->source = source_name;
  entry->extraction = std::make_unique<extract::Extraction>(store_, std::move(*source), extract_options);
  entries_.push_back(entry);
  metrics_.job_started();
  Entry& added = *entry;
  added.thread = std::thread([this, &added, trigger] { run(added, trigger); });

  wait_for_job_id(lock, added);
  if (added.job_id == 0) {
    const catalog::StoreError error = added.start_error.value_or(
        catalog::StoreError{catalog::StoreErrorKind::kIo, "the job ended before its record was written"});
    reap_locked();
    return std::unexpected(error);
  }

  spdlog::info("job {} of source {} started (trigger {}, {} buckets at once)", added.job_id, source_name, trigger,
               concurrency);
  return StartedJob{added.job_id, true};
}

void JobRunner::wait_for_job_id(std::unique_lock<std::mutex>& lock, Entry& entry) {
  // run() records the job first thing, so this waits for one SQLite write;
  // the bound only guards against a store that hangs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (entry.job_id == 0 && !entry.done && std::chrono::steady_clock::now() < deadline) {
    const std::int64_t id = entry.extraction->progress().job_id;
    if (id != 0) {
      entry.job_id = id;
      break;
    }
    changed_.wait_for(lock, std::chrono::milliseconds(5));
  }
  if (entry.job_id == 0 && entry.done) entry.job_id = entry.extraction->progress().job_id;
}

void JobRunner::run(Entry& entry, std::string trigger) {
  const auto started = std::chrono::steady_clock::now();
  auto result = entry.extraction->run();
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!result) {
    spdlog::warn("extraction of source {} (trigger {}) did not start: {}", entry.source, trigger,
                 result.error().message);
    metrics_.job_not_started();
    std::lock_guard lock(mutex_);
    entry.start_error = catalog::StoreError{result.error().kind, result.error().message};
    entry.done = true;
    changed_.notify_all();
    return;
  }

  const catalog::Job& job = *result;
  const extract::ProgressSnapshot progress = entry.extraction->progress();
  metrics_.job_finished(catalog::to_string(job.status), progress.objects_listed);
  spdlog::info("job {} of source {} ended {} after {:.1f} s: {} objects listed, {} files synced, {} added, "
               "{} updated, {} removed",
               job.id, entry.source, catalog::to_string(job.status), elapsed, progress.objects_listed,
               job.files_synced, job.files_added, job.files_updated, job.files_removed);

  std::lock_guard lock(mutex_);
  if (entry.job_id == 0) entry.job_id = job.id;
  entry.done = true;
  changed_.notify_all();
}

bool JobRunner::cancel(std::int64_t job_id) {
  std::lock_guard lock(mutex_);
  for (auto& entry : entries_) {
    if (entry->job_id != job_id || entry->done) continue;
    if (!entry->cancel_requested.exchange(true)) {
      spdlog::info("job {} of source {}: cancel requested", job_id, entry->source);
    }
    entry->extraction->cancel();
    return true;
  }
  return false;
}

std::optional<LiveJob> JobRunner::live(std::int64_t job_id) {
  std::lock_guard lock(mutex_);
  for (auto& entry : entries_) {
    if (entry->job_id != job_id || entry->done) continue;
    return LiveJob{entry->extraction->progress(), entry->cancel_requested};
  }
  return std::nullopt;
}

std::optional<std::int64_t> JobRunner::running_job(const std::string& source_name) {
  std::lock_guard lock(mutex_);
  for (auto& entry : entries_) {
    if (entry->source == source_name && !entry->done && entry->job_id != 0) return entry->job_id;
  }
  return std::nullopt;
}

void JobRunner::shutdown() {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& entry : entries_) {
      if (entry->done) continue;
      spdlog::info("job {} of source {}: cancelled because the server is stopping", entry->job_id, entry->source);
      entry->cancel_requested = true;
      entry->extraction->cancel();
    }
    entries = std::move(entries_);
    entries_.clear();
  }
  for (auto& entry : entries) {
    if (entry->thread.joinable()) entry->thread.join();
  }
}

void JobRunner::reap_locked() {
  std::erase_if(entries_, [](const std::shared_ptr<Entry>& entry) {
    if (!entry->done) return false;
    if (entry->thread.joinable()) entry->thread.join();
    return true;
  });
}

}  // namespace s3cat::server
