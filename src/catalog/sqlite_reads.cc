// Catalog reads of the SQLite store. Each runs on a pooled read connection.
#include <fmt/format.h>

#include <algorithm>

#include "catalog/quoting.h"
#include "catalog/sqlite_rows.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

// Visits the present files of one bucket whose keys start with key_prefix,
// in key order, through an index range scan.
StoreResult<void> visit_bucket_files(Connection& connection, std::int64_t source_id, const std::string& bucket,
                                     const std::string& key_prefix,
                                     const std::function<void(const FileEntry&)>& visit) {
  const std::optional<std::string> upper = prefix_upper_bound(key_prefix);
  auto statement = connection.prepare(fmt::format(
      "SELECT {} FROM objects WHERE source_id = ? AND bucket = ? AND key >= ? {} AND present = 1 AND is_marker = 0 "
      "ORDER BY key",
      kFileColumns, upper ? "AND key < ?" : ""));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, bucket).bind(3, key_prefix);
  if (upper) statement->bind(4, *upper);

  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
    visit(file_from_row(*statement, bucket));
  }
}

}  // namespace

StoreResult<void> SqliteStore::for_each_file(std::int64_t source_id, const std::string& path_prefix,
                                             const std::function<void(const FileEntry&)>& visit) {
  if (!path_prefix.empty() && path_prefix.front() != '/') {
    return std::unexpected(StoreError{
        StoreErrorKind::kInvalid,
        fmt::format("invalid path prefix {}: it must start with \"/\", as in /bucket/prefix",
                    quote_for_message(path_prefix))});
  }

  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  // One read transaction, so every bucket comes from the same snapshot.
  auto transaction = Transaction::begin(**reader, Transaction::Mode::kDeferred);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));

  // "/bucket/pre" is one bucket with a key prefix; "/buck" (no second '/')
  // is a prefix of bucket names and selects whole buckets.
  const std::string rest = path_prefix.empty() ? std::string() : path_prefix.substr(1);
  const std::size_t slash = rest.find('/');
  std::vector<std::string> buckets;
  std::string key_prefix;
  if (slash != std::string::npos) {
    buckets.push_back(rest.substr(0, slash));
    key_prefix = rest.substr(slash + 1);
  } else {
    auto names = bucket_names_in_path_order(**reader, source_id);
    if (!names) return std::unexpected(names.error());
    std::erase_if(*names, [&](const std::string& name) { return !name.starts_with(rest); });
    buckets = std::move(*names);
  }

  for (const std::string& bucket : buckets) {
    CATALOG_RETURN_IF_ERROR(visit_bucket_files(**reader, source_id, bucket, key_prefix, visit));
  }
  return {};
}

StoreResult<std::optional<FileEntry>> SqliteStore::get_file(std::int64_t source_id, const ItemRef& item) {
  if (item.bucket.empty() || item.key.empty() || item.key.back() == '/') return std::optional<FileEntry>();

  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));
  auto statement = (*reader)->prepare(fmt::format(
      "SELECT {} FROM objects WHERE source_id = ? AND bucket = ? AND key = ? AND is_marker = 0", kFileColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, item.bucket).bind(3, item.key);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<FileEntry>();
  return std::optional<FileEntry>(file_from_row(*statement, item.bucket));
}

StoreResult<std::optional<FolderEntry>> SqliteStore::get_folder(std::int64_t source_id, const ItemRef& item) {
  if (item.bucket.empty() || item.key.empty() || item.key.back() != '/') return std::optional<FolderEntry>();

  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));
  auto statement = (*reader)->prepare(
      fmt::format("SELECT {} FROM folders WHERE source_id = ? AND bucket = ? AND path = ?", kFolderColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, item.bucket).bind(3, item.key);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<FolderEntry>();
  return std::optional<FolderEntry>(folder_from_row(*statement));
}

StoreResult<std::optional<BucketEntry>> SqliteStore::get_bucket(std::int64_t source_id, const std::string& bucket) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));
  auto statement =
      (*reader)->prepare(fmt::format("SELECT {} FROM buckets WHERE source_id = ? AND name = ?", kBucketColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, bucket);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<BucketEntry>();
  return std::optional<BucketEntry>(bucket_from_row(*statement));
}

StoreResult<std::vector<BucketEntry>> SqliteStore::list_buckets(std::int64_t source_id) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));
  auto statement = (*reader)->prepare(fmt::format("SELECT {} FROM buckets WHERE source_id = ?", kBucketColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id);

  std::vector<BucketEntry> buckets;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    buckets.push_back(bucket_from_row(*statement));
  }
  std::ranges::sort(buckets, [](const BucketEntry& left, const BucketEntry& right) {
    return left.name + '/' < right.name + '/';
  });
  return buckets;
}

StoreResult<std::vector<FolderEntry>> SqliteStore::list_folders(std::int64_t source_id, const std::string& bucket,
                                                                const std::string& parent) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));
  // Without statistics, SQLite's planner prefers the primary key's
  // (source_id, bucket) prefix, which reads every folder of the bucket.
  auto statement = (*reader)->prepare(fmt::format(
      "SELECT {} FROM folders INDEXED BY folders_by_parent WHERE source_id = ? AND bucket = ? AND parent = ? "
      "ORDER BY path",
      kFolderColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, bucket).bind(3, parent);

  std::vector<FolderEntry> folders;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    folders.push_back(folder_from_row(*statement));
  }
  return folders;
}

StoreResult<std::uint64_t> SqliteStore::count_files(std::int64_t source_id) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));
  // The bucket roll-ups hold each bucket's count as of its latest
  // completion, so this reads one row per bucket instead of every file.
  auto statement = (*reader)->prepare(
      "SELECT coalesce(sum(file_count), 0) FROM buckets WHERE source_id = ? AND present = 1");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  return static_cast<std::uint64_t>(statement->column_int(0));
}

}  // namespace s3cat::catalog::sqlite
