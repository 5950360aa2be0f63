// Loading the secret key, and sealing and opening source secrets.
#include <fmt/format.h>

#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

// A value sealed with the key in use, so that opening a catalog with another
// key is detected before any secret is sealed with it.
constexpr const char* kKeyCheckName = "secret_key_check";
constexpr std::string_view kKeyCheckPlain = "s3catalog secret key check";

constexpr const char* kRecovery =
    "restore the key file from a backup, or clear the stored credentials of each source that has them "
    "(s3catalog source update NAME --clear-credentials) and enter them again";

StoreResult<bool> catalog_has_secrets(Connection& connection) {
  auto statement = connection.prepare(
      "SELECT EXISTS(SELECT 1 FROM sources WHERE secret_access_key IS NOT NULL OR session_token IS NOT NULL)");
  if (!statement) return std::unexpected(statement.error());
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  return statement->column_int(0) != 0;
}

StoreResult<std::optional<std::string>> read_key_check(Connection& connection) {
  auto statement = connection.prepare("SELECT value FROM settings WHERE name = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, kKeyCheckName);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(statement->column_text(0));
}

StoreResult<void> write_key_check(Connection& connection, const SecretBox& box) {
  auto statement = connection.prepare("INSERT OR REPLACE INTO settings(name, value) VALUES (?, ?)");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, kKeyCheckName).bind_blob(2, box.seal(kKeyCheckPlain));
  return statement->run();
}

}  // namespace

// Problems with the key file are recorded, not returned, so a catalog whose
// key is lost still opens: browsing, annotations and clearing credentials
// need no key, and sealing or opening a secret then fails with kSecretKey.
StoreResult<void> SqliteStore::load_secret_key() {
  std::lock_guard lock(write_mutex_);
  const std::string& key_file = options_.secret_key_file;

  auto has_secrets = catalog_has_secrets(writer_);
  if (!has_secrets) return std::unexpected(has_secrets.error());
  auto check = read_key_check(writer_);
  if (!check) return std::unexpected(check.error());

  auto key = SecretBox::read_key_file(key_file);
  if (!key) {
    secrets_.unavailable = key.error();
    return {};
  }
  if (!*key && *has_secrets) {
    secrets_.unavailable = StoreError{
        StoreErrorKind::kSecretKey,
        fmt::format("secret key file {} is missing, but catalog database {} holds source secrets encrypted "
                    "with it; {}",
                    key_file, options_.path, kRecovery)};
    return {};
  }
  if (!*key) {
    auto created = SecretBox::create_key_file(key_file);
    if (!created) {
      secrets_.unavailable = created.error();
      return {};
    }
    *key = *created;
  }

  SecretBox box(**key);
  const bool key_matches = check->has_value() && box.open(**check) == kKeyCheckPlain;
  if (check->has_value() && !key_matches && *has_secrets) {
    secrets_.unavailable = StoreError{
        StoreErrorKind::kSecretKey,
        fmt::format("secret key file {} holds a different key from the one that encrypted the source secrets "
                    "in catalog database {}; {}",
                    key_file, options_.path, kRecovery)};
    return {};
  }
  // With no secrets stored, any key can become the catalog's key.
  if (!key_matches) CATALOG_RETURN_IF_ERROR(write_key_check(writer_, box));
  secrets_.box.emplace(box);
  return {};
}

StoreResult<std::optional<std::string>> SqliteStore::seal_secret(const std::string& plain) const {
  if (plain.empty()) return std::optional<std::string>();
  if (!secrets_.box) return std::unexpected(secrets_.unavailable);
  return std::optional<std::string>(secrets_.box->seal(plain));
}

StoreResult<std::string> SqliteStore::open_secret(const std::string& source_name, const char* field,
                                                  const std::string& sealed) const {
  if (!secrets_.box) return std::unexpected(secrets_.unavailable);
  auto plain = secrets_.box->open(sealed);
  if (!plain) {
    return std::unexpected(StoreError{
        StoreErrorKind::kSecretKey,
        fmt::format("the {} of source \"{}\" does not decrypt with the key in secret key file {}; {}", field,
                    source_name, options_.secret_key_file, kRecovery)});
  }
  return std::move(*plain);
}

}  // namespace s3cat::catalog::sqlite
