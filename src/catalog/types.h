// Domain types of the catalog: sources, path filters, file records,
// annotations and jobs. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace s3cat::catalog {

enum class CredentialsMode { kAccessKey, kDefaultChain };

// A registered file system source of type S3.
struct Source {
  std::int64_t id = 0;
  std::string name;  // slug: [a-z0-9][a-z0-9-_]{0,62}
  std::string title;
  std::string description;
  std::string type = "s3";
  std::string endpoint_url;  // empty: AWS
  std::string region = "us-east-1";
  std::string addressing = "auto";  // auto | path | virtual
  bool requester_pays = false;
  std::string access_key_id;      // empty with the default chain
  std::string secret_access_key;  // plain text in memory only; encrypted at rest
  std::string session_token;      // optional; encrypted at rest
  std::string role_arn;           // empty: use the credentials as they are
  std::string external_id;        // sent with AssumeRole; empty: none
  std::string role_session_name;  // AssumeRole's RoleSessionName; empty: "s3catalog-" and the Unix time
  std::vector<std::string> path_prefixes;  // validated filters: "/bucket" or "/bucket/key-prefix"
  int schedule_minutes = 0;  // periodic extraction interval in minutes; 0 is off
  std::string created_at;
  std::string updated_at;

  CredentialsMode credentials_mode() const {
    return access_key_id.empty() ? CredentialsMode::kDefaultChain : CredentialsMode::kAccessKey;
  }
};

// Which item a path names: the bucket itself (key empty), a folder (key ends
// with '/'), or a file.
struct ItemRef {
  std::string bucket;
  std::string key;
};

// One stored object: a file, or a folder marker (a key ending in '/').
struct ObjectRecord {
  std::string bucket;
  std::string key;
  std::uint64_t size = 0;
  std::string last_modified;  // RFC 3339 UTC, whole seconds
  std::string etag;           // without quotes
  std::string storage_class;
  std::string checksum_algorithm;

  bool is_folder_marker() const { return !key.empty() && key.back() == '/'; }
};

// A file as the catalog shows it, with its lifecycle.
struct FileEntry {
  ObjectRecord object;
  bool present = true;   // false once a sync no longer finds it (or it no longer matches the filters)
  bool stale = false;    // its bucket was skipped or failed in the latest job
  std::string first_seen;
  std::string last_seen;
};

struct BucketEntry {
  std::string name;
  std::string creation_date;
  std::string region;
  bool present = true;
  bool stale = false;
  std::string last_synced;     // time of the latest job that synced it
  std::string last_status;     // synced | skipped | failed
  std::string last_reason;     // access_denied, network, ...
  // Roll-up of the bucket's present files, as of its latest completion.
  std::uint64_t file_count = 0;
  std::uint64_t total_bytes = 0;
  std::string newest_modified;
};

// Roll-up of a folder: every proper prefix ending in '/' of a present key, and
// every present folder marker.
struct FolderEntry {
  std::string bucket;
  std::string path;  // "a/b/" (never empty)
  std::uint64_t file_count = 0;   // files anywhere below the folder
  std::uint64_t total_bytes = 0;
  std::string newest_modified;
};

struct Annotation {
  std::string description;  // Markdown
  std::vector<std::string> tags;
  std::vector<std::string> owners;
  std::string updated_by;
  std::string updated_at;
};

enum class JobStatus { kRunning, kSucceeded, kSucceededWithWarnings, kFailed, kCancelled, kInterrupted };
const char* to_string(JobStatus status);
std::optional<JobStatus> job_status_from_string(const std::string& text);

struct BucketResult {
  std::string name;
  std::string status;  // synced | skipped | failed
  std::string reason;    // empty, access_denied, not_found, cancelled, or an error category
  std::string category;  // error category when skipped or failed: permissions, network, ...
  std::string message;
  std::string hint;
  std::uint64_t files = 0;
};

struct JobError {
  std::string category;  // authentication | permissions | network | configuration | service | internal
  std::string message;
  std::string hint;
};

struct Job {
  std::int64_t id = 0;
  std::string source;
  JobStatus status = JobStatus::kRunning;
  std::string started_at;
  std::string finished_at;
  std::optional<JobError> error;
  std::vector<BucketResult> buckets;
  std::uint64_t files_synced = 0;
  std::uint64_t files_added = 0;
  std::uint64_t files_updated = 0;
  std::uint64_t files_removed = 0;
  std::vector<std::string> warnings;
  std::string summary;  // one sentence: what the job did, or why it synced no file
  std::string trigger;  // who started it: "api", "schedule", or empty (the CLI, or unknown)
};

}  // namespace s3cat::catalog
