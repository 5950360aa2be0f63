// Row decoding shared by the SQLite store's read files: the column lists
// and the functions that turn a result row into a catalog value. Pure
// functions; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/sqlite_helpers.h"
#include "catalog/types.h"

namespace s3cat::catalog::sqlite {

inline constexpr const char* kFileColumns =
    "key, size, last_modified, etag, storage_class, checksum_algorithm, present, stale, first_seen, last_seen";

inline constexpr const char* kBucketColumns =
    "name, creation_date, region, present, stale, last_synced, last_status, last_reason, file_count, total_bytes, "
    "newest_modified";

inline constexpr const char* kFolderColumns = "bucket, path, file_count, total_bytes, newest_modified";

// Decode a row that starts with the kFileColumns, kBucketColumns or
// kFolderColumns.
FileEntry file_from_row(const Statement& row, const std::string& bucket);
BucketEntry bucket_from_row(const Statement& row);
FolderEntry folder_from_row(const Statement& row);

// Sorts bucket names in path order.
void sort_in_path_order(std::vector<std::string>& buckets);

// Reads the names of a source's buckets in path order; only `bucket` when it
// is not empty (and then an empty list when the source has no such bucket).
StoreResult<std::vector<std::string>> bucket_names_in_path_order(Connection& connection, std::int64_t source_id,
                                                                  const std::string& bucket = "");

// The smallest string greater than every string that starts with `prefix`,
// or nullopt when there is none (the prefix is empty or all 0xFF bytes).
std::optional<std::string> prefix_upper_bound(std::string prefix);

// The strings of a JSON array; anything else in `text` is skipped.
std::vector<std::string> strings_from_json(const std::string& text);

}  // namespace s3cat::catalog::sqlite
