#include "server/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "server/context.h"
#include "server/metrics.h"
#include "server/access.h"
#include "server/request_guard.h"

namespace s3cat::server {

namespace {

bool uses_tls(const ServerOptions& options) { return !options.tls_cert_file.empty() || !options.tls_key_file.empty(); }

std::unique_ptr<httplib::Server> make_http_server(const ServerOptions& options) {
  if (uses_tls(options)) {
    return std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(), options.tls_key_file.c_str());
  }
  return std::make_unique<httplib::Server>();
}

// The UI uses no inline script or style, eval or other origin, so the policy
// blocks markup that slipped into object keys or annotations; no page may
// frame the UI. Sent with every response, once.
httplib::Headers security_headers() {
  return {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; img-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
}

}  // namespace

struct CatalogServer::Impl {
  Impl(catalog::CatalogStore& store, catalog::AuthStore& auth, ServerOptions server_options)
      : options(std::move(server_options)),
        store(store),
        runner(store, options.runner, metrics),
        scheduler(store, runner, options.scheduler),
        authenticator(auth, uses_tls(options)),
        context{store, runner, metrics, stopping, options.runner.client, auth, authenticator},
        http(make_http_server(options)),
        router(*http, metrics, authenticator,
               [loopback = is_loopback_host(options.host)](const httplib::Request& request) {
                 return rejection_reason(request, loopback);
               }) {}

  ServerOptions options;
  catalog::CatalogStore& store;
  Metrics metrics;
  JobRunner runner;
  Scheduler scheduler;
  std::atomic<bool> stopping{false};
  Authenticator authenticator;
  ServerContext context;
  std::unique_ptr<httplib::Server> http;
  Router router;
};

CatalogServer::CatalogServer(catalog::CatalogStore& store, catalog::AuthStore& auth, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, auth, std::move(options))) {
  const int threads = impl_->options.worker_threads;
  impl_->http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  impl_->http->set_payload_max_length(kMaxBodyBytes);
  impl_->http->set_default_headers(security_headers());

  Router& router = impl_->router;
  ServerContext& context = impl_->context;
  register_auth_routes(router, context);
  register_source_routes(router, context);
  register_filter_routes(router, context);
  register_connection_routes(router, context);
  register_job_routes(router, context);
  register_catalog_routes(router, context);
  register_search_routes(router, context);
  register_export_routes(router, context);
  register_system_routes(router, context);
}

CatalogServer::~CatalogServer() {
  stop();
  impl_->scheduler.stop();
  impl_->runner.shutdown();
}

std::expected<int, std::string> CatalogServer::bind() {
  const std::string& host = impl_->options.host;
  const int port = impl_->options.port;
  if (!impl_->http->is_valid()) {
    return std::unexpected("could not load the TLS certificate " + impl_->options.tls_cert_file + " and key " +
                           impl_->options.tls_key_file +
                           ": check that both exist, are PEM files and that the key matches the certificate");
  }
  if (port == 0) {
    const int bound = impl_->http->bind_to_any_port(host);
    if (bound < 0) return std::unexpected("could not listen on " + host + " with a free port");
    return bound;
  }
  if (!impl_->http->bind_to_port(host, port)) {
    return std::unexpected("could not listen on " + host + ":" + std::to_string(port) +
                           "; is another process using the port? Pick another with --listen HOST:PORT");
  }
  return port;
}

void CatalogServer::run() {
  // This process has started no job yet, so a running job recorded with its
  // process id belongs to a crashed predecessor that had the same id.
  if (auto swept = impl_->store.interrupt_abandoned_jobs(/*include_this_process=*/true); !swept) {
    spdlog::error("could not mark abandoned jobs interrupted: {}", swept.error().message);
  } else if (!swept->empty()) {
    spdlog::info("marked {} job(s) left running by ended processes interrupted", swept->size());
  }

  impl_->scheduler.start();
  impl_->http->listen_after_bind();

  impl_->scheduler.stop();
  impl_->runner.shutdown();
  spdlog::info("server stopped");
}

void CatalogServer::stop() {
  // Jobs end first, so that open event streams can still send their result.
  impl_->runner.shutdown();
  impl_->stopping = true;
  impl_->http->stop();
}

const std::vector<RouteInfo>& CatalogServer::routes() const { return impl_->router.routes(); }

}  // namespace s3cat::server
