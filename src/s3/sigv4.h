// AWS Signature Version 4 for HTTP requests (header-based authorization).
// Stateless and thread-safe; the time comes from the caller so that tests
// reproduce AWS's published examples offline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "s3/types.h"

namespace s3cat::s3 {

struct SigningRequest {
  std::string method;                 // "GET"
  std::string host;                   // Host header value, with ":port" when not default
  std::string canonical_uri;          // the path exactly as sent, already URI-encoded
  std::string query;                  // the raw query string as sent, without "?"; canonicalised here
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers to sign
  std::string payload_sha256;         // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
  std::string region;                 // "us-east-1"
  std::string service;                // "s3", "sts"
  std::chrono::system_clock::time_point time;
};

struct SignedHeaders {
  // Headers to add to the request: Authorization, X-Amz-Date, and
  // X-Amz-Security-Token when the credentials carry a session token.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string canonical_request;  // for debugging signature mismatches; includes the session token, if any
  std::string string_to_sign;
  std::string signature;  // lower-case hex, as in the Authorization header
};

// Signs the request. The canonical headers are the extra headers plus host and
// x-amz-date (and x-amz-security-token), lower-cased, trimmed and sorted once,
// so the signed-header list and the canonical block come from one map.
SignedHeaders sign_request(const SigningRequest& request, const Credentials& credentials);

// Helpers shared with the client.
std::string sha256_hex(const std::string& data);
std::string format_amz_date(std::chrono::system_clock::time_point time);  // 20150830T123600Z
// Percent-encodes per SigV4: unreserved characters stay, everything else is %XX
// (upper-case hex); '/' stays when encode_slash is false.
std::string uri_encode(const std::string& value, bool encode_slash);
// Decodes %XX sequences; '+' stays '+'. Returns false on a malformed escape.
bool percent_decode(const std::string& value, std::string& decoded);
// Canonicalises a raw query string (without "?"): splits it on '&', decodes each
// name and value and re-encodes them with uri_encode(encode_slash=true), gives a
// parameter without '=' an empty value, and sorts by name, then value.
std::string canonical_query(const std::string& raw_query);

}  // namespace s3cat::s3
