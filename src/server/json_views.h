// JSON forms of catalog values in the REST API (docs/api.md). Pure
// functions; thread-safe. No form contains a stored secret.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/queries.h"
#include "catalog/types.h"
#include "extract/progress.h"

namespace s3cat::server {

// "/bucket/key" with the key as stored; "/bucket" for the bucket itself.
std::string item_path(const std::string& bucket, const std::string& key);

// The source's settings: the access key ID shows only its last four
// characters, and secrets only as "set" or "not set".
nlohmann::json source_json(const catalog::Source& source);

// A job in the shape of `s3catalog extract --json`, with "id" for the job id,
// plus the trigger, whether a cancel was requested and the live progress.
nlohmann::json job_json(const catalog::Job& job, const std::optional<extract::ProgressSnapshot>& progress,
                        bool cancel_requested);

nlohmann::json progress_json(const extract::ProgressSnapshot& progress);
nlohmann::json annotation_json(const std::optional<catalog::Annotation>& annotation);
nlohmann::json file_json(const catalog::FileEntry& file, const std::optional<catalog::Annotation>& annotation);
nlohmann::json folder_json(const catalog::FolderEntry& folder, const std::optional<catalog::Annotation>& annotation);
nlohmann::json bucket_json(const catalog::BucketEntry& bucket, const std::optional<catalog::Annotation>& annotation);

// Serializes for an HTTP body. Bytes that are not UTF-8 (object keys may hold
// any bytes) become U+FFFD instead of failing the response.
std::string dump_json(const nlohmann::json& value);

}  // namespace s3cat::server
