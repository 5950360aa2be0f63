// Login, logout and the session; users, API tokens and the audit log.
#include <spdlog/spdlog.h>

#include "catalog/auth_crypto.h"
#include "catalog/auth_json.h"
#include "server/api_error.h"
#include "server/context.h"
#include "server/http_support.h"

namespace s3cat::server {
namespace {

nlohmann::json session_json(const Principal& principal) {
  nlohmann::json body = {{"user", catalog::user_to_json(principal.user)},
                         {"via", principal.via_session ? "session" : "token"},
                         {"csrf_token", nullptr}};
  if (principal.via_session) body["csrf_token"] = principal.csrf_token;
  return body;
}

const Principal& caller() {
  const Principal* principal = current_principal();
  if (principal == nullptr) throw ApiError(401, "authentication required");
  return *principal;
}

catalog::Role role_member(const nlohmann::json& body) {
  const auto text = string_member(body, "role", "role");
  if (!text) throw_bad_request("missing role: use admin, steward or viewer", "role");
  const auto role = catalog::parse_role(*text);
  if (!role) throw_bad_request("invalid role \"" + *text + "\": use admin, steward or viewer", "role");
  return *role;
}

std::string hashed_password_member(const nlohmann::json& body) {
  const auto password = string_member(body, "password", "password");
  if (!password) throw_bad_request("missing password", "password");
  if (auto problem = catalog::password_problem(*password)) throw_bad_request(*problem, "password");
  auto hash = catalog::hash_password(*password);
  if (!hash) throw ApiError(500, "hashing the password failed: out of memory");
  return *hash;
}

// Rejects a change that would leave the catalog without an admin.
void keep_an_admin(ServerContext& context, const catalog::User& user) {
  if (user.role != catalog::Role::kAdmin) return;
  if (value_or_throw(context.auth.count_admins()) <= 1) {
    throw ApiError(409, "user \"" + user.name + "\" is the last admin; make another user an admin first");
  }
}

void register_session_routes(Router& router, ServerContext& context) {
  router.add("POST", "/api/login", [&context](const httplib::Request& request, httplib::Response& response) {
    const nlohmann::json body = parse_object_body(request);
    reject_unknown_fields(body, {"user", "password"});
    const std::string user = string_member(body, "user", "user").value_or("");
    const std::string password = string_member(body, "password", "password").value_or("");
    if (user.empty()) throw_bad_request("missing user name", "user");
    if (password.empty()) throw_bad_request("missing password", "password");

    auto result = context.authenticator.login(user, password, request.remote_addr);
    if (!result) {
      // The name comes from the client, so the audit log keeps at most 64 characters of it.
      const std::string target = user.size() > 64 ? user.substr(0, 64) + "..." : user;
      if (result.error().status == 401 || result.error().status == 429) {
        const char* reason = result.error().status == 429 ? "locked" : "wrong user name or password";
        audit(context, "login.failure", target, {{"address", request.remote_addr}, {"reason", reason}});
      }
      send_error(response, result.error().status, result.error().message);
      return;
    }
    set_current_principal(result->principal);
    audit(context, "login.success", user, {{"address", request.remote_addr}});
    response.set_header("Set-Cookie", context.authenticator.session_cookie(result->cookie_value));
    response.set_header("Cache-Control", "no-store");
    send_json(response, 200, session_json(result->principal));
  });

  router.add("POST", "/api/logout", [&context](const httplib::Request&, httplib::Response& response) {
    const Principal& principal = caller();
    context.authenticator.logout(principal);
    audit(context, "logout", principal.user.name);
    response.set_header("Set-Cookie", context.authenticator.cleared_cookie());
    response.status = 204;
  });

  router.add("GET", "/api/session", [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    send_json(response, 200, session_json(caller()));
  });
}

void register_user_routes(Router& router, ServerContext& context) {
  router.add("GET", "/api/users", [&context](const httplib::Request&, httplib::Response& response) {
    nlohmann::json users = nlohmann::json::array();
    for (const auto& user : value_or_throw(context.auth.list_users())) users.push_back(catalog::user_to_json(user));
    send_json(response, 200, {{"users", users}});
  });

  router.add("POST", "/api/users", [&context](const httplib::Request& request, httplib::Response& response) {
    const nlohmann::json body = parse_object_body(request);
    reject_unknown_fields(body, {"name", "role", "password"});
    const std::string name = string_member(body, "name", "name").value_or("");
    if (!catalog::is_valid_user_name(name)) {
      throw_bad_request("invalid user name \"" + name +
                            "\": use 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
                        "name");
    }
    const catalog::Role role = role_member(body);
    const std::string hash = hashed_password_member(body);
    catalog::User created = value_or_throw(context.auth.create_user(name, role, hash), "name");
    audit(context, "user.create", name, {{"role", std::string(catalog::role_name(role))}});
    send_json(response, 201, catalog::user_to_json(created));
  });

  router.add("PATCH", "/api/users/{user}", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::string name = path_parameter(request, 1);
    const nlohmann::json body = parse_object_body(request);
    reject_unknown_fields(body, {"role", "password"});
    catalog::User user = value_or_throw(context.auth.get_user(name));
    if (body.contains("role")) {
      const catalog::Role role = role_member(body);
      if (role != catalog::Role::kAdmin) keep_an_admin(context, user);
      user = value_or_throw(context.auth.set_role(name, role));
      audit(context, "user.set_role", name, {{"role", std::string(catalog::role_name(role))}});
    }
    if (body.contains("password")) {
      value_or_throw(context.auth.set_password_hash(name, hashed_password_member(body)));
      audit(context, "user.set_password", name);
    }
    user.password_hash.clear();
    send_json(response, 200, catalog::user_to_json(user));
  });

  router.add("DELETE", "/api/users/{user}", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::string name = path_parameter(request, 1);
    const catalog::User user = value_or_throw(context.auth.get_user(name));
    keep_an_admin(context, user);
    value_or_throw(context.auth.remove_user(name));
    audit(context, "user.remove", name);
    response.status = 204;
  });
}

void register_token_routes(Router& router, ServerContext& context) {
  // Every user lists and manages their own tokens. An admin lists every
  // user's tokens and may create a token for another user.
  router.add("GET", "/api/tokens", [&context](const httplib::Request& request, httplib::Response& response) {
    const Principal& principal = caller();
    std::optional<std::string> user = principal.user.name;
    if (principal.user.role == catalog::Role::kAdmin) user = query_string(request, "user");
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& token : value_or_throw(context.auth.list_tokens(user))) tokens.push_back(catalog::token_to_json(token));
    send_json(response, 200, {{"tokens", tokens}});
  });

  router.add("POST", "/api/tokens", [&context](const httplib::Request& request, httplib::Response& response) {
    const Principal& principal = caller();
    const nlohmann::json body = parse_object_body(request);
    reject_unknown_fields(body, {"name", "user"});
    const std::string name = string_member(body, "name", "name").value_or("");
    const std::string user = string_member(body, "user", "user").value_or(principal.user.name);
    if (user != principal.user.name && principal.user.role != catalog::Role::kAdmin) {
      throw ApiError(403, "only an admin may create a token for another user", "user");
    }
    const std::string secret = catalog::new_secret("s3c_");
    const catalog::ApiToken token =
        value_or_throw(context.auth.create_token(user, name, catalog::sha256_hex(secret)), "name");
    audit(context, "token.create", std::to_string(token.id), {{"user", user}, {"name", name}});
    nlohmann::json answer = catalog::token_to_json(token);
    answer["token"] = secret;
    response.set_header("Cache-Control", "no-store");
    send_json(response, 201, answer);
  });

  router.add("DELETE", "/api/tokens/{id}", [&context](const httplib::Request& request, httplib::Response& response) {
    const Principal& principal = caller();
    const std::int64_t id = id_parameter(request, 1);
    auto token = context.auth.get_token(id);
    // Another user's token is reported as missing, so ids reveal nothing.
    if (!token || (token->user != principal.user.name && principal.user.role != catalog::Role::kAdmin)) {
      throw ApiError(404, "API token " + std::to_string(id) + " not found");
    }
    value_or_throw(context.auth.revoke_token(id));
    audit(context, "token.revoke", std::to_string(id), {{"user", token->user}, {"name", token->name}});
    response.status = 204;
  });
}

}  // namespace

void audit(ServerContext& context, const std::string& action, const std::string& target,
           const nlohmann::json& detail) {
  auto written = context.auth.append_audit(current_actor(), action, target, detail.dump());
  if (!written) spdlog::error("could not write the audit log entry {} {}: {}", action, target, written.error().message);
}

void register_auth_routes(Router& router, ServerContext& context) {
  register_session_routes(router, context);
  register_user_routes(router, context);
  register_token_routes(router, context);

  router.add("GET", "/api/audit", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::size_t limit = query_integer(request, "limit", 1, 1000).value_or(100);
    const std::size_t offset = query_integer(request, "offset", 0, UINT32_MAX).value_or(0);
    const catalog::AuditPage page = value_or_throw(context.auth.list_audit(limit, offset));
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& entry : page.entries) {
      entries.push_back({{"id", entry.id},
                         {"time", entry.time},
                         {"actor", entry.actor},
                         {"action", entry.action},
                         {"target", entry.target},
                         {"detail", nlohmann::json::parse(entry.detail, nullptr, false)}});
    }
    send_json(response, 200, {{"entries", entries}, {"total", page.total}, {"limit", limit}, {"offset", offset}});
  });
}

}  // namespace s3cat::server
