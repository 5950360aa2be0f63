// Route access control: the route table (method, path template, minimum
// access) that the Router reads when a route is registered, and the identity
// of the request being served. docs/api.md lists the same table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "catalog/auth_store.h"

namespace s3cat::server {

// The minimum a caller needs. kPublic routes need no login.
enum class Access { kPublic, kViewer, kSteward, kAdmin };

struct RouteRule {
  std::string_view method;
  std::string_view path;  // the template given to Router::add
  Access access;
};

// Every route of the server with its minimum access.
std::span<const RouteRule> route_table();

// The rule of a route; nullopt when the table has no entry for it.
std::optional<Access> required_access(std::string_view method, std::string_view path);

// "public", "viewer", "steward" or "admin".
std::string_view access_name(Access access);

// True when `role` meets `access`.
bool role_allows(catalog::Role role, Access access);

// The authenticated caller of a request.
struct Principal {
  catalog::User user;
  bool via_session = false;   // cookie; false for a bearer token
  std::string session_hash;   // hex SHA-256 of the cookie value, for a session
  std::string csrf_token;     // the session's CSRF token, for a session
  std::int64_t token_id = 0;  // for a bearer token
};

// The caller of the request this thread serves, set by the Router before the
// handler runs; nullptr for a public route called without credentials.
const Principal* current_principal();
void set_current_principal(std::optional<Principal> principal);

// The name recorded for the caller in annotations and the audit log.
std::string current_actor();

}  // namespace s3cat::server
