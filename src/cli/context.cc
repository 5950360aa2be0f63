#include "cli/context.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace s3cat::cli {
namespace {

std::string environment_value(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// $XDG_<kind>_HOME, else $HOME/<fallback>.
std::filesystem::path user_directory(const char* xdg_variable, const char* home_fallback) {
  if (auto xdg = environment_value(xdg_variable); !xdg.empty()) return xdg;
  if (auto home = environment_value("HOME"); !home.empty()) return std::filesystem::path(home) / home_fallback;
  return std::filesystem::current_path();
}

}  // namespace

std::expected<DatabaseLocation, CommandError> parse_database_url(const std::string& url) {
  DatabaseLocation location;
  if (url.empty()) {
    location.sqlite_path = (user_directory("XDG_DATA_HOME", ".local/share") / "s3catalog" / "catalog.db").string();
  } else if (url.starts_with("sqlite://")) {
    // sqlite:///abs/path.db keeps the leading '/', sqlite://relative.db does not have one.
    location.sqlite_path = url.substr(std::string("sqlite://").size());
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return std::unexpected(CommandError{
        kExitUsage, "the PostgreSQL back end is not available in this version; use a sqlite:///path/catalog.db URL"});
  } else {
    return std::unexpected(CommandError{
        kExitUsage, "invalid database URL \"" + url +
                        "\": expected sqlite:///absolute/path.db, sqlite://relative.db or "
                        "postgresql://user@host:port/dbname"});
  }
  if (location.sqlite_path.empty()) {
    return std::unexpected(CommandError{kExitUsage, "invalid database URL \"" + url + "\": the file path is empty"});
  }
  return location;
}

std::string secret_key_file() {
  if (auto path = environment_value("S3CATALOG_SECRET_KEY_FILE"); !path.empty()) return path;
  return (user_directory("XDG_CONFIG_HOME", ".config") / "s3catalog" / "secret.key").string();
}

std::expected<std::unique_ptr<catalog::CatalogStore>, CommandError> open_catalog(const GlobalOptions& options) {
  auto location = parse_database_url(options.db_url);
  if (!location) return std::unexpected(location.error());

  const auto parent = std::filesystem::path(location->sqlite_path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      return std::unexpected(CommandError{
          kExitFailed, "cannot create the catalog folder " + parent.string() + ": " + error.message()});
    }
  }

  catalog::SqliteOptions sqlite_options{location->sqlite_path, secret_key_file()};
  sqlite_options.secret_key_base64 = environment_value("S3CATALOG_SECRET_KEY");
  auto store = catalog::open_sqlite_store(sqlite_options);
  if (!store) return std::unexpected(from_store_error(store.error()));
  return std::move(*store);
}

CommandError from_store_error(const catalog::StoreError& error) {
  const bool invalid_input = error.kind == catalog::StoreErrorKind::kInvalid ||
                             error.kind == catalog::StoreErrorKind::kAlreadyExists;
  // The store words a missing source for every caller; the command line's
  // own way to find the right name is added here.
  if (error.kind == catalog::StoreErrorKind::kNotFound && error.message.starts_with("no source named ")) {
    return CommandError{kExitFailed, error.message + "; list the sources with: s3catalog source list"};
  }
  return CommandError{invalid_input ? kExitUsage : kExitFailed, error.message};
}

}  // namespace s3cat::cli
