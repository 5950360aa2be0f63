// "Test connection": checks a source's settings before any extraction runs.
// It resolves the credentials (naming the provider that gave them), calls STS
// GetCallerIdentity, sends ListBuckets, then one ListObjectsV2 with
// max-keys=1 per bucket in scope, and reports every denial with its IAM
// action and resource.
// It writes nothing to the catalog. check_connection() does network I/O and
// is safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/types.h"
#include "extract/source_client.h"

namespace s3cat::extract {

// The failure of one check.
struct CheckProblem {
  std::string category;  // authentication, permissions, network, configuration, service, internal
  std::string code;      // the S3 or STS error code; empty for transport faults
  std::string message;   // one line; a denial starts with "s3:ListBucket on arn:aws:s3:::logs was denied"
  std::string hint;
};

struct CredentialsCheck {
  std::string mode;      // access_key or default_chain
  std::string provider;  // where the keys came from: "static", "container credentials", "assume role (static)"
  std::string access_key_id_last4;
  std::string role_arn;    // the source's role, empty when none
  std::string expires_at;  // RFC 3339 UTC; empty for long-lived keys
  std::optional<CheckProblem> problem;
};

// STS GetCallerIdentity. Informational: S3-compatible servers often have no STS.
struct IdentityCheck {
  std::string status;  // ok, unavailable (the endpoint has no usable STS), failed (credentials rejected), skipped
  std::string endpoint;
  std::string arn;
  std::string account;
  std::string user_id;
  std::optional<CheckProblem> problem;
};

// One IAM permission, tested with the one request that needs it.
struct PermissionCheck {
  std::string action;    // s3:ListAllMyBuckets or s3:ListBucket
  std::string resource;  // "*" or arn:aws:s3:::bucket
  std::string status = "skipped";  // allowed, denied, failed (another error), skipped (not tried)
  std::optional<CheckProblem> problem;
};

struct BucketCheck {
  std::string name;
  std::string region;  // from ListBuckets, when the server sent it
  std::string prefix;  // the prefix of the ListObjectsV2 request: the job's first one for this bucket
  bool in_bucket_list = true;  // false for a bucket a filter names but ListBuckets did not return
  PermissionCheck list_bucket;
};

struct ConnectionReport {
  std::string source;
  // ok: every check passed. warnings: an extraction would run, but skip
  // something (a denied bucket, ListBuckets denied with filters to fall
  // back on). failed: an extraction would fail, for the reason in `error`.
  std::string status;
  std::optional<CheckProblem> error;
  CredentialsCheck credentials;
  IdentityCheck identity;
  PermissionCheck list_all_my_buckets;
  std::size_t bucket_count = 0;  // buckets ListBuckets returned
  // ListBuckets was denied, so the buckets the path filters name were checked directly.
  bool filter_buckets_listed_directly = false;
  std::vector<BucketCheck> buckets;  // in scope, sorted by name
  std::size_t buckets_not_checked = 0;
  std::vector<std::string> warnings;
  std::string summary;
  std::string checked_at;  // RFC 3339 UTC
};

struct ConnectionCheckOptions {
  std::size_t max_buckets = 100;  // buckets tested at most; the rest are counted in buckets_not_checked
  int concurrency = 4;            // ListObjectsV2 requests in flight at once
};

// Runs the checks. Each S3 and STS request is tried at most twice within
// 10 s, so a dead endpoint fails within seconds rather than after a job's
// retry budget. An authentication error on a bucket stops the bucket checks,
// because every other bucket would fail the same way.
ConnectionReport check_connection(const catalog::Source& source, const ClientSettings& settings,
                                  const ConnectionCheckOptions& options = {});

// The report as JSON (docs/cli.md, "Test connection"). Besides the fields
// above, it carries `ok` (no error, and every bucket checked is readable),
// `list_buckets` (ok, denied, failed or skipped) and per bucket `readable`,
// which the web UI reads.
nlohmann::json connection_report_json(const ConnectionReport& report);

// "arn:aws:s3:::bucket", with the partition of the region (aws-cn for cn-*,
// aws-us-gov for us-gov-*).
std::string bucket_arn(const std::string& bucket, const std::string& region);

}  // namespace s3cat::extract
