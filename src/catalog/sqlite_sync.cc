// Sync writes of the SQLite store: buckets and objects seen by a job, and the
// reconciliation that ends each bucket and each job.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "catalog/quoting.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

StoreError invalid(std::string message) { return {StoreErrorKind::kInvalid, std::move(message)}; }

StoreResult<void> validate_objects(const std::string& bucket, std::span<const ObjectRecord> objects) {
  if (bucket.empty()) return std::unexpected(invalid("cannot write objects without a bucket name"));
  for (const ObjectRecord& object : objects) {
    if (object.key.empty()) {
      return std::unexpected(invalid(fmt::format("object in bucket {} has an empty key", quote_for_message(bucket))));
    }
    if (!object.bucket.empty() && object.bucket != bucket) {
      return std::unexpected(invalid(fmt::format("object {} names bucket {} but is written to bucket {}",
                                                 quote_for_message(object.key), quote_for_message(object.bucket),
                                                 quote_for_message(bucket))));
    }
  }
  return {};
}

// What write_objects needs to know of an object's stored row, compared with
// the object being written while the row is read, so no column is copied.
struct StoredState {
  bool present = false;
  bool same_listing = false;  // every listed field equals the stored one
  bool changed = false;       // size, ETag or modification time differ
  std::int64_t last_seen_job = 0;
};

// The write path's statements. In each, ?1 is the source id and ?2 the
// bucket. In the INSERT and UPDATEs, ?10 is the time and ?11 the job (?4
// and ?5 in the touch). A write_objects call binds these once for all objects.
constexpr const char* kSelectState =
    "SELECT present, size, etag, last_modified, storage_class, checksum_algorithm, last_seen_job "
    "FROM objects WHERE source_id = ?1 AND bucket = ?2 AND key = ?3";
constexpr const char* kSelectStateRange =
    "SELECT key, present, size, etag, last_modified, storage_class, checksum_algorithm, last_seen_job "
    "FROM objects WHERE source_id = ?1 AND bucket = ?2 AND key >= ?3 AND key <= ?4 ORDER BY key";
constexpr const char* kInsertObject =
    "INSERT INTO objects(source_id, bucket, key, size, last_modified, etag, storage_class, checksum_algorithm, "
    "is_marker, present, stale, first_seen, last_seen, last_seen_job) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, 0, ?10, ?10, ?11)";
constexpr const char* kUpdateObject =
    "UPDATE objects SET size = ?4, last_modified = ?5, etag = ?6, storage_class = ?7, checksum_algorithm = ?8, "
    "is_marker = ?9, present = 1, stale = 0, last_seen = ?10, last_seen_job = ?11 "
    "WHERE source_id = ?1 AND bucket = ?2 AND key = ?3";
// An object whose listed fields match the stored ones gets only the job's mark.
constexpr const char* kTouchObject =
    "UPDATE objects SET present = 1, stale = 0, last_seen = ?4, last_seen_job = ?5 "
    "WHERE source_id = ?1 AND bucket = ?2 AND key = ?3";
// The same mark for every stored row from the page's first key (?3) to its
// last (?6): one range walk instead of a B-tree descent per object.
constexpr const char* kTouchRange =
    "UPDATE objects SET present = 1, stale = 0, last_seen = ?4, last_seen_job = ?5 "
    "WHERE source_id = ?1 AND bucket = ?2 AND key >= ?3 AND key <= ?6";

// The statements of one write_objects call, owned by the store's cache.
struct ObjectStatements {
  Statement* select = nullptr;
  Statement* select_range = nullptr;
  Statement* insert = nullptr;
  Statement* update = nullptr;
  Statement* touch = nullptr;
  Statement* touch_range = nullptr;
};

// Resets the statements when a write_objects call ends, which finishes
// their reads and drops the bindings that point into the call's objects.
class ResetWhenDone {
 public:
  explicit ResetWhenDone(const ObjectStatements& statements) : statements_(statements) {}
  ResetWhenDone(const ResetWhenDone&) = delete;
  ResetWhenDone& operator=(const ResetWhenDone&) = delete;
  ~ResetWhenDone() {
    for (Statement* statement : {statements_.select, statements_.select_range, statements_.insert,
                                 statements_.update, statements_.touch, statements_.touch_range}) {
      if (statement != nullptr) statement->reset();
    }
  }

 private:
  const ObjectStatements& statements_;
};

// Compares the state columns, starting at column `first`, with `object`.
StoredState compare_stored(const Statement& row, int first, const ObjectRecord& object) {
  StoredState state;
  state.present = row.column_int(first) != 0;
  const bool same_size = row.column_int(first + 1) == static_cast<std::int64_t>(object.size);
  const bool same_etag = row.column_view(first + 2) == object.etag;
  const bool same_time = row.column_view(first + 3) == object.last_modified;
  state.changed = !(same_size && same_etag && same_time);
  state.same_listing = !state.changed && row.column_view(first + 4) == object.storage_class &&
                       row.column_view(first + 5) == object.checksum_algorithm;
  state.last_seen_job = row.column_int(first + 6);
  return state;
}

// Runs the point lookup, whose source and bucket are bound already.
StoreResult<std::optional<StoredState>> read_stored_state(Statement& select, const ObjectRecord& object) {
  select.rewind();
  select.bind_static(3, object.key);
  auto row = select.step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<StoredState>();
  return std::optional<StoredState>(compare_stored(select, 0, object));
}

bool strictly_ascending(std::span<const ObjectRecord> objects) {
  for (std::size_t i = 1; i < objects.size(); ++i) {
    if (!(objects[i - 1].key < objects[i].key)) return false;
  }
  return true;
}

// The stored states of a batch, in batch order, and whether the range from
// its first to its last key contains a stored row that is not in the batch.
struct BatchStates {
  std::vector<std::optional<StoredState>> states;
  bool other_rows_in_range = false;
};

// The stored state of each object of the batch, in batch order. S3 sends a
// page in key order, so one range scan over the page's first to last key
// reads them all, merged by key (std::string compares bytes as unsigned,
// which is SQLite's BINARY order). A batch out of order or with a repeated
// key (a directory bucket, or a caller's own batch) takes one lookup per
// object as it is written instead, and gets no states here.
StoreResult<BatchStates> read_batch_states(Statement& select_range, std::int64_t source_id, const std::string& bucket,
                                           std::span<const ObjectRecord> objects) {
  BatchStates batch;
  if (objects.empty() || !strictly_ascending(objects)) return batch;
  std::vector<std::optional<StoredState>>& states = batch.states;
  states.resize(objects.size());

  select_range.reset();
  select_range.bind(1, source_id)
      .bind_static(2, bucket)
      .bind_static(3, objects.front().key)
      .bind_static(4, objects.back().key);
  std::size_t next = 0;
  while (true) {
    auto row = select_range.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    const std::string_view key = select_range.column_view(0);
    while (next < objects.size() && std::string_view(objects[next].key) < key) ++next;
    if (next == objects.size()) break;
    if (objects[next].key == key) {
      states[next] = compare_stored(select_range, 1, objects[next]);
    } else {
      batch.other_rows_in_range = true;  // stored, but not listed now: gone from the bucket
    }
  }
  select_range.reset();
  return batch;
}

// Whether one range UPDATE can mark the whole batch: every object is stored
// with the same listing, and no other stored row lies between them, which
// the range would mark as seen too. An unchanged re-sync takes this path.
bool touch_as_range(const BatchStates& batch) {
  if (batch.states.empty() || batch.other_rows_in_range) return false;
  return std::ranges::all_of(batch.states,
                             [](const std::optional<StoredState>& state) { return state && state->same_listing; });
}

// Binds the object's own parameters of the INSERT or UPDATE.
void bind_object(Statement& statement, const ObjectRecord& object) {
  statement.rewind();
  statement.bind_static(3, object.key)
      .bind(4, static_cast<std::int64_t>(object.size))
      .bind_static(5, object.last_modified)
      .bind_static(6, object.etag)
      .bind_static(7, object.storage_class)
      .bind_static(8, object.checksum_algorithm)
      .bind(9, std::int64_t{object.is_folder_marker()});
}

// Turns the writer's foreign key enforcement off for one write_objects
// call and back on when destroyed. With enforcement on, SQLite checks
// objects.source_id against sources on every inserted row. write_objects
// checks the source once per batch instead (require_source, in the same
// transaction), which is the same guarantee, and the ON DELETE CASCADE of a
// source runs in remove_source, with enforcement on. The PRAGMA does nothing
// inside a transaction, so the guard is made before BEGIN.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(Connection& connection) : connection_(connection) {
    static_cast<void>(connection_.exec("PRAGMA foreign_keys = OFF"));
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
  ~ForeignKeysOff() {
    if (auto restored = connection_.exec("PRAGMA foreign_keys = ON"); !restored) {
      spdlog::error("{}", restored.error().message);
    }
  }

 private:
  Connection& connection_;
};

// The clause that selects the buckets a job neither recorded nor completed.
constexpr const char* kUnvisitedBuckets =
    "SELECT name FROM buckets WHERE source_id = ?1 AND (last_seen_job IS NULL OR last_seen_job <> ?2)";

}  // namespace

StoreResult<Statement*> SqliteStore::writer_statement(const std::string& sql) {
  if (auto found = writer_statements_.find(sql); found != writer_statements_.end()) return &found->second;
  auto prepared = writer_.prepare(sql);
  if (!prepared) return std::unexpected(prepared.error());
  return &writer_statements_.emplace(sql, std::move(*prepared)).first->second;
}

StoreResult<void> SqliteStore::touch_bucket(std::int64_t source_id, std::int64_t job_id, const std::string& bucket) {
  auto statement = writer_statement(
      "INSERT INTO buckets(source_id, name, present, last_seen_job) VALUES (?, ?, 1, ?) "
      "ON CONFLICT(source_id, name) DO UPDATE SET present = 1, last_seen_job = excluded.last_seen_job");
  if (!statement) return std::unexpected(statement.error());
  (*statement)->reset();
  (*statement)->bind(1, source_id).bind_static(2, bucket).bind(3, job_id);
  auto status = (*statement)->run();
  (*statement)->reset();
  return status;
}

StoreResult<void> SqliteStore::record_bucket(std::int64_t source_id, std::int64_t job_id, const BucketEntry& bucket) {
  if (bucket.name.empty()) return std::unexpected(invalid("cannot record a bucket without a name"));

  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(writer_, source_id));

  auto statement = writer_.prepare(
      "INSERT INTO buckets(source_id, name, creation_date, region, present, last_seen_job) "
      "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT(source_id, name) DO UPDATE SET "
      "creation_date = excluded.creation_date, region = excluded.region, present = 1, "
      "last_seen_job = excluded.last_seen_job");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, bucket.name).bind(3, bucket.creation_date).bind(4, bucket.region).bind(5,
                                                                                                             job_id);
  CATALOG_RETURN_IF_ERROR(statement->run());
  return transaction->commit();
}

StoreResult<WriteCounts> SqliteStore::write_objects(std::int64_t source_id, std::int64_t job_id,
                                                    const std::string& bucket,
                                                    std::span<const ObjectRecord> objects) {
  CATALOG_RETURN_IF_ERROR(validate_objects(bucket, objects));

  std::lock_guard lock(write_mutex_);
  const ForeignKeysOff foreign_keys_off(writer_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(writer_, source_id));
  CATALOG_RETURN_IF_ERROR(touch_bucket(source_id, job_id, bucket));
  // The statements bind `time`, `bucket` and the objects' fields without
  // copying them, and ResetWhenDone drops those bindings before they go.
  const std::string time = now();
  ObjectStatements statements;
  const ResetWhenDone reset_when_done(statements);
  for (const auto& [slot, sql] : {std::pair{&statements.select, kSelectState},
                                  std::pair{&statements.select_range, kSelectStateRange},
                                  std::pair{&statements.insert, kInsertObject},
                                  std::pair{&statements.update, kUpdateObject},
                                  std::pair{&statements.touch, kTouchObject},
                                  std::pair{&statements.touch_range, kTouchRange}}) {
    auto statement = writer_statement(sql);
    if (!statement) return std::unexpected(statement.error());
    *slot = *statement;
  }
  statements.select->bind(1, source_id).bind_static(2, bucket);
  statements.insert->bind(1, source_id).bind_static(2, bucket).bind_static(10, time).bind(11, job_id);
  statements.update->bind(1, source_id).bind_static(2, bucket).bind_static(10, time).bind(11, job_id);
  statements.touch->bind(1, source_id).bind_static(2, bucket).bind_static(4, time).bind(5, job_id);

  auto batch = read_batch_states(*statements.select_range, source_id, bucket, objects);
  if (!batch) return std::unexpected(batch.error());
  std::vector<std::optional<StoredState>>* batch_states = &batch->states;
  const bool range_touch = touch_as_range(*batch);

  WriteCounts counts;
  for (std::size_t index = 0; index < objects.size(); ++index) {
    const ObjectRecord& object = objects[index];
    std::optional<StoredState> stored;
    if (!batch_states->empty()) {
      stored = std::move((*batch_states)[index]);
    } else {
      auto looked_up = read_stored_state(*statements.select, object);
      if (!looked_up) return std::unexpected(looked_up.error());
      stored = std::move(*looked_up);
    }

    // Folder markers are not files, so they are never counted. An object the
    // job has already written was counted then.
    const bool counts_as_file = !object.is_folder_marker();
    if (!stored) {
      if (counts_as_file) {
        ++counts.added;
        ++counts.first_seen_by_job;
      }
      bind_object(*statements.insert, object);
      CATALOG_RETURN_IF_ERROR(statements.insert->run());
      continue;
    }

    const StoredState& before = *stored;
    if (counts_as_file && before.last_seen_job != job_id) {
      ++counts.first_seen_by_job;
      if (!before.present) {
        ++counts.added;
      } else if (before.changed) {
        ++counts.updated;
      }
    }
    if (range_touch) continue;  // marked by one UPDATE after the loop
    if (before.same_listing) {
      statements.touch->rewind();
      statements.touch->bind_static(3, object.key);
      CATALOG_RETURN_IF_ERROR(statements.touch->run());
    } else {
      bind_object(*statements.update, object);
      CATALOG_RETURN_IF_ERROR(statements.update->run());
    }
  }

  if (range_touch) {
    statements.touch_range->bind(1, source_id)
        .bind_static(2, bucket)
        .bind_static(3, objects.front().key)
        .bind_static(4, time)
        .bind(5, job_id)
        .bind_static(6, objects.back().key);
    CATALOG_RETURN_IF_ERROR(statements.touch_range->run());
  }

  CATALOG_RETURN_IF_ERROR(transaction->commit());
  return counts;
}

StoreResult<std::uint64_t> SqliteStore::complete_bucket(std::int64_t source_id, std::int64_t job_id,
                                                        const BucketResult& result) {
  const bool synced = result.status == "synced";
  if (!synced && result.status != "skipped" && result.status != "failed") {
    return std::unexpected(invalid(fmt::format("invalid bucket status {} for bucket {}: use synced, skipped or failed",
                                               quote_for_message(result.status), quote_for_message(result.name))));
  }
  if (result.name.empty()) return std::unexpected(invalid("cannot complete a bucket without a name"));

  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(writer_, source_id));

  std::uint64_t removed = 0;
  if (synced) {
    // One pass over the bucket: objects the job did not see are gone (or
    // outside the filters now), and the bucket is current again. Stale
    // objects are always present (every write clears the mark, and it is
    // set only on present objects), so a returned row whose last job is not
    // this one was present before and is removed now.
    auto reconcile = writer_.prepare(
        "UPDATE objects SET present = CASE WHEN last_seen_job <> ?3 THEN 0 ELSE present END, stale = 0 "
        "WHERE source_id = ?1 AND bucket = ?2 AND ((present = 1 AND last_seen_job <> ?3) OR stale <> 0) "
        "RETURNING is_marker = 0 AND last_seen_job <> ?3");
    if (!reconcile) return std::unexpected(reconcile.error());
    reconcile->bind(1, source_id).bind(2, result.name).bind(3, job_id);
    while (true) {
      auto row = reconcile->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      if (reconcile->column_int(0) != 0) ++removed;
    }
  } else {
    // A skipped or failed bucket keeps what it had, with last_seen
    // unchanged, and its present objects are marked stale.
    auto stale = writer_.prepare(
        "UPDATE objects SET stale = 1 WHERE source_id = ? AND bucket = ? AND stale <> 1 AND present = 1");
    if (!stale) return std::unexpected(stale.error());
    stale->bind(1, source_id).bind(2, result.name);
    CATALOG_RETURN_IF_ERROR(stale->run());
  }

  // The bucket itself is stale only when it shows catalogued objects that may
  // be out of date: a bucket skipped before any of its objects were listed
  // has nothing stale to show.
  std::int64_t bucket_stale = 0;
  if (!synced) {
    auto holds = writer_.prepare(
        "SELECT EXISTS(SELECT 1 FROM objects WHERE source_id = ? AND bucket = ? AND present = 1)");
    if (!holds) return std::unexpected(holds.error());
    holds->bind(1, source_id).bind(2, result.name);
    auto row = holds->step();
    if (!row) return std::unexpected(row.error());
    bucket_stale = (*row && holds->column_int(0) != 0) ? 1 : 0;
  }

  auto bucket = writer_.prepare(
      "INSERT INTO buckets(source_id, name, present, stale, last_seen_job, last_status, last_reason, last_synced) "
      "VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(source_id, name) DO UPDATE SET present = 1, "
      "stale = excluded.stale, last_seen_job = excluded.last_seen_job, last_status = excluded.last_status, "
      "last_reason = excluded.last_reason, "
      "last_synced = CASE WHEN ?8 THEN excluded.last_synced ELSE buckets.last_synced END");
  if (!bucket) return std::unexpected(bucket.error());
  bucket->bind(1, source_id)
      .bind(2, result.name)
      .bind(3, bucket_stale)
      .bind(4, job_id)
      .bind(5, result.status)
      .bind(6, result.reason)
      .bind(7, synced ? now() : std::string())
      .bind(8, std::int64_t{synced});
  CATALOG_RETURN_IF_ERROR(bucket->run());

  CATALOG_RETURN_IF_ERROR(rebuild_rollups(source_id, result.name));
  CATALOG_RETURN_IF_ERROR(transaction->commit());
  spdlog::debug("job {}: bucket {} completed as {}; {} files no longer present", job_id,
                quote_for_message(result.name), result.status, removed);
  return removed;
}

StoreResult<std::uint64_t> SqliteStore::retire_unvisited_buckets(std::int64_t source_id, std::int64_t job_id) {
  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(writer_, source_id));

  auto objects = writer_.prepare(fmt::format(
      "UPDATE objects SET present = 0, stale = 0 WHERE source_id = ?1 AND present = 1 AND is_marker = ?3 "
      "AND bucket IN ({})",
      kUnvisitedBuckets));
  if (!objects) return std::unexpected(objects.error());
  objects->bind(1, source_id).bind(2, job_id).bind(3, std::int64_t{0});
  CATALOG_RETURN_IF_ERROR(objects->run());
  const std::uint64_t retired = writer_.changes();
  objects->reset();
  objects->bind(1, source_id).bind(2, job_id).bind(3, std::int64_t{1});
  CATALOG_RETURN_IF_ERROR(objects->run());

  auto folders = writer_.prepare(
      fmt::format("DELETE FROM folders WHERE source_id = ?1 AND bucket IN ({})", kUnvisitedBuckets));
  if (!folders) return std::unexpected(folders.error());
  folders->bind(1, source_id).bind(2, job_id);
  CATALOG_RETURN_IF_ERROR(folders->run());

  auto buckets = writer_.prepare(
      "UPDATE buckets SET present = 0, stale = 0, file_count = 0, total_bytes = 0, newest_modified = '', "
      "direct_file_count = 0 "
      "WHERE source_id = ?1 AND present = 1 AND (last_seen_job IS NULL OR last_seen_job <> ?2)");
  if (!buckets) return std::unexpected(buckets.error());
  buckets->bind(1, source_id).bind(2, job_id);
  CATALOG_RETURN_IF_ERROR(buckets->run());

  CATALOG_RETURN_IF_ERROR(transaction->commit());
  return retired;
}

}  // namespace s3cat::catalog::sqlite
