// Job lifecycle of the SQLite store: start with an owner check, log, finish.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "catalog/job_json.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

constexpr const char* kJobColumns =
    "jobs.id, sources.name, jobs.status, jobs.started_at, jobs.finished_at, jobs.result, jobs.trigger "
    "FROM jobs JOIN sources ON sources.id = jobs.source_id";

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// True unless the process certainly does not exist. EPERM means it exists
// under another user.
bool process_alive(std::int64_t pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

StoreError job_not_found(std::int64_t job_id) {
  return {StoreErrorKind::kNotFound,
          fmt::format("no job with id {}; list the jobs with: s3catalog jobs SOURCE", job_id)};
}

StoreResult<Job> job_from_row(const Statement& row) {
  Job job;
  const std::string result = row.column_text(5);
  if (!row.column_is_null(5) && !job_result_from_json(result, job)) {
    return std::unexpected(StoreError{StoreErrorKind::kIo,
                                      fmt::format("the stored result of job {} is malformed", row.column_int(0))});
  }
  // The columns are authoritative over the copy inside the result.
  job.id = row.column_int(0);
  job.source = row.column_text(1);
  job.status = job_status_from_string(row.column_text(2)).value_or(JobStatus::kInterrupted);
  job.started_at = row.column_text(3);
  job.finished_at = row.column_text(4);
  job.trigger = row.column_text(6);
  return job;
}

StoreResult<bool> job_exists(Connection& connection, std::int64_t job_id) {
  auto statement = connection.prepare("SELECT 1 FROM jobs WHERE id = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, job_id);
  return statement->step();
}

StoreResult<void> store_result(Connection& connection, const Job& job) {
  auto statement = connection.prepare("UPDATE jobs SET status = ?, finished_at = ?, result = ? WHERE id = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, to_string(job.status)).bind(2, job.finished_at).bind(3, job_result_to_json(job)).bind(4, job.id);
  return statement->run();
}

}  // namespace

// Runs inside start_job's transaction. A job whose owner is alive, or runs on
// another host where its process cannot be checked, is a conflict.
StoreResult<void> SqliteStore::interrupt_dead_jobs(std::int64_t source_id) {
  auto statement = writer_.prepare(
      "SELECT jobs.id, jobs.owner_pid, jobs.owner_host, jobs.started_at, sources.name FROM jobs "
      "JOIN sources ON sources.id = jobs.source_id WHERE jobs.source_id = ? AND jobs.status = 'running'");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id);

  std::vector<Job> dead;
  const std::string this_host = host_name();
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;

    const std::int64_t job_id = statement->column_int(0);
    const std::int64_t pid = statement->column_int(1);
    const std::string host = statement->column_text(2);
    if (host != this_host || process_alive(pid)) {
      return std::unexpected(StoreError{
          StoreErrorKind::kConflict,
          fmt::format("source \"{}\" already has a running job {} (process {} on host {}); wait for it to finish "
                      "or cancel it",
                      statement->column_text(4), job_id, pid, host)});
    }

    Job job;
    job.id = job_id;
    job.status = JobStatus::kInterrupted;
    job.started_at = statement->column_text(3);
    job.finished_at = now();
    job.error = JobError{"internal",
                         fmt::format("the process running the job (process {} on host {}) ended before the job "
                                     "finished",
                                     pid, host),
                         "run the extraction again"};
    dead.push_back(std::move(job));
  }

  for (const Job& job : dead) {
    CATALOG_RETURN_IF_ERROR(store_result(writer_, job));
    spdlog::warn("job {} of source id {} was left running by a process that no longer exists; marked interrupted",
                 job.id, source_id);
  }
  return {};
}

StoreResult<std::int64_t> SqliteStore::start_job(std::int64_t source_id, const std::string& trigger) {
  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(writer_, source_id));
  CATALOG_RETURN_IF_ERROR(interrupt_dead_jobs(source_id));

  auto statement = writer_.prepare(
      "INSERT INTO jobs(source_id, status, started_at, owner_pid, owner_host, trigger) "
      "VALUES (?, 'running', ?, ?, ?, ?)");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, now()).bind(3, std::int64_t{::getpid()}).bind(4, host_name()).bind(5, trigger);
  CATALOG_RETURN_IF_ERROR(statement->run());
  const std::int64_t job_id = sqlite3_last_insert_rowid(writer_.handle());
  CATALOG_RETURN_IF_ERROR(transaction->commit());
  return job_id;
}

StoreResult<void> SqliteStore::append_job_log(std::int64_t job_id, const std::string& level,
                                              const std::string& message) {
  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  auto exists = job_exists(writer_, job_id);
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) return std::unexpected(job_not_found(job_id));

  auto statement = writer_.prepare(
      "INSERT INTO job_log(job_id, seq, time, level, message) "
      "SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4 FROM job_log WHERE job_id = ?1");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, job_id).bind(2, now()).bind(3, level).bind(4, message);
  CATALOG_RETURN_IF_ERROR(statement->run());
  return transaction->commit();
}

StoreResult<void> SqliteStore::finish_job(const Job& job) {
  if (job.status == JobStatus::kRunning) {
    return std::unexpected(StoreError{
        StoreErrorKind::kInvalid,
        fmt::format("cannot finish job {} with status running; give it its final status", job.id)});
  }
  Job finished = job;
  if (finished.finished_at.empty()) finished.finished_at = now();

  std::lock_guard lock(write_mutex_);
  CATALOG_RETURN_IF_ERROR(store_result(writer_, finished));
  if (writer_.changes() == 0) return std::unexpected(job_not_found(job.id));
  return {};
}

StoreResult<std::optional<Job>> SqliteStore::read_job(Connection& connection, std::int64_t job_id) {
  auto statement = connection.prepare(fmt::format("SELECT {} WHERE jobs.id = ?", kJobColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, job_id);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Job>();
  auto job = job_from_row(*statement);
  if (!job) return std::unexpected(job.error());
  return std::optional<Job>(std::move(*job));
}

StoreResult<Job> SqliteStore::get_job(std::int64_t job_id) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto job = read_job(**reader, job_id);
  if (!job) return std::unexpected(job.error());
  if (!*job) return std::unexpected(job_not_found(job_id));
  return std::move(**job);
}

StoreResult<std::vector<Job>> SqliteStore::list_jobs(std::int64_t source_id) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto statement =
      (*reader)->prepare(fmt::format("SELECT {} WHERE jobs.source_id = ? ORDER BY jobs.id DESC", kJobColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id);

  std::vector<Job> jobs;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto job = job_from_row(*statement);
    if (!job) return std::unexpected(job.error());
    jobs.push_back(std::move(*job));
  }
  return jobs;
}

StoreResult<std::vector<std::string>> SqliteStore::job_log(std::int64_t job_id) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto transaction = Transaction::begin(**reader, Transaction::Mode::kDeferred);
  if (!transaction) return std::unexpected(transaction.error());
  auto exists = job_exists(**reader, job_id);
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) return std::unexpected(job_not_found(job_id));

  auto statement = (*reader)->prepare("SELECT time, level, message FROM job_log WHERE job_id = ? ORDER BY seq");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, job_id);
  std::vector<std::string> lines;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    lines.push_back(fmt::format("{} {} {}", statement->column_text(0), statement->column_text(1),
                                statement->column_text(2)));
  }
  return lines;
}

StoreResult<JobPage> SqliteStore::list_jobs_page(std::int64_t source_id, std::size_t limit, std::size_t offset) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto transaction = Transaction::begin(**reader, Transaction::Mode::kDeferred);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));

  JobPage page;
  auto count = (*reader)->prepare("SELECT count(*) FROM jobs WHERE source_id = ?");
  if (!count) return std::unexpected(count.error());
  count->bind(1, source_id);
  if (auto row = count->step(); !row) return std::unexpected(row.error());
  page.total = static_cast<std::uint64_t>(count->column_int(0));

  auto statement = (*reader)->prepare(
      fmt::format("SELECT {} WHERE jobs.source_id = ? ORDER BY jobs.id DESC LIMIT ? OFFSET ?", kJobColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, static_cast<std::int64_t>(limit)).bind(3, static_cast<std::int64_t>(offset));
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto job = job_from_row(*statement);
    if (!job) return std::unexpected(job.error());
    page.jobs.push_back(std::move(*job));
  }
  return page;
}

StoreResult<std::vector<std::int64_t>> SqliteStore::interrupt_abandoned_jobs(bool include_this_process) {
  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  auto statement = writer_.prepare(
      "SELECT id, source_id, owner_pid, owner_host, started_at FROM jobs WHERE status = 'running' ORDER BY id");
  if (!statement) return std::unexpected(statement.error());

  std::vector<Job> abandoned;
  const std::string this_host = host_name();
  const std::int64_t this_pid = ::getpid();
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    const std::int64_t pid = statement->column_int(2);
    const std::string host = statement->column_text(3);
    // A job of another host cannot be checked from here, so it keeps running.
    if (host != this_host) continue;
    const bool own = pid == this_pid;
    if (own ? !include_this_process : process_alive(pid)) continue;

    Job job;
    job.id = statement->column_int(0);
    job.status = JobStatus::kInterrupted;
    job.started_at = statement->column_text(4);
    job.finished_at = now();
    job.error = JobError{"internal",
                         fmt::format("the process running the job (process {} on host {}) ended before the job "
                                     "finished",
                                     pid, host),
                         "run the extraction again"};
    abandoned.push_back(std::move(job));
  }

  std::vector<std::int64_t> ids;
  for (const Job& job : abandoned) {
    CATALOG_RETURN_IF_ERROR(store_result(writer_, job));
    ids.push_back(job.id);
    spdlog::warn("job {} was left running by a process that no longer exists; marked interrupted", job.id);
  }
  CATALOG_RETURN_IF_ERROR(transaction->commit());
  return ids;
}

}  // namespace s3cat::catalog::sqlite
