// Checks that keep other web sites out of a server without logins. A browser
// page from another origin cannot change the catalog, because the Origin
// header of state-changing methods must match. A server on a loopback
// address serves only requests addressed to a loopback name, which defeats
// DNS rebinding. Pure functions; thread-safe.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

namespace s3cat::server {

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

// Why the request is rejected (with status 403), or nullopt to serve it.
// `loopback_only` is set when the server listens on a loopback address.
std::optional<std::string> rejection_reason(const httplib::Request& request, bool loopback_only);

}  // namespace s3cat::server
