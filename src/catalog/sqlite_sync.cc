// Sync writes of the SQLite store: buckets and objects seen by a job, and the
// reconciliation that ends each bucket and each job.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

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

struct StoredState {
  bool present = false;
  std::int64_t size = 0;
  std::string etag;
  std::string last_modified;
  std::string storage_class;
  std::string checksum_algorithm;
  std::int64_t last_seen_job = 0;
};

// Prepared statements reused for every object of one write_objects batch.
struct ObjectStatements {
  Statement select;
  Statement select_range;
  Statement insert;
  Statement update;
  Statement touch;
};

constexpr const char* kStateColumns =
    "present, size, etag, last_modified, storage_class, checksum_algorithm, last_seen_job";

StoreResult<ObjectStatements> prepare_object_statements(Connection& connection) {
  auto select = connection.prepare(fmt::format(
      "SELECT {} FROM objects WHERE source_id = ? AND bucket = ? AND key = ?", kStateColumns));
  if (!select) return std::unexpected(select.error());
  auto select_range = connection.prepare(fmt::format(
      "SELECT key, {} FROM objects WHERE source_id = ? AND bucket = ? AND key >= ? AND key <= ? ORDER BY key",
      kStateColumns));
  if (!select_range) return std::unexpected(select_range.error());
  auto insert = connection.prepare(
      "INSERT INTO objects(source_id, bucket, key, size, last_modified, etag, storage_class, checksum_algorithm, "
      "is_marker, present, stale, first_seen, last_seen, last_seen_job) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, 0, ?10, ?10, ?11)");
  if (!insert) return std::unexpected(insert.error());
  auto update = connection.prepare(
      "UPDATE objects SET size = ?4, last_modified = ?5, etag = ?6, storage_class = ?7, checksum_algorithm = ?8, "
      "is_marker = ?9, present = 1, stale = 0, last_seen = ?10, last_seen_job = ?11 "
      "WHERE source_id = ?1 AND bucket = ?2 AND key = ?3");
  if (!update) return std::unexpected(update.error());
  // An object whose listed fields match the stored ones gets only the job's mark.
  auto touch = connection.prepare(
      "UPDATE objects SET present = 1, stale = 0, last_seen = ?4, last_seen_job = ?5 "
      "WHERE source_id = ?1 AND bucket = ?2 AND key = ?3");
  if (!touch) return std::unexpected(touch.error());
  return ObjectStatements{std::move(*select), std::move(*select_range), std::move(*insert), std::move(*update),
                          std::move(*touch)};
}

// Reads the state columns starting at column `first`.
StoredState state_from_row(const Statement& row, int first) {
  return StoredState{row.column_int(first) != 0,     row.column_int(first + 1),  row.column_text(first + 2),
                     row.column_text(first + 3),     row.column_text(first + 4), row.column_text(first + 5),
                     row.column_int(first + 6)};
}

StoreResult<std::optional<StoredState>> read_stored_state(Statement& select, std::int64_t source_id,
                                                          const std::string& bucket, const std::string& key) {
  select.reset();
  select.bind(1, source_id).bind(2, bucket).bind(3, key);
  auto row = select.step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<StoredState>();
  return std::optional<StoredState>(state_from_row(select, 0));
}

bool strictly_ascending(std::span<const ObjectRecord> objects) {
  for (std::size_t i = 1; i < objects.size(); ++i) {
    if (!(objects[i - 1].key < objects[i].key)) return false;
  }
  return true;
}

// The stored state of each object of the batch, in batch order. S3 sends a
// page in key order, so one range scan over the page's first to last key
// reads them all, merged by key (std::string compares bytes as unsigned,
// which is SQLite's BINARY order). A batch out of order or with a repeated
// key (a directory bucket, or a caller's own batch) takes one lookup per
// object as it is written instead, and gets an empty vector here.
StoreResult<std::vector<std::optional<StoredState>>> read_batch_states(Statement& select_range,
                                                                       std::int64_t source_id,
                                                                       const std::string& bucket,
                                                                       std::span<const ObjectRecord> objects) {
  std::vector<std::optional<StoredState>> states;
  if (objects.empty() || !strictly_ascending(objects)) return states;
  states.resize(objects.size());

  select_range.reset();
  select_range.bind(1, source_id).bind(2, bucket).bind(3, objects.front().key).bind(4, objects.back().key);
  std::size_t next = 0;
  while (true) {
    auto row = select_range.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    const std::string key = select_range.column_text(0);
    while (next < objects.size() && objects[next].key < key) ++next;
    if (next == objects.size()) break;
    if (objects[next].key == key) states[next] = state_from_row(select_range, 1);
  }
  return states;
}

bool same_listing(const StoredState& before, const ObjectRecord& object) {
  return before.size == static_cast<std::int64_t>(object.size) && before.etag == object.etag &&
         before.last_modified == object.last_modified && before.storage_class == object.storage_class &&
         before.checksum_algorithm == object.checksum_algorithm;
}

// Binds the parameters that INSERT and UPDATE of an object share.
void bind_object(Statement& statement, std::int64_t source_id, std::int64_t job_id, const std::string& bucket,
                 const ObjectRecord& object, const std::string& time) {
  statement.reset();
  statement.bind(1, source_id)
      .bind(2, bucket)
      .bind(3, object.key)
      .bind(4, static_cast<std::int64_t>(object.size))
      .bind(5, object.last_modified)
      .bind(6, object.etag)
      .bind(7, object.storage_class)
      .bind(8, object.checksum_algorithm)
      .bind(9, std::int64_t{object.is_folder_marker()})
      .bind(10, time)
      .bind(11, job_id);
}

// The clause that selects the buckets a job neither recorded nor completed.
constexpr const char* kUnvisitedBuckets =
    "SELECT name FROM buckets WHERE source_id = ?1 AND (last_seen_job IS NULL OR last_seen_job <> ?2)";

}  // namespace

StoreResult<void> SqliteStore::touch_bucket(std::int64_t source_id, std::int64_t job_id, const std::string& bucket) {
  auto statement = writer_.prepare(
      "INSERT INTO buckets(source_id, name, present, last_seen_job) VALUES (?, ?, 1, ?) "
      "ON CONFLICT(source_id, name) DO UPDATE SET present = 1, last_seen_job = excluded.last_seen_job");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, bucket).bind(3, job_id);
  return statement->run();
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
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(writer_, source_id));
  CATALOG_RETURN_IF_ERROR(touch_bucket(source_id, job_id, bucket));
  auto statements = prepare_object_statements(writer_);
  if (!statements) return std::unexpected(statements.error());

  auto batch_states = read_batch_states(statements->select_range, source_id, bucket, objects);
  if (!batch_states) return std::unexpected(batch_states.error());

  const std::string time = now();
  WriteCounts counts;
  for (std::size_t index = 0; index < objects.size(); ++index) {
    const ObjectRecord& object = objects[index];
    std::optional<StoredState> stored;
    if (!batch_states->empty()) {
      stored = std::move((*batch_states)[index]);
    } else {
      auto looked_up = read_stored_state(statements->select, source_id, bucket, object.key);
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
      bind_object(statements->insert, source_id, job_id, bucket, object, time);
      CATALOG_RETURN_IF_ERROR(statements->insert.run());
      continue;
    }

    const StoredState& before = *stored;
    if (counts_as_file && before.last_seen_job != job_id) {
      ++counts.first_seen_by_job;
      const bool changed = before.size != static_cast<std::int64_t>(object.size) || before.etag != object.etag ||
                           before.last_modified != object.last_modified;
      if (!before.present) {
        ++counts.added;
      } else if (changed) {
        ++counts.updated;
      }
    }
    if (same_listing(before, object)) {
      statements->touch.reset();
      statements->touch.bind(1, source_id).bind(2, bucket).bind(3, object.key).bind(4, time).bind(5, job_id);
      CATALOG_RETURN_IF_ERROR(statements->touch.run());
    } else {
      bind_object(statements->update, source_id, job_id, bucket, object, time);
      CATALOG_RETURN_IF_ERROR(statements->update.run());
    }
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
