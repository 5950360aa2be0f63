// s3catalog: the command-line front end of the S3 metadata catalog.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

namespace s3cat::cli {

void configure_logging(const std::string& level_name) {
  // Progress and logs go to stderr; stdout carries only results.
  auto logger = spdlog::stderr_logger_mt("s3catalog");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->set_level(spdlog::level::from_str(level_name));
  spdlog::set_default_logger(logger);
}

}  // namespace s3cat::cli

int main(int argc, char** argv) {
  using namespace s3cat::cli;

  CLI::App app{"s3catalog: a metadata catalog for S3 object storage"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "s3catalog 0.1.0");

  CommandContext context;
  if (const char* db = std::getenv("S3CATALOG_DB")) context.global.db_url = db;
  app.add_option("--db", context.global.db_url,
                 "catalog database: sqlite:///abs/path.db or sqlite://relative.db "
                 "(default $XDG_DATA_HOME/s3catalog/catalog.db; env S3CATALOG_DB)");
  app.add_option("--log-level", context.global.log_level, "log level on stderr")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  register_source_commands(app, context);
  register_extract_command(app, context);
  register_catalog_commands(app, context);
  register_serve_command(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return kExitUsage;
  }
  return context.exit_status;
}
