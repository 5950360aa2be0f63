// HTTP helpers shared by the providers that fetch credentials from a local
// metadata endpoint (the instance metadata service, the container endpoint).
// Stateless: thread-safe.
#pragma once

#include <string>

#include "s3/error.h"
#include "s3/http.h"

namespace s3cat::s3 {

// Labels of one request to a metadata endpoint, for its errors: `operation`
// names the request ("instance metadata PUT /latest/api/token") and
// `context` what it was for.
struct MetadataCall {
  std::string operation;
  std::string context;
  std::string hint;
};

// Sends `request` and, when no response arrived or the response is a 5xx,
// sends it once more. Returns the last response for any status, or the transport error
// labelled with `call`. Network I/O.
Result<HttpResponse> send_with_one_retry(HttpTransport& transport, const HttpRequest& request,
                                         const MetadataCall& call);

// Builds the error for a non-2xx response of a metadata endpoint: category
// kAuthentication for 401 and 403, kService otherwise. The body is left out,
// because these endpoints may echo tokens.
S3Error metadata_status_error(const HttpResponse& response, const MetadataCall& call);

// True when `host` (no port, IPv6 without brackets) is a loopback address
// literal (127.0.0.0/8, ::1) or "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace s3cat::s3
