// CatalogStore: the persistence interface of the catalog. The SQLite
// implementation is the embedded default; a PostgreSQL one will satisfy the
// same interface and conformance tests. Every method does disk (or database)
// I/O. Implementations are safe to call from several threads at once; each
// write method is one transaction, so readers never see half of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/queries.h"
#include "catalog/types.h"

namespace s3cat::catalog {

enum class StoreErrorKind {
  kNotFound,       // no such source, job or item
  kAlreadyExists,  // a source with that name exists
  kConflict,       // a job is already running for the source
  kInvalid,        // the value breaks a rule (bad name, bad filter)
  kIo,             // the database failed
  kSecretKey,      // the secret key file is missing, unreadable or does not decrypt the stored secrets
};

struct StoreError {
  StoreErrorKind kind = StoreErrorKind::kIo;
  std::string message;  // names the value and the fix; never a secret
};

template <typename T>
using StoreResult = std::expected<T, StoreError>;

struct WriteCounts {
  std::uint64_t added = 0;    // objects not present before (new, or returning)
  std::uint64_t updated = 0;  // present objects whose size, ETag or modification time changed
  // Files this job had not written before: a server that repeats a page
  // (a looping continuation token) does not inflate the job's file count.
  std::uint64_t first_seen_by_job = 0;
  // Folder markers count in none of these, because they are not files.
};

class CatalogStore {
 public:
  virtual ~CatalogStore() = default;

  // --- Sources. Secrets are encrypted before they are written. ---
  virtual StoreResult<Source> create_source(const Source& source) = 0;
  virtual StoreResult<Source> update_source(const Source& source) = 0;  // by name
  virtual StoreResult<Source> get_source(const std::string& name) = 0;  // secrets decrypted
  // The source with secret_access_key and session_token left empty. The
  // SQLite store reads it without the secret key, so it works when the key
  // file is lost (to show the source, or to clear its credentials). Passing
  // the result to update_source erases the stored secrets. kNotFound for an
  // unknown name.
  virtual StoreResult<Source> get_source_without_secrets(const std::string& name) {
    auto source = get_source(name);
    if (source) {
      source->secret_access_key.clear();
      source->session_token.clear();
    }
    return source;
  }
  virtual StoreResult<std::vector<Source>> list_sources() = 0;
  // Removes the source with its buckets, files, annotations and jobs.
  virtual StoreResult<void> remove_source(const std::string& name) = 0;

  // --- Jobs. ---
  // Creates a running job. kConflict when the source already has a running job
  // whose owning process is still alive; a running job whose process died is
  // marked interrupted first.
  virtual StoreResult<std::int64_t> start_job(std::int64_t source_id) { return start_job(source_id, ""); }
  // Same, recording who started the job ("api", "schedule"; "" for the CLI)
  // in the same transaction, so no reader sees the job without its trigger.
  virtual StoreResult<std::int64_t> start_job(std::int64_t source_id, const std::string& trigger) = 0;
  virtual StoreResult<void> append_job_log(std::int64_t job_id, const std::string& level,
                                           const std::string& message) = 0;
  // Records the final state and result of the job. An empty finished_at
  // takes the current time; kInvalid for status running.
  virtual StoreResult<void> finish_job(const Job& job) = 0;
  virtual StoreResult<Job> get_job(std::int64_t job_id) = 0;
  virtual StoreResult<std::vector<Job>> list_jobs(std::int64_t source_id) = 0;  // newest first
  // The job's log lines in order, each as "TIME LEVEL MESSAGE".
  virtual StoreResult<std::vector<std::string>> job_log(std::int64_t job_id) = 0;

  // --- Sync writes. ---
  // Records the bucket as seen by the job (name, creation date, region).
  virtual StoreResult<void> record_bucket(std::int64_t source_id, std::int64_t job_id,
                                          const BucketEntry& bucket) = 0;
  // Upserts a batch of listed objects (files and folder markers) of one bucket
  // in one transaction and marks them seen by the job. Objects listed twice in
  // one job are stored once and counted once. Folder roll-ups follow only at
  // complete_bucket. kInvalid for an empty key or a record of another bucket.
  virtual StoreResult<WriteCounts> write_objects(std::int64_t source_id, std::int64_t job_id,
                                                 const std::string& bucket,
                                                 std::span<const ObjectRecord> objects) = 0;
  // Ends a bucket's part of the job in one transaction. For status "synced":
  // objects of the bucket the job did not see are no longer present, stale
  // marks are cleared, and the folder roll-ups are rebuilt. For "skipped" or
  // "failed": nothing is removed, present objects are marked stale, and
  // roll-ups are rebuilt to include what the job did write. Returns the number
  // of files that stopped being present.
  virtual StoreResult<std::uint64_t> complete_bucket(std::int64_t source_id, std::int64_t job_id,
                                                     const BucketResult& result) = 0;
  // After a job that did not fail: buckets the job neither synced, skipped nor
  // failed (deleted, or outside the filters now) stop being present with their
  // files. Returns the number of files that stopped being present.
  virtual StoreResult<std::uint64_t> retire_unvisited_buckets(std::int64_t source_id,
                                                              std::int64_t job_id) = 0;

  // --- Reads. ---
  // Calls `visit` for each present file, in path order ("/bucket/key" as
  // bytes), optionally only for paths starting with `path_prefix`. Streams;
  // memory does not grow with the number of files. The prefix is a plain
  // string prefix: "/logs" also selects bucket "logs2", "/logs/" does not.
  // kInvalid when a non-empty prefix does not start with '/'.
  virtual StoreResult<void> for_each_file(std::int64_t source_id, const std::string& path_prefix,
                                          const std::function<void(const FileEntry&)>& visit) = 0;
  // The file, also after it stopped being present (check `present`);
  // nullopt when the catalog never had it. Folder markers are not files.
  virtual StoreResult<std::optional<FileEntry>> get_file(std::int64_t source_id, const ItemRef& item) = 0;
  // The folder ("x/") as of its bucket's latest completion, while it has
  // present files below it or a present marker; nullopt otherwise.
  virtual StoreResult<std::optional<FolderEntry>> get_folder(std::int64_t source_id, const ItemRef& item) = 0;
  // The bucket, also after it stopped being present (check `present`).
  virtual StoreResult<std::optional<BucketEntry>> get_bucket(std::int64_t source_id,
                                                             const std::string& bucket) = 0;
  // Every bucket the source ever had, present or not, in path order.
  virtual StoreResult<std::vector<BucketEntry>> list_buckets(std::int64_t source_id) = 0;
  // Folders whose parent is `parent` ("" for the bucket's top level).
  virtual StoreResult<std::vector<FolderEntry>> list_folders(std::int64_t source_id, const std::string& bucket,
                                                             const std::string& parent) = 0;
  // Number of present files of the source, as of each bucket's latest
  // completion: files that a running job has written but whose bucket it has
  // not completed yet are not counted, and its removals not yet subtracted.
  virtual StoreResult<std::uint64_t> count_files(std::int64_t source_id) = 0;

  // --- Annotations, keyed by (source, bucket, key) and kept when the item
  // leaves the catalog. ---
  virtual StoreResult<std::optional<Annotation>> get_annotation(std::int64_t source_id, const ItemRef& item) = 0;
  // Replaces the annotation; updated_by and updated_at are recorded as given
  // (an empty updated_at takes the current time). The item need not exist.
  virtual StoreResult<void> put_annotation(std::int64_t source_id, const ItemRef& item,
                                           const Annotation& annotation) = 0;

  // --- Browse, search and job upkeep for the server. ---
  // Calls `visit` for each file the scan selects, in path order, until it
  // returns false. Streams like for_each_file; kInvalid for a prefix that
  // does not start with '/'.
  virtual StoreResult<void> visit_files(std::int64_t source_id, const FileScan& scan,
                                        const std::function<bool(const FileEntry&)>& visit) = 0;
  // One page of the present files directly in a bucket or folder, sorted as
  // asked. kInvalid for a folder that does not end in '/'.
  virtual StoreResult<FilePage> list_folder_files(std::int64_t source_id, const FolderFilesQuery& query) = 0;
  // Annotated items of the source, in path order, with whether each item is
  // in the catalog now.
  virtual StoreResult<AnnotatedPage> list_annotated(std::int64_t source_id, const AnnotatedQuery& query) = 0;
  // Present items matching every criterion given; see SearchQuery. Hits
  // without text are in order of source and path; with text, best match first.
  virtual StoreResult<SearchPage> search(const SearchQuery& query) = 0;
  // The tags used in annotations, of one source or of all, by tag (bytes
  // order), with how many annotations use each.
  virtual StoreResult<std::vector<TagCount>> list_tags(std::optional<std::int64_t> source_id) = 0;
  // One page of the source's jobs, newest first.
  virtual StoreResult<JobPage> list_jobs_page(std::int64_t source_id, std::size_t limit, std::size_t offset) = 0;
  // Marks interrupted every running job of any source whose owning process
  // on this host no longer exists, and returns their ids. With
  // `include_this_process`, jobs recorded with this process's id count as
  // abandoned too: call it so only before this process starts any job, to
  // catch a crashed predecessor that had the same process id.
  virtual StoreResult<std::vector<std::int64_t>> interrupt_abandoned_jobs(bool include_this_process) = 0;
};

struct SqliteOptions {
  std::string path;             // database file; created with its schema on first use
  std::string secret_key_file;  // 32-byte key for secrets; created (mode 0600) when missing
  // The key itself as base64 of 32 bytes (S3CATALOG_SECRET_KEY); when set,
  // it replaces secret_key_file, which is then neither read nor created.
  std::string secret_key_base64;
  // Time source for first_seen, last_seen, job times and the like; empty
  // means the system clock. Tests inject a fixed or stepping clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Opens (creating or migrating) a SQLite catalog in WAL mode. Writes go
// through one connection under a mutex, so concurrent write calls run one
// after another; reads use pooled connections and see the latest commit. A
// lost or wrong key file does not stop the catalog from opening: only calls
// that encrypt or decrypt a secret then fail with kSecretKey.
StoreResult<std::unique_ptr<CatalogStore>> open_sqlite_store(const SqliteOptions& options);

}  // namespace s3cat::catalog
