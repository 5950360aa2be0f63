#include "server/scheduler.h"

#include <spdlog/spdlog.h>

#include "catalog/timestamp.h"

namespace s3cat::server {

Scheduler::Scheduler(catalog::CatalogStore& store, JobRunner& runner, SchedulerOptions options)
    : store_(store), runner_(runner), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() { thread_ = std::thread([this] { loop(); }); }

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    run_due_jobs();
    lock.lock();
    wake_.wait_for(lock, options_.tick, [this] { return stopping_; });
  }
}

void Scheduler::run_due_jobs() {
  auto sources = store_.list_sources();
  if (!sources) {
    // Logged once per distinct message, because the scheduler retries every tick.
    if (sources.error().message != last_error_) {
      spdlog::error("scheduler: could not list the sources, so no scheduled job starts: {}", sources.error().message);
      last_error_ = sources.error().message;
    }
    return;
  }
  last_error_.clear();
  const auto now = options_.clock();
  for (const catalog::Source& source : *sources) {
    if (source.schedule_minutes <= 0) continue;
    if (runner_.running_job(source.name)) continue;

    auto latest = store_.list_jobs_page(source.id, 1, 0);
    if (!latest) {
      spdlog::error("scheduler: could not read the jobs of source {}: {}", source.name, latest.error().message);
      continue;
    }
    if (!latest->jobs.empty()) {
      const catalog::Job& newest = latest->jobs.front();
      if (newest.status == catalog::JobStatus::kRunning) continue;  // run by another process
      const auto due = now - std::chrono::minutes(source.schedule_minutes);
      // RFC 3339 UTC text with whole seconds sorts in time order.
      if (newest.started_at > catalog::format_rfc3339(due)) continue;
    }

    auto started = runner_.start(source.name, "schedule");
    std::string& last = last_start_error_[source.name];
    if (!started && started.error().message != last) {
      // Logged once per distinct message, because the next tick tries again.
      spdlog::warn("scheduler: the scheduled job of source {} did not start: {}", source.name,
                   started.error().message);
    }
    last = started ? std::string() : started.error().message;
  }
}

}  // namespace s3cat::server
