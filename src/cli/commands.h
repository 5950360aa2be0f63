// Registration of the CLI's commands on the CLI11 application. Each command's
// callback runs the command and stores its exit status in `exit_status`.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.h"

namespace s3cat::cli {

struct CommandContext {
  GlobalOptions global;
  int exit_status = kExitOk;
};

void register_source_commands(CLI::App& app, CommandContext& context);
// `source test`, added to the `source` command by register_source_commands.
void register_source_test_command(CLI::App& source, CommandContext& context);
void register_extract_command(CLI::App& app, CommandContext& context);
void register_catalog_commands(CLI::App& app, CommandContext& context);
void register_serve_command(CLI::App& app, CommandContext& context);
// `user`, `token` and `secrets` (auth_commands.cc).
void register_auth_commands(CLI::App& app, CommandContext& context);

// Prints one JSON value on one line of stdout. Invalid UTF-8 in keys is
// replaced rather than aborting the output.
void print_json_line(const nlohmann::json& value);

// Prints "error: MESSAGE" on stderr and returns the error's exit status.
int report(const CommandError& error);

// Sends spdlog's output to stderr at the given level.
void configure_logging(const std::string& level_name);

// Runs `command`, turning a CommandError into its report and exit status.
template <typename Command>
void run_command(CommandContext& context, Command&& command) {
  configure_logging(context.global.log_level);
  std::expected<int, CommandError> result = command();
  context.exit_status = result ? *result : report(result.error());
}

}  // namespace s3cat::cli
