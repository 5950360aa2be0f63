#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::StoreTest;

using SqliteStoreJobs = StoreTest;

Job full_result(std::int64_t job_id) {
  Job job;
  job.id = job_id;
  job.status = JobStatus::kSucceededWithWarnings;
  job.finished_at = "2024-05-01T00:10:00Z";
  job.buckets = {BucketResult{.name = "logs", .status = "synced", .files = 12},
                 BucketResult{.name = "secret",
                              .status = "skipped",
                              .reason = "access_denied",
                              .category = "permissions",
                              .message = "Access Denied",
                              .hint = "grant s3:ListBucket"}};
  job.files_synced = 12;
  job.files_added = 3;
  job.files_updated = 2;
  job.files_removed = 1;
  job.warnings = {"bucket secret skipped: access denied", "filter /gone names a bucket that was not seen"};
  job.summary = "synced 12 files from 1 bucket; 1 bucket skipped";
  return job;
}

TEST_F(SqliteStoreJobs, StartFinishAndReadBack) {
  const std::int64_t source_id = add_source("demo");
  const std::int64_t job_id = start_job(source_id);

  auto running = store_->get_job(job_id);
  ASSERT_TRUE(running.has_value()) << running.error().message;
  EXPECT_EQ(running->status, JobStatus::kRunning);
  EXPECT_EQ(running->source, "demo");
  EXPECT_EQ(running->started_at, "2024-05-01T00:00:00Z");

  ASSERT_TRUE(store_->finish_job(full_result(job_id)).has_value());
  auto job = store_->get_job(job_id);
  ASSERT_TRUE(job.has_value()) << job.error().message;
  const Job expected = full_result(job_id);
  EXPECT_EQ(job->id, job_id);
  EXPECT_EQ(job->source, "demo");
  EXPECT_EQ(job->status, JobStatus::kSucceededWithWarnings);
  EXPECT_EQ(job->started_at, "2024-05-01T00:00:00Z");
  EXPECT_EQ(job->finished_at, "2024-05-01T00:10:00Z");
  EXPECT_FALSE(job->error.has_value());
  ASSERT_EQ(job->buckets.size(), 2u);
  EXPECT_EQ(job->buckets[0].name, "logs");
  EXPECT_EQ(job->buckets[0].files, 12u);
  EXPECT_EQ(job->buckets[1].reason, "access_denied");
  EXPECT_EQ(job->buckets[1].category, "permissions");
  EXPECT_EQ(job->buckets[1].message, "Access Denied");
  EXPECT_EQ(job->buckets[1].hint, "grant s3:ListBucket");
  EXPECT_EQ(job->files_synced, 12u);
  EXPECT_EQ(job->files_added, 3u);
  EXPECT_EQ(job->files_updated, 2u);
  EXPECT_EQ(job->files_removed, 1u);
  EXPECT_EQ(job->warnings, expected.warnings);
  EXPECT_EQ(job->summary, expected.summary);
}

TEST_F(SqliteStoreJobs, FailedJobKeepsError) {
  const std::int64_t source_id = add_source();
  const std::int64_t job_id = start_job(source_id);
  Job job;
  job.id = job_id;
  job.status = JobStatus::kFailed;
  job.error = JobError{"authentication", "InvalidAccessKeyId: unknown key", "re-enter the credentials"};
  ASSERT_TRUE(store_->finish_job(job).has_value());

  auto read = store_->get_job(job_id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->status, JobStatus::kFailed);
  ASSERT_TRUE(read->error.has_value());
  EXPECT_EQ(read->error->category, "authentication");
  EXPECT_EQ(read->error->message, "InvalidAccessKeyId: unknown key");
  EXPECT_EQ(read->error->hint, "re-enter the credentials");
  EXPECT_EQ(read->finished_at, "2024-05-01T00:00:00Z") << "an empty finished_at takes the current time";
}

TEST_F(SqliteStoreJobs, SecondStartConflicts) {
  const std::int64_t source_id = add_source("demo");
  const std::int64_t job_id = start_job(source_id);
  auto second = store_->start_job(source_id);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, StoreErrorKind::kConflict);
  EXPECT_NE(second.error().message.find(std::to_string(job_id)), std::string::npos) << second.error().message;

  // Another source is independent, and a finished job frees the source.
  const std::int64_t other = add_source("other");
  EXPECT_TRUE(store_->start_job(other).has_value());
  finish(job_id);
  EXPECT_TRUE(store_->start_job(source_id).has_value());
}

TEST_F(SqliteStoreJobs, DeadOwnerJobInterrupted) {
  const std::int64_t source_id = add_source("demo");

  // A child process starts a job and exits without finishing it.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = open_sqlite_store(options_);
    const bool started = store.has_value() && (*store)->start_job(source_id).has_value();
    _exit(started ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  auto orphan = store_->list_jobs(source_id);
  ASSERT_TRUE(orphan.has_value());
  ASSERT_EQ(orphan->size(), 1u);
  EXPECT_EQ((*orphan)[0].status, JobStatus::kRunning);
  const std::int64_t orphan_id = (*orphan)[0].id;

  advance_clock(30);
  const std::int64_t job_id = start_job(source_id);
  EXPECT_NE(job_id, orphan_id);
  auto interrupted = store_->get_job(orphan_id);
  ASSERT_TRUE(interrupted.has_value());
  EXPECT_EQ(interrupted->status, JobStatus::kInterrupted);
  EXPECT_EQ(interrupted->finished_at, "2024-05-01T00:00:30Z");
  ASSERT_TRUE(interrupted->error.has_value());
  EXPECT_NE(interrupted->error->message.find(std::to_string(child)), std::string::npos);
}

TEST_F(SqliteStoreJobs, ListNewestFirst) {
  const std::int64_t source_id = add_source();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(start_job(source_id));
    finish(ids.back());
  }
  auto jobs = store_->list_jobs(source_id);
  ASSERT_TRUE(jobs.has_value());
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].id, ids[2]);
  EXPECT_EQ((*jobs)[2].id, ids[0]);
  EXPECT_EQ((*jobs)[0].status, JobStatus::kSucceeded);
}

TEST_F(SqliteStoreJobs, LogKeepsOrder) {
  const std::int64_t source_id = add_source();
  const std::int64_t job_id = start_job(source_id);
  ASSERT_TRUE(store_->append_job_log(job_id, "info", "listing bucket logs").has_value());
  advance_clock(1);
  ASSERT_TRUE(store_->append_job_log(job_id, "warn", "bucket secret skipped").has_value());

  auto log = store_->job_log(job_id);
  ASSERT_TRUE(log.has_value()) << log.error().message;
  EXPECT_EQ(*log, (std::vector<std::string>{"2024-05-01T00:00:00Z info listing bucket logs",
                                            "2024-05-01T00:00:01Z warn bucket secret skipped"}));
}

TEST_F(SqliteStoreJobs, UnknownJobNotFound) {
  EXPECT_EQ(store_->get_job(42).error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->job_log(42).error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->append_job_log(42, "info", "x").error().kind, StoreErrorKind::kNotFound);
  Job job;
  job.id = 42;
  job.status = JobStatus::kSucceeded;
  EXPECT_EQ(store_->finish_job(job).error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->start_job(42).error().kind, StoreErrorKind::kNotFound);
}

TEST_F(SqliteStoreJobs, FinishRejectsRunningStatus) {
  const std::int64_t source_id = add_source();
  Job job;
  job.id = start_job(source_id);
  job.status = JobStatus::kRunning;
  EXPECT_EQ(store_->finish_job(job).error().kind, StoreErrorKind::kInvalid);
}

TEST(JobStatusNames, RoundTrip) {
  for (JobStatus status : {JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kSucceededWithWarnings,
                           JobStatus::kFailed, JobStatus::kCancelled, JobStatus::kInterrupted}) {
    EXPECT_EQ(job_status_from_string(to_string(status)), status);
  }
  EXPECT_STREQ(to_string(JobStatus::kSucceededWithWarnings), "succeeded_with_warnings");
  EXPECT_EQ(job_status_from_string("bogus"), std::nullopt);
}

}  // namespace
}  // namespace s3cat::catalog
