// s3catalog: the command-line front end of the S3 metadata catalog.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/stderr_lines.h"

namespace s3cat::cli {

void configure_logging(const std::string& level_name) {
  // Progress and logs go to stderr; stdout carries only results.
  auto logger = make_stderr_logger("s3catalog");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->set_level(spdlog::level::from_str(level_name));
  spdlog::set_default_logger(logger);
}

// The deepest command that was recognised: `s3catalog source add` gives "add".
const CLI::App* selected_command(const CLI::App& app) {
  const auto selected = app.get_subcommands();
  return selected.empty() ? &app : selected_command(*selected.front());
}

// Reports a parse error on stderr and returns the exit status for invalid
// usage. CLI11's own text for unexpected arguments repeats them, and one of
// them may be a secret pasted in the wrong place, so those are not echoed.
int report_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  const CLI::App* command = selected_command(app);
  const bool needs_subcommand = !command->get_subcommands({}).empty();
  std::string name = "s3catalog";
  std::vector<std::string> path_names;  // the recognised command words, outermost first
  for (const CLI::App* level = command; level != &app && level != nullptr; level = level->get_parent()) {
    path_names.insert(path_names.begin(), level->get_name());
  }
  for (const auto& word : path_names) name += " " + word;

  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr || needs_subcommand) {
    // A word where a command was expected is most likely a misspelt command.
    std::string first_word;
    if (needs_subcommand) {
      for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word.starts_with("-")) {
          if (word == "--db" || word == "--log-level") ++i;  // skip the option's value
          continue;
        }
        if (std::find(path_names.begin(), path_names.end(), word) == path_names.end()) {
          first_word = word;
          break;
        }
      }
    }
    if (needs_subcommand) {
      std::string commands;
      for (const auto* subcommand : command->get_subcommands({})) {
        commands += (commands.empty() ? "" : ", ") + subcommand->get_name();
      }
      std::cerr << "error: " << (first_word.empty() ? "missing command" : "unknown command \"" + first_word + "\"")
                << " for " << name << "; the commands are: " << commands << ". Run `" << name
                << " --help` for details.\n";
    } else {
      // Option names are safe to repeat; their values are not.
      std::string unknown_options;
      for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (!word.starts_with("-")) continue;
        const std::string option = word.substr(0, word.find('='));
        if (command->get_option_no_throw(option) == nullptr && app.get_option_no_throw(option) == nullptr) {
          unknown_options += " " + option;
        }
      }
      std::cerr << "error: unexpected arguments for " << name;
      if (!unknown_options.empty()) std::cerr << ", including the unknown options" << unknown_options;
      std::cerr << " (values are not repeated here, because one may be a secret). Run `" << name
                << " --help` for its usage; a secret is read only from standard input "
                   "(--secret-access-key-stdin).\n";
    }
    return kExitUsage;
  }

  std::cerr << "error: " << error.what() << "\nRun `" << name << " --help` for its usage.\n";
  return kExitUsage;
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
  register_auth_commands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);
  } catch (const CLI::ParseError& error) {
    return report_parse_error(app, error, argc, argv);
  }
  return context.exit_status;
}
