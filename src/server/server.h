// The catalog server behind `s3catalog serve`: the REST API, the web UI's
// files, /healthz and /metrics on cpp-httplib, with the job runner and the
// scheduler. See docs/api.md. Construct, bind(), then run() on one thread;
// stop() may be called from any other thread.
#pragma once

#include <atomic>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "catalog/auth_store.h"
#include "catalog/store.h"
#include "server/job_runner.h"
#include "server/router.h"
#include "server/scheduler.h"

namespace s3cat::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 lets the OS choose a free port
  // Threads that serve requests. Each open event stream holds one, so this
  // bounds the number of streams open at once plus the other requests.
  int worker_threads = 32;
  // PEM files of the certificate (chain) and its private key; when both are
  // set the server speaks HTTPS only and marks its session cookie Secure.
  std::string tls_cert_file;
  std::string tls_key_file;
  RunnerOptions runner;
  SchedulerOptions scheduler;
};

class CatalogServer {
 public:
  // `auth` holds the users, sessions, tokens and audit log of the same catalog.
  CatalogServer(catalog::CatalogStore& store, catalog::AuthStore& auth, ServerOptions options);
  ~CatalogServer();

  // Binds the listening socket and returns the bound port (the real one when
  // the options ask for port 0), or a message naming the address or the TLS
  // files that could not be loaded.
  std::expected<int, std::string> bind();

  // Marks jobs abandoned by dead processes interrupted, starts the scheduler
  // and serves until stop(). Then cancels the running jobs and waits until
  // each has recorded its result.
  void run();

  // Ends run(): new connections stop, event streams end, jobs are cancelled.
  void stop();

  // Every route the server registers, in matching order.
  const std::vector<RouteInfo>& routes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3cat::server
