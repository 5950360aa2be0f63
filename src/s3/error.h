// The S3 module's one error model: every failed call returns an S3Error with
// typed fields, built by one function (make_response_error) for HTTP answers
// and by the transport for connection faults. Plain values, thread-compatible.
#pragma once

#include <expected>
#include <string>

namespace s3cat::s3 {

// What went wrong below HTTP, when S3 gave no answer at all.
enum class TransportFault {
  kNone,
  kDnsFailure,
  kConnectionRefused,
  kConnectionReset,
  kTimeout,
  kTlsFailure,
  kTruncatedBody,  // the connection closed before the announced body length arrived
  kOther,
};

// The user-facing class of a failure; the extraction job reports exactly one.
enum class ErrorCategory {
  kAuthentication,  // unknown key, wrong secret, expired or invalid token, no credentials, clock skew
  kPermissions,     // AccessDenied and similar authorization refusals
  kNetwork,         // DNS, refused, reset, timeout, TLS, truncated body
  kConfiguration,   // invalid endpoint URL, unusable setting
  kService,         // 5xx after retries, malformed responses, broken pagination
  kNotFound,        // NoSuchBucket: the bucket vanished between calls
  kInternal,
};

struct S3Error {
  std::string context;     // what the caller was doing: "listing bucket logs, prefix a/"
  std::string operation;   // S3 or STS operation: "ListObjectsV2", "ListBuckets"
  int http_status = 0;     // 0 when no HTTP answer arrived
  std::string code;        // S3 error code ("AccessDenied"); empty for transport faults
  std::string message;     // the server's message, or the transport's description
  std::string request_id;  // x-amz-request-id, when the server sent one
  std::string region;      // the bucket's region, when the answer revealed it
  TransportFault transport = TransportFault::kNone;
  ErrorCategory category = ErrorCategory::kInternal;
  std::string hint;        // what the user can do about it; may be empty
  int attempts = 0;        // requests sent before giving up, when the client retried; 0 when unknown

  // One line for logs and users: "ListObjectsV2 failed while listing bucket logs:
  // HTTP 403 AccessDenied: Access Denied (request id X)". Never contains secrets.
  std::string describe() const;
};

template <typename T>
using Result = std::expected<T, S3Error>;

const char* to_string(ErrorCategory category);
const char* to_string(TransportFault fault);

// Maps an S3 error code and HTTP status to a category. Codes override statuses:
// SignatureDoesNotMatch is authentication although S3 sends it with 403.
ErrorCategory categorize(int http_status, const std::string& code, TransportFault fault);

// The remediation hint shown for a category, specialised by code where it helps
// (RequestTimeTooSkewed mentions the clock, AccessDenied on ListBuckets names
// s3:ListAllMyBuckets).
std::string hint_for(ErrorCategory category, const std::string& code, const std::string& operation);

}  // namespace s3cat::s3
