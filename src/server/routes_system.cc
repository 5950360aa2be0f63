// /healthz, /metrics, /api/openapi.json and the web UI's files.
#include "server/api_error.h"
#include "server/context.h"
#include "server/embedded_files.h"
#include "server/http_support.h"
#include "server/static_files.h"

namespace s3cat::server {

void register_system_routes(Router& router, ServerContext& context) {
  router.add("GET", "/healthz", [&context](const httplib::Request&, httplib::Response& response) {
    // A lookup of a name that no source can have runs one query without
    // reading secrets. Only a failing database returns another error than
    // not found.
    auto probe = context.store.get_source_without_secrets("-");
    if (!probe && probe.error().kind != catalog::StoreErrorKind::kNotFound) {
      send_error(response, 503, "the catalog database failed a query: " + probe.error().message);
      return;
    }
    send_json(response, 200, {{"status", "ok"}});
  });

  router.add("GET", "/metrics", [&context](const httplib::Request&, httplib::Response& response) {
    response.set_content(context.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });

  router.add("GET", "/api/openapi.json", [](const httplib::Request&, httplib::Response& response) {
    const auto files = openapi_files();
    response.set_content(std::string(files.front().data), "application/json");
  });

  router.add("GET", "/{file_path}", [](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/api" || request.path.starts_with("/api/")) {
      throw ApiError(404, "no route for GET " + request.path);
    }
    const auto file = find_static_file(request.path);
    if (!file) throw ApiError(404, "no file " + request.path);
    // The security headers, the Content-Security-Policy among them, come
    // with every response (server.cc).
    response.set_header("Cache-Control", "no-cache");
    response.set_content(std::string(file->data), file->content_type);
  });
}

}  // namespace s3cat::server
