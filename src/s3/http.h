// The HTTP transport behind the S3 client. The client depends only on the
// HttpTransport interface, so tests can point it at loopback servers and the
// clock-dependent signer can be driven with a fixed time.
// CurlTransport keeps a pool of libcurl easy handles, and each send() borrows
// one, so connections are reused and send() is safe from several threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "s3/error.h"

namespace s3cat::s3 {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute, already percent-encoded as it goes on the wire
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // Returns the header's value or an empty string.
  std::string header(const std::string& lower_case_name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends one request and waits for the whole answer (network I/O). Returns the
  // response for any HTTP status, or an S3Error with `transport` set when no
  // complete answer arrived: a body shorter than its Content-Length is
  // kTruncatedBody, never a short success.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // The whole request, including the body. A listing page is at most about 1 MB.
  std::chrono::milliseconds request_timeout{60000};
  // A transfer slower than this many bytes per second for low_speed_time is a timeout,
  // which catches stalled servers long before request_timeout.
  long low_speed_limit_bytes_per_second = 1;
  std::chrono::seconds low_speed_time{20};
  // CA bundle for TLS verification; empty means AWS_CA_BUNDLE, then the system default.
  std::string ca_bundle;
  // A response body larger than this fails with TransportFault::kOther. A listing
  // page is about 1 MB, so the default leaves a wide margin.
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  // Test hook: curl --resolve entries "host:port:address" that map a host name
  // to a loopback address, so tests can reach an HTTPS stub under the name its
  // certificate covers. Empty means the S3CATALOG_TEST_RESOLVE variable (a
  // comma-separated list). Entries whose address is not loopback are ignored.
  std::vector<std::string> resolve;
};

std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options);

// Returns the curl --resolve entries ("host:port:address") whose address is a
// loopback address literal (127.0.0.0/8, ::1 or [::1]), logging a warning for
// each entry dropped.
std::vector<std::string> loopback_resolve_entries(const std::vector<std::string>& entries);

}  // namespace s3cat::s3
