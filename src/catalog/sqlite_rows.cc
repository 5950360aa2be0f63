#include "catalog/sqlite_rows.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace s3cat::catalog::sqlite {

FileEntry file_from_row(const Statement& row, const std::string& bucket) {
  FileEntry file;
  file.object.bucket = bucket;
  file.object.key = row.column_text(0);
  file.object.size = static_cast<std::uint64_t>(row.column_int(1));
  file.object.last_modified = row.column_text(2);
  file.object.etag = row.column_text(3);
  file.object.storage_class = row.column_text(4);
  file.object.checksum_algorithm = row.column_text(5);
  file.present = row.column_int(6) != 0;
  file.stale = row.column_int(7) != 0;
  file.first_seen = row.column_text(8);
  file.last_seen = row.column_text(9);
  return file;
}

BucketEntry bucket_from_row(const Statement& row) {
  BucketEntry bucket;
  bucket.name = row.column_text(0);
  bucket.creation_date = row.column_text(1);
  bucket.region = row.column_text(2);
  bucket.present = row.column_int(3) != 0;
  bucket.stale = row.column_int(4) != 0;
  bucket.last_synced = row.column_text(5);
  bucket.last_status = row.column_text(6);
  bucket.last_reason = row.column_text(7);
  bucket.file_count = static_cast<std::uint64_t>(row.column_int(8));
  bucket.total_bytes = static_cast<std::uint64_t>(row.column_int(9));
  bucket.newest_modified = row.column_text(10);
  return bucket;
}

FolderEntry folder_from_row(const Statement& row) {
  FolderEntry folder;
  folder.bucket = row.column_text(0);
  folder.path = row.column_text(1);
  folder.file_count = static_cast<std::uint64_t>(row.column_int(2));
  folder.total_bytes = static_cast<std::uint64_t>(row.column_int(3));
  folder.newest_modified = row.column_text(4);
  return folder;
}

// Path order is the byte order of "/bucket/key". Bucket names hold no '/',
// so comparing "bucket/" decides it: "a-b/" sorts before "a/" because '-'
// (0x2D) is below '/' (0x2F).
void sort_in_path_order(std::vector<std::string>& buckets) {
  std::ranges::sort(buckets, [](const std::string& left, const std::string& right) {
    return left + '/' < right + '/';
  });
}

StoreResult<std::vector<std::string>> bucket_names_in_path_order(Connection& connection, std::int64_t source_id,
                                                                  const std::string& bucket) {
  auto statement = connection.prepare(
      bucket.empty() ? "SELECT name FROM buckets WHERE source_id = ?"
                     : "SELECT name FROM buckets WHERE source_id = ? AND name = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id);
  if (!bucket.empty()) statement->bind(2, bucket);

  std::vector<std::string> names;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    names.push_back(statement->column_text(0));
  }
  sort_in_path_order(names);
  return names;
}

std::optional<std::string> prefix_upper_bound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::vector<std::string> strings_from_json(const std::string& text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> values;
  if (!parsed.is_array()) return values;
  for (const auto& item : parsed) {
    if (item.is_string()) values.push_back(item.get<std::string>());
  }
  return values;
}

}  // namespace s3cat::catalog::sqlite
