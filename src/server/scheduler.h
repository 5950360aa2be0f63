// Starts scheduled extractions: every `tick`, each source with a schedule
// whose newest job started at least its interval ago (or that never had a
// job) gets a job, unless one is running. One background thread.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "catalog/store.h"
#include "server/job_runner.h"

namespace s3cat::server {

struct SchedulerOptions {
  std::chrono::milliseconds tick{std::chrono::seconds(5)};
  // Time source for comparing with job start times; empty means the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class Scheduler {
 public:
  Scheduler(catalog::CatalogStore& store, JobRunner& runner, SchedulerOptions options);
  ~Scheduler();  // stop()

  void start();
  // Stops the thread and waits for it; a job it started keeps running.
  void stop();

  // Starts the jobs that are due now; what one tick does. Disk I/O.
  void run_due_jobs();

 private:
  void loop();

  catalog::CatalogStore& store_;
  JobRunner& runner_;
  SchedulerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  // The latest errors, to log each once; used by run_due_jobs only, on one
  // thread at a time.
  std::string last_error_;
  std::map<std::string, std::string> last_start_error_;  // by source name
  std::thread thread_;
};

}  // namespace s3cat::server
