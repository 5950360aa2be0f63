// Browse reads of the SQLite store for the server: file scans that can stop
// early and include absent files, and one folder's files by page.
#include <fmt/format.h>

#include "catalog/quoting.h"
#include "catalog/sqlite_rows.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

StoreResult<std::vector<std::string>> source_bucket_names(Connection& connection, std::int64_t source_id) {
  auto statement = connection.prepare("SELECT name FROM buckets WHERE source_id = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id);
  std::vector<std::string> names;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    names.push_back(statement->column_text(0));
  }
  return names;
}

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

const char* sort_column(FileSort sort) {
  switch (sort) {
    case FileSort::kSize:
      return "size";
    case FileSort::kModified:
      return "last_modified";
    case FileSort::kName:
      break;
  }
  return "key";
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
    auto names = source_bucket_names(**reader, source_id);
    if (!names) return std::unexpected(names.error());
    std::erase_if(*names, [&](const std::string& name) { return !name.starts_with(rest); });
    buckets = std::move(*names);
    sort_in_path_order(buckets);
  }

  for (const std::string& bucket : buckets) {
    auto more = scan_bucket(**reader, source_id, bucket, key_prefix, scan.include_absent, visit);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
  }
  return {};
}

StoreResult<FilePage> SqliteStore::list_folder_files(std::int64_t source_id, const FolderFilesQuery& query) {
  if (!query.folder.empty() && query.folder.back() != '/') {
    return std::unexpected(StoreError{
        StoreErrorKind::kInvalid,
        fmt::format("invalid folder {}: a folder ends with \"/\"", quote_for_message(query.folder))});
  }
  if (query.limit == 0) {
    return std::unexpected(StoreError{StoreErrorKind::kInvalid, "invalid page size 0: ask for at least one file"});
  }

  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto transaction = Transaction::begin(**reader, Transaction::Mode::kDeferred);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));

  constexpr const char* kInFolder =
      "source_id = ?1 AND bucket = ?2 AND parent = ?3 AND present = 1 AND is_marker = 0";
  FilePage page;
  // Without statistics, SQLite's planner prefers the primary key's
  // (source_id, bucket) prefix, which reads every object of the bucket.
  // NOTE: the count still reads each direct file's row for present and
  // is_marker, so a folder of 500,000 direct files takes seconds
  // (docs/benchmarks.md); a covering index or a stored count would not.
  auto count = (*reader)->prepare(fmt::format("SELECT count(*) FROM objects INDEXED BY objects_by_parent WHERE {}",
                                              kInFolder));
  if (!count) return std::unexpected(count.error());
  count->bind(1, source_id).bind(2, query.bucket).bind(3, query.folder);
  if (auto row = count->step(); !row) return std::unexpected(row.error());
  page.total = static_cast<std::uint64_t>(count->column_int(0));

  // Keyset pagination: rows after (sort value, key) in the page's order, so
  // a deep page costs no more than the first.
  const char* column = sort_column(query.sort);
  const char* direction = query.descending ? "DESC" : "ASC";
  const char* after = query.descending ? "<" : ">";
  std::string position;
  if (query.after) {
    position = query.sort == FileSort::kName ? fmt::format("AND key {} ?4", after)
                                             : fmt::format("AND ({}, key) {} (?5, ?4)", column, after);
  }
  const std::string order = query.sort == FileSort::kName
                                ? fmt::format("key {}", direction)
                                : fmt::format("{} {}, key {}", column, direction, direction);
  auto statement = (*reader)->prepare(
      fmt::format("SELECT {} FROM objects INDEXED BY objects_by_parent WHERE {} {} ORDER BY {} LIMIT ?6 OFFSET ?7",
                  kFileColumns, kInFolder, position, order));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, query.bucket).bind(3, query.folder);
  if (query.after) {
    statement->bind(4, query.after->key);
    if (query.sort == FileSort::kSize) statement->bind(5, static_cast<std::int64_t>(query.after->size));
    if (query.sort == FileSort::kModified) statement->bind(5, query.after->last_modified);
  }
  // Reading one row more than the page shows whether another page follows.
  statement->bind(6, static_cast<std::int64_t>(query.limit + 1))
      .bind(7, static_cast<std::int64_t>(query.after ? 0 : query.offset));

  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    if (page.files.size() == query.limit) {
      const FileEntry& last = page.files.back();
      page.next = FileCursor{last.object.key, last.object.size, last.object.last_modified};
      break;
    }
    page.files.push_back(file_from_row(*statement, query.bucket));
  }
  return page;
}

}  // namespace s3cat::catalog::sqlite
