// Annotations of the SQLite store, keyed by (source, bucket, key) with no
// reference to object rows, so they outlive the items they describe.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "catalog/sqlite_rows.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

StoreResult<std::string> strings_to_json(const std::vector<std::string>& values, const char* field) {
  try {
    return nlohmann::json(values).dump();
  } catch (const nlohmann::json::type_error&) {
    // dump() throws on bytes that are not UTF-8.
    return std::unexpected(
        StoreError{StoreErrorKind::kInvalid, fmt::format("invalid annotation: one of its {} is not valid UTF-8", field)});
  }
}

std::string join_words(const std::vector<std::string>& values) {
  std::string joined;
  for (const std::string& value : values) {
    if (!joined.empty()) joined += ' ';
    joined += value;
  }
  return joined;
}

// Replaces the item's row in the full-text index (see the schema's version 2).
StoreResult<void> index_annotation(Connection& connection, std::int64_t source_id, const ItemRef& item,
                                   const Annotation& annotation) {
  auto insert_key = connection.prepare(
      "INSERT INTO annotation_keys(source_id, bucket, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
  if (!insert_key) return std::unexpected(insert_key.error());
  insert_key->bind(1, source_id).bind(2, item.bucket).bind(3, item.key);
  CATALOG_RETURN_IF_ERROR(insert_key->run());

  auto select_key =
      connection.prepare("SELECT id FROM annotation_keys WHERE source_id = ? AND bucket = ? AND key = ?");
  if (!select_key) return std::unexpected(select_key.error());
  select_key->bind(1, source_id).bind(2, item.bucket).bind(3, item.key);
  auto found = select_key->step();
  if (!found) return std::unexpected(found.error());
  const std::int64_t id = select_key->column_int(0);

  auto remove = connection.prepare("DELETE FROM annotations_fts WHERE rowid = ?");
  if (!remove) return std::unexpected(remove.error());
  remove->bind(1, id);
  CATALOG_RETURN_IF_ERROR(remove->run());

  auto insert = connection.prepare("INSERT INTO annotations_fts(rowid, description, tags, owners) VALUES (?, ?, ?, ?)");
  if (!insert) return std::unexpected(insert.error());
  insert->bind(1, id).bind(2, annotation.description).bind(3, join_words(annotation.tags))
      .bind(4, join_words(annotation.owners));
  return insert->run();
}

}  // namespace

StoreResult<std::optional<Annotation>> SqliteStore::get_annotation(std::int64_t source_id, const ItemRef& item) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));
  auto statement = (*reader)->prepare(
      "SELECT description, tags, owners, updated_by, updated_at FROM annotations "
      "WHERE source_id = ? AND bucket = ? AND key = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, item.bucket).bind(3, item.key);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Annotation>();

  Annotation annotation;
  annotation.description = statement->column_text(0);
  annotation.tags = strings_from_json(statement->column_text(1));
  annotation.owners = strings_from_json(statement->column_text(2));
  annotation.updated_by = statement->column_text(3);
  annotation.updated_at = statement->column_text(4);
  return std::optional<Annotation>(std::move(annotation));
}

StoreResult<void> SqliteStore::put_annotation(std::int64_t source_id, const ItemRef& item,
                                              const Annotation& annotation) {
  if (item.bucket.empty()) {
    return std::unexpected(StoreError{StoreErrorKind::kInvalid,
                                      "cannot annotate a path without a bucket; use /bucket, /bucket/folder/ or "
                                      "/bucket/key"});
  }
  auto tags = strings_to_json(annotation.tags, "tags");
  if (!tags) return std::unexpected(tags.error());
  auto owners = strings_to_json(annotation.owners, "owners");
  if (!owners) return std::unexpected(owners.error());

  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(writer_, source_id));

  auto statement = writer_.prepare(
      "INSERT OR REPLACE INTO annotations(source_id, bucket, key, description, tags, owners, updated_by, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id)
      .bind(2, item.bucket)
      .bind(3, item.key)
      .bind(4, annotation.description)
      .bind(5, *tags)
      .bind(6, *owners)
      .bind(7, annotation.updated_by)
      .bind(8, annotation.updated_at.empty() ? now() : annotation.updated_at);
  CATALOG_RETURN_IF_ERROR(statement->run());
  CATALOG_RETURN_IF_ERROR(index_annotation(writer_, source_id, item, annotation));
  return transaction->commit();
}

}  // namespace s3cat::catalog::sqlite
