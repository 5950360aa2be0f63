#include "server/export_format.h"

#include <nlohmann/json.hpp>

#include "server/json_views.h"

namespace s3cat::server {

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string csv_header() {
  return "path,bucket,key,size,last_modified,etag,storage_class,checksum_algorithm,first_seen,last_seen,stale\r\n";
}

std::string csv_row(const catalog::FileEntry& file) {
  const catalog::ObjectRecord& object = file.object;
  std::string line;
  for (const std::string& field :
       {item_path(object.bucket, object.key), object.bucket, object.key, std::to_string(object.size),
        object.last_modified, object.etag, object.storage_class, object.checksum_algorithm, file.first_seen,
        file.last_seen, std::string(file.stale ? "true" : "false")}) {
    if (!line.empty()) line += ',';
    line += csv_field(field);
  }
  line += "\r\n";
  return line;
}

std::string jsonl_row(const catalog::FileEntry& file) {
  const catalog::ObjectRecord& object = file.object;
  const nlohmann::json row = {
      {"path", item_path(object.bucket, object.key)},
      {"bucket", object.bucket},
      {"key", object.key},
      {"size", object.size},
      {"last_modified", object.last_modified},
      {"etag", object.etag},
      {"storage_class", object.storage_class},
      {"checksum_algorithm", object.checksum_algorithm.empty() ? nlohmann::json(nullptr)
                                                               : nlohmann::json(object.checksum_algorithm)},
      {"first_seen", file.first_seen},
      {"last_seen", file.last_seen},
      {"stale", file.stale}};
  return dump_json(row) + "\n";
}

}  // namespace s3cat::server
