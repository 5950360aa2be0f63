// What the route handlers share: the store, the job runner, the metrics, the
// S3 client settings and the flag that ends long responses (event streams)
// when the server stops.
// The referenced objects outlive the HTTP server; all are thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/auth_store.h"
#include "catalog/store.h"
#include "server/authenticator.h"
#include "server/job_runner.h"
#include "server/metrics.h"
#include "server/router.h"

namespace s3cat::server {

// Largest request body accepted, in bytes; larger ones get 413.
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

struct ServerContext {
  catalog::CatalogStore& store;
  JobRunner& runner;
  Metrics& metrics;
  std::atomic<bool>& stopping;
  const extract::ClientSettings& client_settings;  // for requests to S3 outside jobs
  catalog::AuthStore& auth;
  Authenticator& authenticator;
};

// Appends an audit log entry with the current caller as the actor. A failure
// is logged, not raised, because the change it records is already made.
void audit(ServerContext& context, const std::string& action, const std::string& target,
           const nlohmann::json& detail = nlohmann::json::object());

// Route registration, one function per file (routes_*.cc).
void register_auth_routes(Router& router, ServerContext& context);
void register_source_routes(Router& router, ServerContext& context);
void register_filter_routes(Router& router, ServerContext& context);
void register_connection_routes(Router& router, ServerContext& context);
void register_job_routes(Router& router, ServerContext& context);
void register_catalog_routes(Router& router, ServerContext& context);
void register_search_routes(Router& router, ServerContext& context);
void register_export_routes(Router& router, ServerContext& context);
// /healthz, /metrics, /api/openapi.json and the web UI's files; add last,
// because the web UI's route matches every other GET path.
void register_system_routes(Router& router, ServerContext& context);

}  // namespace s3cat::server
