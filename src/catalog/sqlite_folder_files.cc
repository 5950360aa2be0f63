// One folder's direct files by page (list_folder_files), read from the
// objects table's primary key. There is no index by parent folder, because
// a second B-tree per object doubled the cost of writing it. A folder's keys
// are one contiguous range of the primary key, and the scan seeks past each
// subfolder's keys as soon as it meets the first of them, so it reads the
// direct files plus one row per subfolder.
#include <fmt/format.h>

#include <algorithm>
#include <queue>

#include "catalog/quoting.h"
#include "catalog/sqlite_rows.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

// Streams the present files directly in `folder` ("" for the bucket's top
// level) in key order, ascending or descending. A key with a '/' after the
// folder's prefix belongs to a subfolder: the scan moves its bound past that
// subfolder's range and seeks again. The subfolders therefore come from the
// keys themselves, not from the folders table, which is rebuilt only when a
// bucket completes and so can lack folders that a running job wrote.
class DirectFileScan {
 public:
  DirectFileScan(Connection& connection, std::int64_t source_id, std::string bucket, std::string folder,
                 bool descending, const char* columns)
      : connection_(connection),
        source_id_(source_id),
        bucket_(std::move(bucket)),
        folder_(std::move(folder)),
        descending_(descending),
        columns_(columns),
        lower_(folder_),
        upper_(prefix_upper_bound(folder_)) {}

  // Starts after `key` in the scan's direction.
  void start_after(const std::string& key) {
    if (descending_) {
      upper_ = key;
    } else {
      // The smallest string greater than `key` in byte order.
      lower_ = key;
      lower_.push_back('\0');
    }
    seek_ = true;
  }

  // Moves to the next direct file: true when the current row is one, false
  // at the end of the folder. The row starts with the constructor's columns,
  // whose first column is the key.
  StoreResult<bool> next() {
    while (true) {
      if (seek_) CATALOG_RETURN_IF_ERROR(seek());
      Statement& statement = current();
      auto row = statement.step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return false;

      const std::string_view key = statement.column_view(0);
      const std::size_t slash = key.find('/', folder_.size());
      if (slash == std::string_view::npos) return true;

      // The key is in subfolder key[0, slash]. Every key of that subfolder
      // starts with it, so in ascending order the next candidate is at
      // least the subfolder with its '/' raised to '0', and in descending
      // order it is below the subfolder's own path.
      std::string subfolder(key.substr(0, slash + 1));
      if (descending_) {
        upper_ = std::move(subfolder);
      } else {
        subfolder.back() = '/' + 1;
        lower_ = std::move(subfolder);
      }
      seek_ = true;
    }
  }

  const Statement& row() { return current(); }

 private:
  Statement& current() { return upper_ ? *bounded_ : *open_ended_; }

  StoreResult<void> seek() {
    std::optional<Statement>& statement = upper_ ? bounded_ : open_ended_;
    if (!statement) {
      auto prepared = connection_.prepare(fmt::format(
          "SELECT {} FROM objects WHERE source_id = ?1 AND bucket = ?2 AND key >= ?3 {} "
          "AND present = 1 AND is_marker = 0 ORDER BY key {}",
          columns_, upper_ ? "AND key < ?4" : "", descending_ ? "DESC" : "ASC"));
      if (!prepared) return std::unexpected(prepared.error());
      statement = std::move(*prepared);
    }
    statement->reset();
    statement->bind(1, source_id_).bind(2, bucket_).bind(3, lower_);
    if (upper_) statement->bind(4, *upper_);
    seek_ = false;
    return {};
  }

  Connection& connection_;
  std::int64_t source_id_;
  std::string bucket_;
  std::string folder_;
  bool descending_;
  const char* columns_;
  std::string lower_;                 // inclusive
  std::optional<std::string> upper_;  // exclusive; none for the top level of a bucket
  bool seek_ = true;
  std::optional<Statement> bounded_;
  std::optional<Statement> open_ended_;
};

// The folder's direct file count from its roll-up row, or nullopt when the
// bucket or folder has not been rolled up yet (a job that has not completed
// the bucket is writing it for the first time).
StoreResult<std::optional<std::uint64_t>> rolled_up_count(Connection& connection, std::int64_t source_id,
                                                          const std::string& bucket, const std::string& folder) {
  auto statement = connection.prepare(
      folder.empty()
          ? "SELECT direct_file_count FROM buckets WHERE source_id = ?1 AND name = ?2 AND last_synced <> ''"
          : "SELECT direct_file_count FROM folders WHERE source_id = ?1 AND bucket = ?2 AND path = ?3");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id).bind(2, bucket);
  if (!folder.empty()) statement->bind(3, folder);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(static_cast<std::uint64_t>(statement->column_int(0)));
}

StoreResult<std::uint64_t> count_direct_files(Connection& connection, std::int64_t source_id,
                                              const FolderFilesQuery& query) {
  DirectFileScan scan(connection, source_id, query.bucket, query.folder, /*descending=*/false, "key");
  std::uint64_t count = 0;
  while (true) {
    auto more = scan.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) return count;
    ++count;
  }
}

// A page by name: the scan's order is the page's order.
StoreResult<FilePage> page_by_name(Connection& connection, std::int64_t source_id, const FolderFilesQuery& query,
                                   bool& reached_end) {
  DirectFileScan scan(connection, source_id, query.bucket, query.folder, query.descending, kFileColumns);
  if (query.after) scan.start_after(query.after->key);
  std::size_t to_skip = query.after ? 0 : query.offset;

  FilePage page;
  reached_end = false;
  while (true) {
    auto more = scan.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) {
      reached_end = true;
      break;
    }
    if (to_skip > 0) {
      --to_skip;
      continue;
    }
    // Reading one file more than the page shows whether another page follows.
    if (page.files.size() == query.limit) {
      const FileEntry& last = page.files.back();
      page.next = FileCursor{last.object.key, last.object.size, last.object.last_modified};
      break;
    }
    page.files.push_back(file_from_row(scan.row(), query.bucket));
  }
  return page;
}

// The sort value and key of a file, for pages by size or by modification time.
struct SortEntry {
  std::int64_t size = 0;
  std::string last_modified;
  std::string key;
};

// A page by size or modification time reads every direct file's key, size
// and time, keeps the first offset + limit + 1 in the page's order in a
// bounded heap, and then reads the page's full rows by key.
StoreResult<FilePage> page_by_value(Connection& connection, std::int64_t source_id, const FolderFilesQuery& query,
                                    bool& reached_end) {
  const bool by_size = query.sort == FileSort::kSize;
  // True when `left` comes before `right` in the page's order; ties go by key.
  auto before = [&](const SortEntry& left, const SortEntry& right) {
    int order = 0;
    if (by_size) {
      order = (left.size > right.size) - (left.size < right.size);
    } else {
      order = left.last_modified.compare(right.last_modified);
    }
    if (order == 0) order = left.key.compare(right.key);
    return query.descending ? order > 0 : order < 0;
  };
  std::optional<SortEntry> cursor;
  if (query.after) {
    cursor = SortEntry{static_cast<std::int64_t>(query.after->size), query.after->last_modified, query.after->key};
  }
  const std::size_t offset = query.after ? 0 : query.offset;
  const std::size_t keep = offset + query.limit + 1;

  // A max-heap in the page's order: its top is the last entry kept.
  std::priority_queue<SortEntry, std::vector<SortEntry>, decltype(before)> kept(before);
  DirectFileScan scan(connection, source_id, query.bucket, query.folder, /*descending=*/false,
                      "key, size, last_modified");
  SortEntry entry;
  while (true) {
    auto more = scan.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    const Statement& row = scan.row();
    entry.key.assign(row.column_view(0));
    entry.size = row.column_int(1);
    entry.last_modified.assign(row.column_view(2));
    if (cursor && !before(*cursor, entry)) continue;
    if (kept.size() == keep && !before(entry, kept.top())) continue;
    kept.push(entry);
    if (kept.size() > keep) kept.pop();
  }

  std::vector<SortEntry> ordered;
  ordered.reserve(kept.size());
  while (!kept.empty()) {
    ordered.push_back(kept.top());
    kept.pop();
  }
  std::ranges::reverse(ordered);

  FilePage page;
  reached_end = ordered.size() < keep;
  auto lookup = connection.prepare(fmt::format(
      "SELECT {} FROM objects WHERE source_id = ?1 AND bucket = ?2 AND key = ?3", kFileColumns));
  if (!lookup) return std::unexpected(lookup.error());
  for (std::size_t index = offset; index < ordered.size() && page.files.size() < query.limit; ++index) {
    lookup->reset();
    lookup->bind(1, source_id).bind(2, query.bucket).bind(3, ordered[index].key);
    auto row = lookup->step();
    if (!row) return std::unexpected(row.error());
    if (*row) page.files.push_back(file_from_row(*lookup, query.bucket));
  }
  if (ordered.size() == keep && !page.files.empty()) {
    const FileEntry& last = page.files.back();
    page.next = FileCursor{last.object.key, last.object.size, last.object.last_modified};
  }
  return page;
}

}  // namespace

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

  bool reached_end = false;
  auto page = query.sort == FileSort::kName ? page_by_name(**reader, source_id, query, reached_end)
                                            : page_by_value(**reader, source_id, query, reached_end);
  if (!page) return std::unexpected(page.error());

  // A page by offset that reached the folder's end has counted every file
  // before it, so its total is exact. Otherwise the total is the roll-up's,
  // as of the bucket's latest completed sync, or a count by the same scan
  // when the folder has not been rolled up yet.
  if (reached_end && !query.after) {
    page->total = query.offset + page->files.size();
    if (page->files.empty()) {
      auto counted = count_direct_files(**reader, source_id, query);
      if (!counted) return std::unexpected(counted.error());
      page->total = *counted;
    }
    return page;
  }
  auto rolled_up = rolled_up_count(**reader, source_id, query.bucket, query.folder);
  if (!rolled_up) return std::unexpected(rolled_up.error());
  if (*rolled_up) {
    page->total = **rolled_up;
  } else {
    auto counted = count_direct_files(**reader, source_id, query);
    if (!counted) return std::unexpected(counted.error());
    page->total = *counted;
  }
  return page;
}

}  // namespace s3cat::catalog::sqlite
