// Shared plumbing of the command-line front end: the catalog it opens, exit
// statuses, and the error type commands return.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "catalog/store.h"

namespace s3cat::cli {

// Exit statuses fixed by the CLI contract.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;   // the operation failed: a failed job, a missing source or path
inline constexpr int kExitUsage = 2;    // invalid usage or invalid input

// A failure a command reports on stderr before exiting with `exit_status`.
struct CommandError {
  int exit_status = kExitFailed;
  std::string message;
};

struct GlobalOptions {
  std::string db_url;     // --db or S3CATALOG_DB; empty selects the default file
  std::string log_level = "info";
};

// Where the catalog lives, parsed from a --db URL.
struct DatabaseLocation {
  std::string sqlite_path;
};

// Parses sqlite:///abs/path.db, sqlite://relative.db, or the default
// ($XDG_DATA_HOME/s3catalog/catalog.db, else ~/.local/share/s3catalog/catalog.db)
// when `url` is empty. PostgreSQL URLs are recognised and rejected until that
// back end exists.
std::expected<DatabaseLocation, CommandError> parse_database_url(const std::string& url);

// The file that holds the key for secrets at rest: S3CATALOG_SECRET_KEY_FILE,
// else $XDG_CONFIG_HOME/s3catalog/secret.key, else ~/.config/s3catalog/secret.key.
std::string secret_key_file();

// Opens the catalog (creating or migrating it), with the secret key from
// S3CATALOG_SECRET_KEY (base64) when set, else from secret_key_file(). Disk I/O.
std::expected<std::unique_ptr<catalog::CatalogStore>, CommandError> open_catalog(const GlobalOptions& options);

// Converts a store error into a command error with the matching exit status.
CommandError from_store_error(const catalog::StoreError& error);

}  // namespace s3cat::cli
