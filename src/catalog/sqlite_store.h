// The SQLite implementation of CatalogStore.
//
// Thread-safety: all writes go through one connection guarded by a mutex, so
// write methods from several threads run one after another, each in its own
// IMMEDIATE transaction. Reads take a connection from a pool of read-only
// connections and do not wait for write transactions, because WAL mode gives
// each read a snapshot of the latest commit. A for_each_file callback may
// call other read or write methods of the same store.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/secret_box.h"
#include "catalog/sqlite_helpers.h"
#include "catalog/store.h"
#include "catalog/timestamp.h"

namespace s3cat::catalog::sqlite {

// Read connections to one database, reused across calls. Thread-safe.
class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  // A connection on loan; it returns to the pool when destroyed.
  class Lease {
   public:
    Lease(ReaderPool& pool, Connection connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return connection_; }
    Connection* operator->() { return &connection_; }

   private:
    ReaderPool* pool_;
    Connection connection_;
  };

  StoreResult<Lease> acquire();

 private:
  void release(Connection connection);

  std::string path_;
  std::mutex mutex_;
  std::vector<Connection> idle_;  // guarded by mutex_
};

// Key state for sealing and opening secrets, fixed when the store opens.
struct SecretKeyState {
  std::optional<SecretBox> box;  // set when the key is usable
  StoreError unavailable;        // why it is not usable, when box is empty
};

class SqliteStore final : public CatalogStore {
 public:
  static StoreResult<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);

  StoreResult<Source> create_source(const Source& source) override;
  StoreResult<Source> update_source(const Source& source) override;
  StoreResult<Source> get_source(const std::string& name) override;
  StoreResult<Source> get_source_without_secrets(const std::string& name) override;
  StoreResult<std::vector<Source>> list_sources() override;
  StoreResult<void> remove_source(const std::string& name) override;

  using CatalogStore::start_job;
  StoreResult<std::int64_t> start_job(std::int64_t source_id, const std::string& trigger) override;
  StoreResult<void> append_job_log(std::int64_t job_id, const std::string& level,
                                   const std::string& message) override;
  StoreResult<void> finish_job(const Job& job) override;
  StoreResult<Job> get_job(std::int64_t job_id) override;
  StoreResult<std::vector<Job>> list_jobs(std::int64_t source_id) override;
  StoreResult<std::vector<std::string>> job_log(std::int64_t job_id) override;

  StoreResult<void> record_bucket(std::int64_t source_id, std::int64_t job_id, const BucketEntry& bucket) override;
  StoreResult<WriteCounts> write_objects(std::int64_t source_id, std::int64_t job_id, const std::string& bucket,
                                         std::span<const ObjectRecord> objects) override;
  StoreResult<std::uint64_t> complete_bucket(std::int64_t source_id, std::int64_t job_id,
                                             const BucketResult& result) override;
  StoreResult<std::uint64_t> retire_unvisited_buckets(std::int64_t source_id, std::int64_t job_id) override;

  StoreResult<void> for_each_file(std::int64_t source_id, const std::string& path_prefix,
                                  const std::function<void(const FileEntry&)>& visit) override;
  StoreResult<std::optional<FileEntry>> get_file(std::int64_t source_id, const ItemRef& item) override;
  StoreResult<std::optional<FolderEntry>> get_folder(std::int64_t source_id, const ItemRef& item) override;
  StoreResult<std::optional<BucketEntry>> get_bucket(std::int64_t source_id, const std::string& bucket) override;
  StoreResult<std::vector<BucketEntry>> list_buckets(std::int64_t source_id) override;
  StoreResult<std::vector<FolderEntry>> list_folders(std::int64_t source_id, const std::string& bucket,
                                                     const std::string& parent) override;
  StoreResult<std::uint64_t> count_files(std::int64_t source_id) override;

  StoreResult<std::optional<Annotation>> get_annotation(std::int64_t source_id, const ItemRef& item) override;
  StoreResult<void> put_annotation(std::int64_t source_id, const ItemRef& item,
                                   const Annotation& annotation) override;

  StoreResult<void> visit_files(std::int64_t source_id, const FileScan& scan,
                                const std::function<bool(const FileEntry&)>& visit) override;
  StoreResult<FilePage> list_folder_files(std::int64_t source_id, const FolderFilesQuery& query) override;
  StoreResult<AnnotatedPage> list_annotated(std::int64_t source_id, const AnnotatedQuery& query) override;
  StoreResult<SearchPage> search(const SearchQuery& query) override;
  StoreResult<std::vector<TagCount>> list_tags(std::optional<std::int64_t> source_id) override;
  StoreResult<JobPage> list_jobs_page(std::int64_t source_id, std::size_t limit, std::size_t offset) override;
  StoreResult<std::vector<std::int64_t>> interrupt_abandoned_jobs(bool include_this_process) override;

 private:
  SqliteStore(const SqliteOptions& options, Connection writer);

  std::string now() const;

  // Secrets (sqlite_secrets.cc).
  StoreResult<void> load_secret_key();
  StoreResult<std::optional<std::string>> seal_secret(const std::string& plain) const;
  StoreResult<std::string> open_secret(const std::string& source_name, const char* field,
                                       const std::string& sealed) const;

  // Sources (sqlite_sources.cc).
  StoreResult<Source> read_source(Connection& connection, const std::string& name, bool decrypt);
  StoreResult<Source> write_source(const Source& source, bool create);
  StoreResult<Source> source_from_row(const Statement& row, bool decrypt) const;

  // Jobs (sqlite_jobs.cc).
  StoreResult<void> interrupt_dead_jobs(std::int64_t source_id);
  StoreResult<std::optional<Job>> read_job(Connection& connection, std::int64_t job_id);

  // Sync (sqlite_sync.cc, sqlite_rollups.cc).
  StoreResult<void> touch_bucket(std::int64_t source_id, std::int64_t job_id, const std::string& bucket);
  // A statement of the write path, prepared on writer_ the first time its
  // SQL is used. Callers hold write_mutex_ and reset() it when done.
  StoreResult<Statement*> writer_statement(const std::string& sql);
  StoreResult<void> rebuild_rollups(std::int64_t source_id, const std::string& bucket);

  SqliteOptions options_;
  WallClock clock_;
  SecretKeyState secrets_;  // written only by open()

  std::mutex write_mutex_;
  Connection writer_;  // guarded by write_mutex_
  // writer_statement's statements by SQL text; guarded by write_mutex_.
  // Declared after writer_, so they are finalized before it closes.
  std::unordered_map<std::string, Statement> writer_statements_;
  ReaderPool readers_;
};

// Checks the source id exists; kNotFound naming it when it does not.
StoreResult<void> require_source(Connection& connection, std::int64_t source_id);

}  // namespace s3cat::catalog::sqlite
