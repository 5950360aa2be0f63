#include "server/router.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <mutex>

#include "catalog/auth_crypto.h"
#include "server/api_error.h"
#include "server/context.h"
#include "server/http_support.h"

namespace s3cat::server {
namespace {

// The request being served on this thread. cpp-httplib runs the pre-routing
// handler, the route's handler, the error handler and the logger of one
// request on one thread.
struct RequestState {
  std::string route = "unmatched";  // template of the route that handles it
  std::chrono::steady_clock::time_point started;  // default when no pre-routing ran
  bool counted = false;  // the metrics have it
};
thread_local RequestState current;

std::chrono::steady_clock::duration elapsed() {
  if (current.started == std::chrono::steady_clock::time_point()) return {};
  return std::chrono::steady_clock::now() - current.started;
}

// Logs a rejected request at most once per 10 seconds, with the number of
// rejections not logged since, because a hostile page can send many.
void log_rejection(const httplib::Request& request, const std::string& reason) {
  static std::mutex mutex;
  static std::chrono::steady_clock::time_point last_logged;
  static std::uint64_t unlogged = 0;
  std::lock_guard lock(mutex);
  const auto now = std::chrono::steady_clock::now();
  if (last_logged != std::chrono::steady_clock::time_point() && now - last_logged < std::chrono::seconds(10)) {
    ++unlogged;
    return;
  }
  spdlog::warn("rejected {} {} ({} more rejected since the last report): {}", request.method, request.path, unlogged,
               reason);
  last_logged = now;
  unlogged = 0;
}

}  // namespace

std::string template_to_regex(const std::string& path) {
  std::string regex;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '{') {
      const std::size_t close = path.find('}', i);
      const std::string name = path.substr(i + 1, close - i - 1);
      if (name == "id") {
        regex += "([0-9]+)";
      } else if (name == "file_path") {
        regex += "(.*)";
      } else {
        regex += "([^/]+)";
      }
      i = close;
    } else if (std::string_view(".+*?()[]^$|\\").find(c) != std::string_view::npos) {
      regex += '\\';
      regex += c;
    } else {
      regex += c;
    }
  }
  return regex;
}

// Counts the request once, before its response is written, so a client
// that reads /metrics right after a response finds it counted. For a
// streamed response the duration ends when its handler returns.
void Router::count(const httplib::Request& request, int status) {
  if (current.counted) return;
  current.counted = true;
  metrics_.request_finished(request.method, current.route, status < 0 ? 200 : status, elapsed());
}

Router::Router(httplib::Server& server, Metrics& metrics, Authenticator& authenticator, Guard guard)
    : server_(server), metrics_(metrics), authenticator_(authenticator) {
  server_.set_pre_routing_handler([this, guard = std::move(guard)](const httplib::Request& request,
                                                                   httplib::Response& response) {
    current = RequestState{.started = std::chrono::steady_clock::now()};
    if (const auto reason = guard(request)) {
      log_rejection(request, *reason);
      send_error(response, 403, *reason);
      count(request, 403);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    count(request, response.status);
    spdlog::debug("{} {} {} {:.1f} ms", request.method, request.path, response.status,
                  std::chrono::duration<double, std::milli>(elapsed()).count());
    current = RequestState{};
  });
  // Gives a JSON error body to error responses that have none yet: unknown
  // routes, a body over the size limit, and the like.
  server_.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& request,
                                                                         httplib::Response& response) {
    count(request, response.status);
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = "the request failed with HTTP status " + std::to_string(response.status);
    if (response.status == 404) message = "no route for " + request.method + " " + request.path;
    if (response.status == 413) message = "the request body is larger than the limit of " + std::to_string(kMaxBodyBytes) + " bytes";
    if (response.status == 400) message = "the request is malformed";
    send_error(response, response.status, message);
    return httplib::Server::HandlerResponse::Handled;
  }));
}

bool Router::admit(const httplib::Request& request, httplib::Response& response, Access access) {
  set_current_principal(std::nullopt);
  if (access == Access::kPublic) return true;

  auto principal = authenticator_.authenticate(request);
  if (!principal) {
    response.set_header("WWW-Authenticate", "Bearer");
    send_error(response, 401,
               "authentication required: log in (POST /api/login) or send an API token in the Authorization: "
               "Bearer header");
    return false;
  }
  if (!role_allows(principal->user.role, access)) {
    send_error(response, 403,
               fmt::format("{} {} needs the {} role; user \"{}\" has the {} role", request.method, request.path,
                           access_name(access), principal->user.name, catalog::role_name(principal->user.role)));
    return false;
  }
  // A browser sends the cookie with requests that other sites start, so a
  // change made with the cookie must also carry the token that only pages
  // of this server can read. Bearer tokens are never sent by a browser on
  // its own, so they need no CSRF token.
  const bool changes_state = request.method != "GET" && request.method != "HEAD";
  if (principal->via_session && changes_state) {
    const std::string sent = request.get_header_value("X-CSRF-Token");
    if (sent.empty() || !catalog::equal_in_constant_time(sent, principal->csrf_token)) {
      send_error(response, 403,
                 std::string(sent.empty() ? "missing" : "invalid") +
                     " X-CSRF-Token header: a change made with the session cookie must send the csrf_token "
                     "of GET /api/session in X-CSRF-Token");
      return false;
    }
  }
  set_current_principal(std::move(principal));
  return true;
}

void Router::add(const std::string& method, const std::string& path, Handler handler) {
  const auto access = required_access(method, path);
  if (!access) {
    throw std::logic_error("route " + method + " " + path +
                           " has no entry in the route table (src/server/access.cc); add one with its minimum role");
  }
  routes_.push_back(RouteInfo{method, path, *access});
  auto wrapped = [this, path, access = *access, handler = std::move(handler)](const httplib::Request& request,
                                                                              httplib::Response& response) {
    current.route = path;
    if (!admit(request, response, access)) {
      count(request, response.status);
      return;
    }
    try {
      handler(request, response);
    } catch (const ApiError& error) {
      send_error(response, error.status(), error.what(), error.field());
    } catch (const std::exception& error) {
      spdlog::error("{} {} failed: {}", request.method, request.path, error.what());
      send_error(response, 500, std::string("internal error: ") + error.what());
    }
    set_current_principal(std::nullopt);
    count(request, response.status);
  };
  const std::string pattern = template_to_regex(path);
  if (method == "GET") {
    server_.Get(pattern, wrapped);
  } else if (method == "POST") {
    server_.Post(pattern, wrapped);
  } else if (method == "PUT") {
    server_.Put(pattern, wrapped);
  } else if (method == "PATCH") {
    server_.Patch(pattern, wrapped);
  } else if (method == "DELETE") {
    server_.Delete(pattern, wrapped);
  }
}

}  // namespace s3cat::server
