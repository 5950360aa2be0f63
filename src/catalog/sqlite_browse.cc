// Browse reads of the SQLite store for the server: file scans that can stop
// early and include absent files. One folder's files by page are in
// sqlite_folder_files.cc.
#include <fmt/format.h>

#include "catalog/quoting.h"
#include "catalog/sqlite_rows.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

// Visits the files of one bucket whose keys start with key_prefix, in key
// order. Returns false when `visit` asked to stop.
StoreResult<bool> scan_bucket(Connection& connection, std::int64_t source_id, const std::string& bucket,
                              const std::string& key_prefix, bool include_absent,
                              const std::function<bool(const FileEntry&)>& visit) {
  const std::optional<std::string> upper = prefix_upper_bound(key_prefix);
  auto statement = connection.prepare(fmt::format(
      "SELECT {} FROM objects WHERE source_id = ? AND bucket = ? AND key >= ? {} {} AND is_marker = 0 ORDER BY key",
      kFileColumns, upper ? "AND key < ?" : "", include_absent ? "" : "AND present = 1"));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, bucket).bind(3, key_prefix);
  if (upper) statement->bind(4, *upper);

  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return true;
    if (!visit(file_from_row(*statement, bucket))) return false;
  }
}

}  // namespace

StoreResult<void> SqliteStore::visit_files(std::int64_t source_id, const FileScan& scan,
                                           const std::function<bool(const FileEntry&)>& visit) {
  const std::string& prefix = scan.path_prefix;
  if (!prefix.empty() && prefix.front() != '/') {
    return std::unexpected(StoreError{
        StoreErrorKind::kInvalid,
        fmt::format("invalid path prefix {}: it must start with \"/\", as in /bucket/prefix", quote_for_message(prefix))});
  }

  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto transaction = Transaction::begin(**reader, Transaction::Mode::kDeferred);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));

  // As in for_each_file: "/bucket/pre" is one bucket with a key prefix, and
  // "/buck" is a prefix of bucket names.
  const std::string rest = prefix.empty() ? std::string() : prefix.substr(1);
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
    auto more = scan_bucket(**reader, source_id, bucket, key_prefix, scan.include_absent, visit);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
  }
  return {};
}

}  // namespace s3cat::catalog::sqlite
