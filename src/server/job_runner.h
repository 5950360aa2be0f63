// Runs extraction jobs in the background, one thread per job, at most one
// job per source in this process. The store's start_job also keeps other
// processes (such as `s3catalog extract`) from running a second job of the
// same source. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "catalog/store.h"
#include "extract/extractor.h"
#include "server/metrics.h"

namespace s3cat::server {

struct RunnerOptions {
  extract::ClientSettings client;  // transport, retries and the environment of the default chain
};

// The part of a running job that lives only in this process.
struct LiveJob {
  extract::ProgressSnapshot progress;
  bool cancel_requested = false;
};

struct StartedJob {
  std::int64_t job_id = 0;
  bool created = false;  // false: the source's job was already running here
};

// Why a job did not start: the store's error (kNotFound for an unknown
// source, kConflict when another process runs a job of the source, kSecretKey
// when the stored secret cannot be decrypted) or kConflict while shutting down.
using StartResult = std::expected<StartedJob, catalog::StoreError>;

class JobRunner {
 public:
  JobRunner(catalog::CatalogStore& store, RunnerOptions options, Metrics& metrics);
  ~JobRunner();  // shutdown()

  // Starts an extraction of the source, or returns its running job. Returns
  // once the job record exists (disk I/O). `trigger` is recorded with the
  // job: "api" or "schedule". `concurrency` is the number of buckets listed
  // at once.
  StartResult start(const std::string& source_name, const std::string& trigger, int concurrency = 4);

  // Asks the job to stop. False when the job is not running in this process.
  bool cancel(std::int64_t job_id);

  // Live state of a job that runs in this process; nullopt otherwise.
  std::optional<LiveJob> live(std::int64_t job_id);

  // The id of the source's job running in this process, if any.
  std::optional<std::int64_t> running_job(const std::string& source_name);

  // Cancels every running job, waits for each to record its result, and
  // refuses new jobs. Idempotent.
  void shutdown();

 private:
  struct Entry {
    std::string source;
    std::int64_t job_id = 0;
    std::unique_ptr<extract::Extraction> extraction;
    std::thread thread;
    std::atomic<bool> done{false};
    std::atomic<bool> cancel_requested{false};
    std::optional<catalog::StoreError> start_error;  // set by the thread when run() could not start a job
  };

  // Runs on the job's thread.
  void run(Entry& entry, std::string trigger);
  // Waits until the entry's job record exists or its thread ended. Needs
  // `lock` on mutex_.
  void wait_for_job_id(std::unique_lock<std::mutex>& lock, Entry& entry);
  // Joins and removes the entries whose job has ended. Needs mutex_.
  void reap_locked();

  catalog::CatalogStore& store_;
  RunnerOptions options_;
  Metrics& metrics_;

  std::mutex mutex_;
  std::condition_variable changed_;       // an entry got its job id or ended
  // Shared, so a caller waiting for an entry keeps it alive when another
  // call reaps it. An entry is removed only after its thread is joined.
  std::vector<std::shared_ptr<Entry>> entries_;  // guarded by mutex_
  bool stopping_ = false;                         // guarded by mutex_
};

}  // namespace s3cat::server
