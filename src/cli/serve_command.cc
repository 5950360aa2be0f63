// `s3catalog serve [--listen HOST:PORT]`: the catalog server (REST API, web
// UI, job runner and scheduler) until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/auth_context.h"
#include "cli/commands.h"
#include "s3/credentials.h"
#include "server/request_guard.h"
#include "server/server.h"

namespace s3cat::cli {
namespace {

constexpr const char* kAddAdminCommand = "printf '%s\\n' \"$PASSWORD\" | s3catalog user add admin --role admin";

struct ListenAddress {
  std::string host;
  int port = 0;
};

// Parses HOST:PORT; an IPv6 host is written in brackets ([::1]:8080).
std::expected<ListenAddress, CommandError> parse_listen(const std::string& text) {
  const auto invalid = [&] {
    return std::unexpected(CommandError{kExitUsage, "invalid --listen \"" + text +
                                                        "\": expected HOST:PORT such as 127.0.0.1:8080, with a port "
                                                        "from 0 (any free port) to 65535"});
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return invalid();
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return invalid();
  address.port = std::stoi(port);
  if (address.port > 65535) return invalid();
  return address;
}

std::string url_host(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

void register_serve_command(CLI::App& app, CommandContext& context) {
  static std::string listen = "127.0.0.1:8080";
  static bool list_routes = false;
  static std::string tls_cert;
  static std::string tls_key;
  auto* command = app.add_subcommand("serve", "run the catalog server: REST API, web UI, jobs and schedules");
  command->add_option("--listen", listen,
                      "address and port to listen on, HOST:PORT (default 127.0.0.1:8080; port 0 picks a free port "
                      "and prints it)");
  command->add_flag("--list-routes", list_routes, "print every route the server registers as METHOD PATH, and exit");
  command->add_option("--tls-cert", tls_cert, "PEM certificate (chain) file; with --tls-key, serve HTTPS only");
  command->add_option("--tls-key", tls_key, "PEM private key file of --tls-cert");

  command->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto address = parse_listen(listen);
      if (!address) return std::unexpected(address.error());
      if (tls_cert.empty() != tls_key.empty()) {
        return std::unexpected(CommandError{kExitUsage, "--tls-cert and --tls-key go together: give both to serve "
                                                        "HTTPS, or neither for HTTP"});
      }
      // A catalog that does not exist yet has no users either. Refusing before
      // opening it leaves no empty database or new key file behind.
      if (!list_routes) {
        auto location = parse_database_url(context.global.db_url);
        if (!location) return std::unexpected(location.error());
        std::error_code error;
        if (!std::filesystem::exists(location->sqlite_path, error) && !error) {
          return std::unexpected(CommandError{
              kExitUsage, "there is no catalog at " + location->sqlite_path +
                              " yet, so nobody could log in; create it with an admin first, with the password on "
                              "standard input:\n  " + kAddAdminCommand});
        }
      }
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());

      // SIGINT and SIGTERM are blocked in every thread and taken by one
      // waiting thread, so the server stops from an ordinary thread.
      sigset_t signals;
      sigemptyset(&signals);
      sigaddset(&signals, SIGINT);
      sigaddset(&signals, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &signals, nullptr);

      server::ServerOptions options;
      options.host = address->host;
      options.port = address->port;
      options.tls_cert_file = tls_cert;
      options.tls_key_file = tls_key;
      options.runner.client.environment = s3::current_environment();
      server::CatalogServer server(**store, **auth, options);
      if (list_routes) {
        for (const auto& route : server.routes()) std::cout << route.method << " " << route.path << "\n";
        return kExitOk;
      }

      // Without users nobody could log in, and the server must not fall
      // back to serving everyone.
      auto users = (*auth)->count_users();
      if (!users) return std::unexpected(from_store_error(users.error()));
      if (*users == 0) {
        return std::unexpected(CommandError{
            kExitUsage,
            std::string("the catalog has no users, so nobody could log in; create an admin first, with the password "
                        "on standard input:\n  ") + kAddAdminCommand});
      }

      auto port = server.bind();
      if (!port) return std::unexpected(CommandError{kExitFailed, port.error()});
      if (!server::is_loopback_host(address->host)) {
        spdlog::warn("listening on {}, which is not a loopback address{}", address->host,
                     tls_cert.empty() ? ", without TLS: passwords, session cookies and API tokens cross the network "
                                        "in clear text; use --tls-cert and --tls-key"
                                      : "");
      }
      const std::string url = (tls_cert.empty() ? "http://" : "https://") + url_host(address->host) + ":" + std::to_string(*port);
      std::cout << "listening on " << url << std::endl;
      spdlog::info("s3catalog server listening on {}", url);

      std::atomic<bool> served{false};
      std::thread waiter([&] {
        int received = 0;
        sigwait(&signals, &received);
        if (served) return;
        spdlog::info("received {}; stopping the server and cancelling running jobs",
                     received == SIGINT ? "SIGINT" : "SIGTERM");
        server.stop();
      });
      server.run();
      served = true;
      // Wakes the waiter when run() ended for another reason than a signal.
      pthread_kill(waiter.native_handle(), SIGTERM);
      waiter.join();
      return kExitOk;
    });
  });
}

}  // namespace s3cat::cli
