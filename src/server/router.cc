#include "server/router.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <mutex>

#include "server/api_error.h"
#include "server/context.h"
#include "server/http_support.h"

namespace s3cat::server {
namespace {

// The template of the route that handles the request on this thread.
// cpp-httplib runs routing, the handler and the logger of one request on one
// thread, so the logger reads what the handler wrapper set.
thread_local std::string current_route;
thread_local std::chrono::steady_clock::time_point request_started;

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

Router::Router(httplib::Server& server, Metrics& metrics, Guard guard) : server_(server), metrics_(metrics) {
  server_.set_pre_routing_handler([guard = std::move(guard)](const httplib::Request& request,
                                                             httplib::Response& response) {
    current_route = "unmatched";
    request_started = std::chrono::steady_clock::now();
    if (const auto reason = guard(request)) {
      log_rejection(request, *reason);
      send_error(response, 403, *reason);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    const auto elapsed = std::chrono::steady_clock::now() - request_started;
    metrics_.request_finished(request.method, current_route, response.status, elapsed);
    spdlog::debug("{} {} {} {:.1f} ms", request.method, request.path, response.status,
                  std::chrono::duration<double, std::milli>(elapsed).count());
  });
  // Answers with a JSON error body for statuses that have none yet: unknown
  // routes, a body over the size limit, and the like.
  server_.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& request,
                                                                     httplib::Response& response) {
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = "the request failed with HTTP status " + std::to_string(response.status);
    if (response.status == 404) message = "no route for " + request.method + " " + request.path;
    if (response.status == 413) message = "the request body is larger than the limit of " + std::to_string(kMaxBodyBytes) + " bytes";
    if (response.status == 400) message = "the request is malformed";
    send_error(response, response.status, message);
    return httplib::Server::HandlerResponse::Handled;
  }));
}

void Router::add(const std::string& method, const std::string& path, Handler handler) {
  routes_.push_back(RouteInfo{method, path});
  auto wrapped = [path, handler = std::move(handler)](const httplib::Request& request, httplib::Response& response) {
    current_route = path;
    try {
      handler(request, response);
    } catch (const ApiError& error) {
      send_error(response, error.status(), error.what(), error.field());
    } catch (const std::exception& error) {
      spdlog::error("{} {} failed: {}", request.method, request.path, error.what());
      send_error(response, 500, std::string("internal error: ") + error.what());
    }
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
