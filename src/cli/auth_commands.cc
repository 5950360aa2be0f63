// `s3catalog user ...`, `token ...` and `secrets rotate-key`: users and API
// tokens of the server and the secret key, managed on the catalog database
// directly.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "catalog/auth_crypto.h"
#include "catalog/auth_json.h"
#include "catalog/key_rotation.h"
#include "cli/auth_context.h"
#include "cli/commands.h"

namespace s3cat::cli {
namespace {

// Reads one line from stdin, without its line ending.
std::expected<std::string, CommandError> read_password_line() {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty()) {
    return std::unexpected(CommandError{
        kExitUsage, "missing password: write it on standard input as one line, e.g. printf '%s\\n' \"$PASSWORD\" | "
                    "s3catalog user add NAME --role ROLE"});
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (auto problem = catalog::password_problem(line)) return std::unexpected(CommandError{kExitUsage, *problem});
  return line;
}

std::expected<catalog::Role, CommandError> role_argument(const std::string& text) {
  auto role = catalog::parse_role(text);
  if (!role) {
    return std::unexpected(
        CommandError{kExitUsage, "invalid role \"" + text + "\": use admin, steward or viewer"});
  }
  return *role;
}

// Rejects removing or demoting the last admin, which would leave nobody able
// to manage users through the server.
std::expected<void, CommandError> keep_an_admin(catalog::AuthStore& auth, const std::string& name) {
  auto user = auth.get_user(name);
  if (!user) return std::unexpected(from_store_error(user.error()));
  if (user->role != catalog::Role::kAdmin) return {};
  auto admins = auth.count_admins();
  if (!admins) return std::unexpected(from_store_error(admins.error()));
  if (*admins <= 1) {
    return std::unexpected(CommandError{
        kExitFailed, "user \"" + name + "\" is the last admin; add another admin first (s3catalog user add NAME "
                     "--role admin)"});
  }
  return {};
}

void register_user_commands(CLI::App& app, CommandContext& context) {
  auto* user = app.add_subcommand("user", "manage the users of the web UI and API");
  user->require_subcommand(1);

  static std::string add_name;
  static std::string add_role;
  auto* add = user->add_subcommand("add", "add a user; the password is read from standard input, one line");
  add->add_option("name", add_name, "user name")->required();
  add->add_option("--role", add_role, "admin, steward or viewer")->required();
  add->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto role = role_argument(add_role);
      if (!role) return std::unexpected(role.error());
      if (!catalog::is_valid_user_name(add_name)) {
        return std::unexpected(CommandError{kExitUsage, "invalid user name \"" + add_name +
                                                            "\": use 1 to 64 letters, digits, '.', '_', '-' or '@', "
                                                            "starting with a letter or digit"});
      }
      auto password = read_password_line();
      if (!password) return std::unexpected(password.error());
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());
      auto hash = catalog::hash_password(*password);
      if (!hash) return std::unexpected(CommandError{kExitFailed, "hashing the password failed: out of memory"});
      auto created = (*auth)->create_user(add_name, *role, *hash);
      if (!created) return std::unexpected(from_store_error(created.error()));
      audit_cli(context.global, "user.create", add_name, {{"role", add_role}});
      std::cerr << "added user " << add_name << " with role " << add_role << "\n";
      return kExitOk;
    });
  });

  static bool list_json = false;
  auto* list = user->add_subcommand("list", "list the users and their roles");
  list->add_flag("--json", list_json, "one JSON object per line");
  list->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());
      auto users = (*auth)->list_users();
      if (!users) return std::unexpected(from_store_error(users.error()));
      for (const auto& item : *users) {
        if (list_json) {
          print_json_line(catalog::user_to_json(item));
        } else {
          std::cout << item.name << "\t" << catalog::role_name(item.role) << "\n";
        }
      }
      return kExitOk;
    });
  });

  static std::string remove_name;
  auto* remove = user->add_subcommand("remove", "remove a user with their sessions and API tokens");
  remove->add_option("name", remove_name, "user name")->required();
  remove->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());
      if (auto kept = keep_an_admin(**auth, remove_name); !kept) return std::unexpected(kept.error());
      if (auto removed = (*auth)->remove_user(remove_name); !removed) {
        return std::unexpected(from_store_error(removed.error()));
      }
      audit_cli(context.global, "user.remove", remove_name);
      std::cerr << "removed user " << remove_name << "\n";
      return kExitOk;
    });
  });

  static std::string role_user;
  static std::string role_value;
  auto* set_role = user->add_subcommand("set-role", "change a user's role");
  set_role->add_option("name", role_user, "user name")->required();
  set_role->add_option("role", role_value, "admin, steward or viewer")->required();
  set_role->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto role = role_argument(role_value);
      if (!role) return std::unexpected(role.error());
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());
      if (*role != catalog::Role::kAdmin) {
        if (auto kept = keep_an_admin(**auth, role_user); !kept) return std::unexpected(kept.error());
      }
      auto changed = (*auth)->set_role(role_user, *role);
      if (!changed) return std::unexpected(from_store_error(changed.error()));
      audit_cli(context.global, "user.set_role", role_user, {{"role", role_value}});
      std::cerr << "user " << role_user << " now has role " << role_value << "\n";
      return kExitOk;
    });
  });
}

void register_token_commands(CLI::App& app, CommandContext& context) {
  auto* token = app.add_subcommand("token", "manage API tokens (Authorization: Bearer) for scripts");
  token->require_subcommand(1);

  static std::string create_user;
  static std::string create_name;
  static bool create_json = false;
  auto* create = token->add_subcommand(
      "create", "create an API token and print it once on stdout; only its SHA-256 is stored");
  create->add_option("--user", create_user, "the user the token acts as")->required();
  create->add_option("--name", create_name, "a label saying what the token is for")->required();
  create->add_flag("--json", create_json, "print {\"id\", \"user\", \"name\", \"token\", ...} instead");
  create->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());
      const std::string secret = catalog::new_secret("s3c_");
      auto created = (*auth)->create_token(create_user, create_name, catalog::sha256_hex(secret));
      if (!created) return std::unexpected(from_store_error(created.error()));
      audit_cli(context.global, "token.create", std::to_string(created->id),
                {{"user", create_user}, {"name", create_name}});
      if (create_json) {
        auto value = catalog::token_to_json(*created);
        value["token"] = secret;
        print_json_line(value);
      } else {
        std::cout << secret << "\n";
      }
      std::cerr << "created API token " << created->id << " for user " << create_user
                << "; it is shown only this once\n";
      return kExitOk;
    });
  });

  static std::string list_user;
  static bool list_json = false;
  auto* list = token->add_subcommand("list", "list API tokens (never the tokens themselves)");
  list->add_option("--user", list_user, "only this user's tokens");
  list->add_flag("--json", list_json, "one JSON object per line");
  list->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());
      auto tokens = (*auth)->list_tokens(list_user.empty() ? std::nullopt : std::optional(list_user));
      if (!tokens) return std::unexpected(from_store_error(tokens.error()));
      for (const auto& item : *tokens) {
        if (list_json) {
          print_json_line(catalog::token_to_json(item));
        } else {
          std::cout << item.id << "\t" << item.user << "\t" << item.name << "\t" << item.created_at << "\n";
        }
      }
      return kExitOk;
    });
  });

  static std::int64_t revoke_id = 0;
  auto* revoke = token->add_subcommand("revoke", "revoke an API token; the next request with it gets 401");
  revoke->add_option("id", revoke_id, "token id, from token list")->required();
  revoke->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto auth = open_auth_store(context.global);
      if (!auth) return std::unexpected(auth.error());
      // Read first so the audit entry names the token's owner and name, as the API's does.
      auto token = (*auth)->get_token(revoke_id);
      if (!token) return std::unexpected(from_store_error(token.error()));
      if (auto revoked = (*auth)->revoke_token(revoke_id); !revoked) {
        return std::unexpected(from_store_error(revoked.error()));
      }
      audit_cli(context.global, "token.revoke", std::to_string(revoke_id), {{"user", token->user}, {"name", token->name}});
      std::cerr << "revoked API token " << revoke_id << "\n";
      return kExitOk;
    });
  });
}

void register_secrets_commands(CLI::App& app, CommandContext& context) {
  auto* secrets = app.add_subcommand("secrets", "manage the key that encrypts stored source secrets");
  secrets->require_subcommand(1);
  auto* rotate = secrets->add_subcommand(
      "rotate-key", "re-encrypt every stored secret under a new key and replace the key file atomically");
  rotate->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      if (const char* variable = std::getenv("S3CATALOG_SECRET_KEY"); variable != nullptr && *variable != '\0') {
        return std::unexpected(CommandError{
            kExitUsage, "the key comes from S3CATALOG_SECRET_KEY, which this command cannot replace; rotate a key "
                        "file instead (unset the variable and set S3CATALOG_SECRET_KEY_FILE)"});
      }
      // Opening the catalog first migrates it. rotate_secret_key then
      // rejects the rotation when a stored secret does not open with the key.
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      store->reset();
      auto location = parse_database_url(context.global.db_url);
      if (!location) return std::unexpected(location.error());
      const std::string key_file = secret_key_file();
      auto count = catalog::rotate_secret_key(location->sqlite_path, key_file);
      if (!count) return std::unexpected(from_store_error(count.error()));
      audit_cli(context.global, "secrets.rotate_key", key_file, {{"values", *count}});
      std::cerr << "re-encrypted " << *count << " stored secret value(s) under a new key in " << key_file
                << "; restart any running s3catalog serve so that it reads the new key\n";
      return kExitOk;
    });
  });
}

}  // namespace

std::expected<std::unique_ptr<catalog::AuthStore>, CommandError> open_auth_store(const GlobalOptions& options) {
  auto store = open_catalog(options);
  if (!store) return std::unexpected(store.error());
  auto location = parse_database_url(options.db_url);
  if (!location) return std::unexpected(location.error());
  auto auth = catalog::AuthStore::open(location->sqlite_path);
  if (!auth) return std::unexpected(from_store_error(auth.error()));
  return std::move(*auth);
}

std::string cli_actor() {
  const struct passwd* entry = ::getpwuid(::geteuid());
  if (entry != nullptr && entry->pw_name != nullptr) return std::string("cli:") + entry->pw_name;
  return "cli:uid" + std::to_string(::geteuid());
}

void audit_cli(const GlobalOptions& options, const std::string& action, const std::string& target,
               const nlohmann::json& detail) {
  auto location = parse_database_url(options.db_url);
  if (!location) return;
  auto auth = catalog::AuthStore::open(location->sqlite_path);
  if (auth) {
    auto written = (*auth)->append_audit(cli_actor(), action, target, detail.dump());
    if (written) return;
    spdlog::warn("could not write the audit log entry {} {}: {}", action, target, written.error().message);
    return;
  }
  spdlog::warn("could not write the audit log entry {} {}: {}", action, target, auth.error().message);
}

void register_auth_commands(CLI::App& app, CommandContext& context) {
  register_user_commands(app, context);
  register_token_commands(app, context);
  register_secrets_commands(app, context);
}

}  // namespace s3cat::cli
