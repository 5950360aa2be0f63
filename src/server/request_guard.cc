#include "server/request_guard.h"

namespace s3cat::server {
namespace {

// The host name of a Host header value: "127.0.0.1" for "127.0.0.1:8080",
// "::1" for "[::1]:8080".
std::string host_name(const std::string& value) {
  if (value.starts_with('[')) {
    const std::size_t close = value.find(']');
    return close == std::string::npos ? value : value.substr(1, close - 1);
  }
  return value.substr(0, value.find(':'));
}

bool changes_state(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::optional<std::string> rejection_reason(const httplib::Request& request, bool loopback_only) {
  const std::string host = request.get_header_value("Host");
  if (loopback_only && !host.empty() && !is_loopback_host(host_name(host))) {
    return "this server listens on a loopback address and serves only requests to 127.0.0.1, [::1] or "
           "localhost, not to Host \"" + host + "\"";
  }
  // Browsers send Origin with cross-origin requests, and a form or a simple
  // fetch from another site needs no preflight, so the check is here.
  const std::string origin = request.get_header_value("Origin");
  // https covers a TLS proxy in front of the server that keeps the Host header.
  if (changes_state(request.method) && !origin.empty() && origin != "http://" + host && origin != "https://" + host) {
    return "cross-origin " + request.method + " from " + origin + " is not allowed; use the web UI served by this "
           "server, or a client that sends no Origin header";
  }
  return std::nullopt;
}

}  // namespace s3cat::server
