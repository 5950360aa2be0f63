#include "s3/metadata_http.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstring>

namespace s3cat::s3 {

Result<HttpResponse> send_with_one_retry(HttpTransport& transport, const HttpRequest& request,
                                         const MetadataCall& call) {
  Result<HttpResponse> response = transport.send(request);
  const bool failed = !response || response->status >= 500;
  if (failed) {
    spdlog::debug("{}: retrying once after {}", call.operation,
                  response ? fmt::format("HTTP {}", response->status) : response.error().describe());
    response = transport.send(request);
  }
  if (!response) {
    S3Error error = response.error();
    error.operation = call.operation;
    error.context = call.context;
    error.attempts = 2;
    return std::unexpected(std::move(error));
  }
  return response;
}

S3Error metadata_status_error(const HttpResponse& response, const MetadataCall& call) {
  S3Error error;
  error.operation = call.operation;
  error.context = call.context;
  error.http_status = response.status;
  error.message = "the endpoint returned an error status";
  error.category = response.status == 401 || response.status == 403 ? ErrorCategory::kAuthentication
                                                                     : ErrorCategory::kService;
  error.hint = call.hint;
  return error;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  }
  return false;
}

}  // namespace s3cat::s3
