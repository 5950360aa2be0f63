// JSON shapes of the CLI contract: sources (without secrets), job results,
// files and catalog items. Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/types.h"

namespace s3cat::cli {

// A source without any secret: the key ID shows only its last four characters.
nlohmann::json source_json(const catalog::Source& source);

// The result object of `extract --json` and of each line of `jobs --json`.
nlohmann::json job_json(const catalog::Job& job);

// One line of `files --json`: path, bucket, key, size, last_modified, etag, storage_class.
nlohmann::json file_json(const catalog::ObjectRecord& object);

// "/bucket/key" exactly as the key is, with no escaping.
std::string object_path(const std::string& bucket, const std::string& key);

// The last four characters of an access key ID, or the whole ID when shorter.
std::string key_id_last4(const std::string& access_key_id);

}  // namespace s3cat::cli
