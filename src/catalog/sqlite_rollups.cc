// Rebuilding one bucket's folder roll-ups from its present objects.
#include "catalog/folder_rollup.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

StoreResult<void> insert_closed(Statement& insert, std::int64_t source_id, FolderRollupBuilder& builder) {
  for (const FolderRollup& rollup : builder.closed()) {
    const FolderEntry& folder = rollup.folder;
    insert.reset();
    insert.bind(1, source_id)
        .bind(2, folder.bucket)
        .bind(3, folder.path)
        .bind(4, rollup.parent)
        .bind(5, static_cast<std::int64_t>(folder.file_count))
        .bind(6, static_cast<std::int64_t>(folder.total_bytes))
        .bind(7, folder.newest_modified)
        .bind(8, static_cast<std::int64_t>(rollup.direct_file_count));
    CATALOG_RETURN_IF_ERROR(insert.run());
  }
  builder.clear_closed();
  return {};
}

}  // namespace

// Runs inside the caller's write transaction. Objects stream in key order
// from the primary key, so memory is bounded by the folder depth.
StoreResult<void> SqliteStore::rebuild_rollups(std::int64_t source_id, const std::string& bucket) {
  auto clear = writer_.prepare("DELETE FROM folders WHERE source_id = ? AND bucket = ?");
  if (!clear) return std::unexpected(clear.error());
  clear->bind(1, source_id).bind(2, bucket);
  CATALOG_RETURN_IF_ERROR(clear->run());

  auto insert = writer_.prepare(
      "INSERT INTO folders(source_id, bucket, path, parent, file_count, total_bytes, newest_modified, "
      "direct_file_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return std::unexpected(insert.error());
  auto objects = writer_.prepare(
      "SELECT key, size, last_modified, is_marker FROM objects "
      "WHERE source_id = ? AND bucket = ? AND present = 1 ORDER BY key");
  if (!objects) return std::unexpected(objects.error());
  objects->bind(1, source_id).bind(2, bucket);

  FolderRollupBuilder builder(bucket);
  while (true) {
    auto row = objects->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    builder.add(objects->column_text(0), static_cast<std::uint64_t>(objects->column_int(1)), objects->column_text(2),
                objects->column_int(3) != 0);
    CATALOG_RETURN_IF_ERROR(insert_closed(*insert, source_id, builder));
  }
  builder.finish();
  CATALOG_RETURN_IF_ERROR(insert_closed(*insert, source_id, builder));

  auto totals = writer_.prepare(
      "UPDATE buckets SET file_count = ?, total_bytes = ?, newest_modified = ?, direct_file_count = ? "
      "WHERE source_id = ? AND name = ?");
  if (!totals) return std::unexpected(totals.error());
  totals->bind(1, static_cast<std::int64_t>(builder.bucket_file_count()))
      .bind(2, static_cast<std::int64_t>(builder.bucket_total_bytes()))
      .bind(3, builder.bucket_newest_modified())
      .bind(4, static_cast<std::int64_t>(builder.bucket_direct_file_count()))
      .bind(5, source_id)
      .bind(6, bucket);
  return totals->run();
}

}  // namespace s3cat::catalog::sqlite
