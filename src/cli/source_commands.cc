// `s3catalog source add|update|list|show|remove`.
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "catalog/path_filter.h"
#include "cli/auth_context.h"
#include "cli/commands.h"
#include "cli/json_output.h"
#include "s3/client.h"

namespace s3cat::cli {
namespace {

// Options shared by `source add` and `source update`. Each flag records
// whether it was given, so that update changes only what the user named.
struct SourceFlags {
  std::string name;
  std::string type = "s3";
  std::string title;
  std::string description;
  std::string endpoint_url;
  std::string region;
  std::string addressing;
  bool path_style = false;
  bool requester_pays = false;
  bool no_requester_pays = false;
  std::string access_key_id;
  bool secret_from_stdin = false;
  bool session_token_from_stdin = false;
  std::string role_arn;
  std::string external_id;
  std::string role_session_name;
  std::vector<std::string> path_prefixes;
  bool clear_path_prefixes = false;
  bool clear_credentials = false;
  // Value of a rejected --secret-access-key or --session-token; never used.
  std::string secret_argument;

  CLI::App* command = nullptr;
  bool given(const std::string& option) const { return command->count(option) > 0; }
};

void add_source_options(CLI::App& command, SourceFlags& flags, bool for_update) {
  flags.command = &command;
  command.add_option("NAME", flags.name, "source name: lower-case letters, digits, '-' and '_'")->required();
  command.add_option("--type", flags.type, "source type; only s3 is supported");
  command.add_option("--title", flags.title, "display title");
  command.add_option("--description", flags.description, "description shown in the catalog");
  command.add_option("--endpoint-url", flags.endpoint_url,
                     "S3-compatible endpoint such as http://127.0.0.1:9000; empty means AWS");
  command.add_option("--region", flags.region, "signing region (default us-east-1)");
  command.add_option("--addressing", flags.addressing, "bucket addressing: auto, path or virtual")
      ->check(CLI::IsMember({"auto", "path", "virtual"}));
  command.add_flag("--path-style", flags.path_style, "same as --addressing path");
  command.add_flag("--requester-pays", flags.requester_pays,
                   "send x-amz-request-payer: requester when listing (requester-pays buckets)");
  if (for_update) command.add_flag("--no-requester-pays", flags.no_requester_pays, "stop sending x-amz-request-payer");
  command.add_option("--access-key-id", flags.access_key_id,
                     "IAM access key ID; without it the source uses the default credential chain");
  command.add_flag("--secret-access-key-stdin", flags.secret_from_stdin,
                   "read the secret access key from the first line of standard input");
  command.add_flag("--session-token-stdin", flags.session_token_from_stdin,
                   "read a session token from the next line of standard input");
  // A secret on the command line is rejected, but these hidden options take
  // its value so that the usage error does not print it back the way CLI11
  // prints unexpected arguments.
  command.add_option("--secret-access-key", flags.secret_argument)->group("");
  command.add_option("--session-token", flags.secret_argument)->group("");
  command.add_option("--role-arn", flags.role_arn, "IAM role to assume on top of the credentials");
  command.add_option("--external-id", flags.external_id, "external ID for --role-arn");
  command.add_option("--role-session-name", flags.role_session_name,
                     "RoleSessionName for --role-arn (default: s3catalog- and the Unix time)");
  command.add_option("--path-prefix", flags.path_prefixes,
                     "path filter /bucket or /bucket/key-prefix; repeat for several"
                     + std::string(for_update ? " (replaces the current filters)" : ""));
  if (for_update) {
    command.add_flag("--clear-path-prefixes", flags.clear_path_prefixes, "remove every path filter");
    command.add_flag("--clear-credentials", flags.clear_credentials,
                     "forget the stored keys and use the default credential chain");
  }
}

std::expected<void, CommandError> invalid(const std::string& message) {
  return std::unexpected(CommandError{kExitUsage, message});
}

std::expected<void, CommandError> reject_secret_arguments(const SourceFlags& flags) {
  if (flags.given("--secret-access-key") || flags.given("--session-token")) {
    return invalid("a secret is never accepted as a command-line argument: use --secret-access-key-stdin "
                   "(and --session-token-stdin) and pipe it on standard input");
  }
  return {};
}

std::expected<void, CommandError> validate_name(const std::string& name) {
  static const std::regex kSlug("[a-z0-9][a-z0-9_-]{0,62}");
  if (!std::regex_match(name, kSlug)) {
    return invalid("invalid source name \"" + name +
                   "\": use 1 to 63 lower-case letters, digits, '-' or '_', starting with a letter or digit");
  }
  return {};
}

std::string read_stdin_line() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Applies the given flags to `source`. Reads secrets from stdin when asked.
std::expected<void, CommandError> apply_flags(const SourceFlags& flags, catalog::Source& source) {
  if (flags.given("--type") && flags.type != "s3") {
    return invalid("invalid source type \"" + flags.type + "\": only s3 is supported");
  }
  if (flags.given("--title")) source.title = flags.title;
  if (flags.given("--description")) source.description = flags.description;
  if (flags.given("--endpoint-url")) {
    if (!flags.endpoint_url.empty()) {
      if (auto valid = s3::validate_endpoint_url(flags.endpoint_url); !valid) return invalid(valid.error().message);
    }
    source.endpoint_url = flags.endpoint_url;
  }
  if (flags.given("--region")) {
    static const std::regex kRegion("[a-z0-9-]{1,40}");
    if (!std::regex_match(flags.region, kRegion)) {
      return invalid("invalid region \"" + flags.region + "\": expected a region name such as us-east-1");
    }
    source.region = flags.region;
  }
  if (flags.given("--addressing")) source.addressing = flags.addressing;
  if (flags.path_style) source.addressing = "path";
  if (flags.requester_pays) source.requester_pays = true;
  if (flags.no_requester_pays) source.requester_pays = false;

  if (flags.clear_credentials) {
    source.access_key_id.clear();
    source.secret_access_key.clear();
    source.session_token.clear();
  }
  if (flags.given("--access-key-id") && !flags.secret_from_stdin) {
    return invalid("--access-key-id needs --secret-access-key-stdin: pipe the secret access key on standard input "
                   "(a secret is never accepted as a command-line argument)");
  }
  if (flags.secret_from_stdin && !flags.given("--access-key-id")) {
    return invalid("--secret-access-key-stdin needs --access-key-id");
  }
  if (flags.session_token_from_stdin && !flags.secret_from_stdin) {
    return invalid("--session-token-stdin needs --access-key-id and --secret-access-key-stdin");
  }
  if (flags.given("--access-key-id")) {
    if (flags.access_key_id.empty()) return invalid("--access-key-id is empty: give the key ID, or leave both key options out to use the default credential chain");
    source.access_key_id = flags.access_key_id;
    source.secret_access_key = read_stdin_line();
    if (source.secret_access_key.empty()) {
      return invalid("no secret access key on standard input: pipe it in, for example "
                     "printf '%s\\n' \"$SECRET\" | s3catalog source add ...");
    }
    source.session_token = flags.session_token_from_stdin ? read_stdin_line() : std::string();
  }

  if (flags.given("--role-arn")) {
    source.role_arn = flags.role_arn;
    // Removing the role removes what only applies to it.
    if (source.role_arn.empty()) {
      source.external_id.clear();
      source.role_session_name.clear();
    }
  }
  if (flags.given("--external-id")) source.external_id = flags.external_id;
  if (flags.given("--role-session-name")) source.role_session_name = flags.role_session_name;
  if (!source.external_id.empty() && source.role_arn.empty()) return invalid("--external-id needs --role-arn");
  if (!source.role_session_name.empty() && source.role_arn.empty()) {
    return invalid("--role-session-name needs --role-arn");
  }

  if (flags.clear_path_prefixes) source.path_prefixes.clear();
  if (flags.given("--path-prefix")) {
    auto parsed = catalog::parse_path_filters(flags.path_prefixes);
    if (!parsed) return invalid(parsed.error());
    source.path_prefixes.clear();
    for (const auto& filter : *parsed) source.path_prefixes.push_back(filter.text);
  }
  return {};
}

void print_source_text(const catalog::Source& source) {
  std::cout << "name:         " << source.name << "\n"
            << "type:         " << source.type << "\n"
            << "endpoint:     " << (source.endpoint_url.empty() ? "AWS" : source.endpoint_url) << "\n"
            << "region:       " << source.region << "\n"
            << "addressing:   " << source.addressing << "\n";
  if (source.credentials_mode() == catalog::CredentialsMode::kAccessKey) {
    std::cout << "credentials:  access key ****" << key_id_last4(source.access_key_id) << ", secret set"
              << (source.session_token.empty() ? "" : ", session token set") << "\n";
  } else {
    std::cout << "credentials:  default chain\n";
  }
  if (!source.role_arn.empty()) {
    std::cout << "role:         " << source.role_arn;
    if (!source.external_id.empty()) std::cout << ", external ID " << source.external_id;
    if (!source.role_session_name.empty()) std::cout << ", session name " << source.role_session_name;
    std::cout << "\n";
  }
  std::cout << "path filters: ";
  if (source.path_prefixes.empty()) std::cout << "(none: every object in every readable bucket)";
  for (std::size_t i = 0; i < source.path_prefixes.size(); ++i) {
    std::cout << (i ? ", " : "") << source.path_prefixes[i];
  }
  std::cout << "\n";
}

}  // namespace

void register_source_commands(CLI::App& app, CommandContext& context) {
  auto* source = app.add_subcommand("source", "register and manage S3 sources");
  source->require_subcommand(1);

  static SourceFlags add_flags;
  auto* add = source->add_subcommand("add", "register a source");
  add_source_options(*add, add_flags, false);
  add->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      if (auto rejected = reject_secret_arguments(add_flags); !rejected) return std::unexpected(rejected.error());
      if (auto valid = validate_name(add_flags.name); !valid) return std::unexpected(valid.error());
      catalog::Source source;
      source.name = add_flags.name;
      source.title = add_flags.name;
      if (auto applied = apply_flags(add_flags, source); !applied) return std::unexpected(applied.error());

      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto created = (*store)->create_source(source);
      if (!created) return std::unexpected(from_store_error(created.error()));
      audit_cli(context.global, "source.create", created->name, {{"credentials", !created->access_key_id.empty()}});
      std::cerr << "source " << created->name << " added\n";
      return kExitOk;
    });
  });

  static SourceFlags update_flags;
  auto* update = source->add_subcommand("update", "change a source's settings");
  add_source_options(*update, update_flags, true);
  update->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      if (auto rejected = reject_secret_arguments(update_flags); !rejected) return std::unexpected(rejected.error());
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      // --clear-credentials must work when the secret key file is lost, so
      // the stored secrets are not decrypted then: they are being dropped.
      auto current = update_flags.clear_credentials ? (*store)->get_source_without_secrets(update_flags.name)
                                                    : (*store)->get_source(update_flags.name);
      if (!current) return std::unexpected(from_store_error(current.error()));
      if (auto applied = apply_flags(update_flags, *current); !applied) return std::unexpected(applied.error());
      auto updated = (*store)->update_source(*current);
      if (!updated) return std::unexpected(from_store_error(updated.error()));
      audit_cli(context.global, "source.update", updated->name,
                {{"credentials_cleared", update_flags.clear_credentials}});
      std::cerr << "source " << updated->name << " updated\n";
      return kExitOk;
    });
  });

  static bool list_json = false;
  auto* list = source->add_subcommand("list", "list the registered sources");
  list->add_flag("--json", list_json, "print JSON Lines");
  list->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto sources = (*store)->list_sources();
      if (!sources) return std::unexpected(from_store_error(sources.error()));
      for (const auto& item : *sources) {
        if (list_json) {
          print_json_line(source_json(item));
        } else {
          std::cout << item.name << "\t" << (item.endpoint_url.empty() ? "AWS" : item.endpoint_url) << "\t"
                    << item.path_prefixes.size() << " path filters\n";
        }
      }
      if (!list_json && sources->empty()) std::cerr << "no sources yet: add one with `s3catalog source add NAME --type s3`\n";
      return kExitOk;
    });
  });

  static std::string show_name;
  static bool show_json = false;
  auto* show = source->add_subcommand("show", "show a source's settings (never its secrets)");
  show->add_option("NAME", show_name, "source name")->required();
  show->add_flag("--json", show_json, "print one JSON object");
  show->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto found = (*store)->get_source(show_name);
      if (!found) return std::unexpected(from_store_error(found.error()));
      if (show_json) {
        print_json_line(source_json(*found));
      } else {
        print_source_text(*found);
      }
      return kExitOk;
    });
  });

  register_source_test_command(*source, context);

  static std::string remove_name;
  auto* remove = source->add_subcommand("remove", "remove a source with its catalog, annotations and jobs");
  remove->add_option("NAME", remove_name, "source name")->required();
  remove->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      if (auto removed = (*store)->remove_source(remove_name); !removed) {
        return std::unexpected(from_store_error(removed.error()));
      }
      audit_cli(context.global, "source.remove", remove_name);
      std::cerr << "source " << remove_name << " removed\n";
      return kExitOk;
    });
  });
}

}  // namespace s3cat::cli
