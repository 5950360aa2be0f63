// Registers the server's routes on cpp-httplib from OpenAPI-style path
// templates ("/api/jobs/{id}"), and wraps each handler so that the caller is
// authenticated and checked against the route table (access.h), an ApiError
// or an unexpected exception becomes a JSON error response, and each request
// is counted under its template. Registration happens before the server runs;
// afterwards the router is read-only and thread-safe.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/access.h"
#include "server/authenticator.h"
#include "server/metrics.h"

namespace s3cat::server {

struct RouteInfo {
  std::string method;  // "GET", "POST", "PUT", "PATCH" or "DELETE"
  // Template: "{id}" matches digits, "{file_path}" the rest of the path
  // (slashes included, or nothing), any other "{name}" one path segment.
  std::string path;
  Access access = Access::kPublic;
};

class Router {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  // Returns why a request is rejected with 403 before routing, or nullopt.
  using Guard = std::function<std::optional<std::string>(const httplib::Request&)>;

  Router(httplib::Server& server, Metrics& metrics, Authenticator& authenticator, Guard guard);

  // Registers `handler` for the method and template. Routes match in the
  // order they were added. Path parameters are request.matches[1], [2], ...
  // Throws std::logic_error when the route table has no entry for the
  // route, so no route is served without an access rule.
  void add(const std::string& method, const std::string& path, Handler handler);

  // Every route added, in order.
  const std::vector<RouteInfo>& routes() const { return routes_; }

 private:
  // Records the request on this thread in the metrics, once.
  void count(const httplib::Request& request, int status);

  // Authenticates and authorizes a request for a route that needs `access`.
  // Returns false after writing the 401 or 403 response.
  bool admit(const httplib::Request& request, httplib::Response& response, Access access);

  httplib::Server& server_;
  Metrics& metrics_;
  Authenticator& authenticator_;
  std::vector<RouteInfo> routes_;
};

// The regular expression that cpp-httplib matches for a path template.
std::string template_to_regex(const std::string& path);

}  // namespace s3cat::server
