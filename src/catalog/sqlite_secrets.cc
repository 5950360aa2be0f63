// Loading the secret key, and sealing and opening source secrets.
#include <fmt/format.h>

#include "catalog/key_rotation.h"
#include "catalog/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

// The environment variable that may carry the key instead of the file.
constexpr std::string_view kKeyVariable = "S3CATALOG_SECRET_KEY";

StoreResult<std::optional<SecretBox::Key>> decode_base64_key(const std::string& text) {
  SecretBox::Key key{};
  std::size_t decoded = 0;
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) {
    trimmed.pop_back();
  }
  const bool ok = sodium_base642bin(key.data(), key.size(), trimmed.data(), trimmed.size(), nullptr, &decoded,
                                    nullptr, sodium_base64_VARIANT_ORIGINAL) == 0 &&
                  decoded == key.size();
  sodium_memzero(trimmed.data(), trimmed.size());
  if (!ok) {
    return std::unexpected(StoreError{
        StoreErrorKind::kSecretKey,
        fmt::format("{} must hold 32 bytes in standard base64 (44 characters, e.g. from `head -c 32 /dev/urandom | "
                    "base64`), and holds something else",
                    kKeyVariable)});
  }
  return std::optional<SecretBox::Key>(key);
}

}  // namespace

// Writes the key check of a new key, for rotate_secret_key below.
StoreResult<void> write_key_check_for_rotation(Connection& connection, const SecretBox& box) {
  return write_key_check(connection, box);
}

// Problems with the key file are recorded, not returned, so a catalog whose
// key is lost still opens: browsing, annotations and clearing credentials
// need no key, and sealing or opening a secret then fails with kSecretKey.
StoreResult<void> SqliteStore::load_secret_key() {
  std::lock_guard lock(write_mutex_);
  const bool from_environment = !options_.secret_key_base64.empty();
  const std::string key_file = from_environment ? std::string(kKeyVariable) : options_.secret_key_file;

  auto has_secrets = catalog_has_secrets(writer_);
  if (!has_secrets) return std::unexpected(has_secrets.error());
  auto check = read_key_check(writer_);
  if (!check) return std::unexpected(check.error());

  auto key = from_environment ? decode_base64_key(options_.secret_key_base64) : SecretBox::read_key_file(key_file);
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
    // Only a key file is created; a key from the environment always exists.
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

namespace s3cat::catalog {
namespace {

using sqlite::Connection;

StoreError rotation_error(const std::string& message) { return {StoreErrorKind::kSecretKey, message}; }

// Writes `key` as 64 hex digits to a new file of mode 0600; fails when the
// file exists.
StoreResult<void> write_new_key_file(const std::string& path, const SecretBox::Key& key) {
  std::string hex(2 * key.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex.back() = '\n';
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int saved = errno;
    sodium_memzero(hex.data(), hex.size());
    return std::unexpected(rotation_error(fmt::format("cannot create {}: {}{}", path, std::strerror(saved),
                                                      saved == EEXIST ? "; an earlier rotation left it behind, see "
                                                                        "the recovery steps in docs/cli.md"
                                                                      : "")));
  }
  ::fchmod(fd, 0600);

  std::string_view data = hex;
  bool ok = true;
  while (ok && !data.empty()) {
    const ssize_t count = ::write(fd, data.data(), data.size());
    if (count < 0 && errno == EINTR) continue;
    ok = count > 0;
    if (ok) data.remove_prefix(static_cast<std::size_t>(count));
  }
  ok = ok && ::fsync(fd) == 0;

  const int saved = errno;
  ::close(fd);
  sodium_memzero(hex.data(), hex.size());
  if (!ok) {
    ::unlink(path.c_str());
    return std::unexpected(rotation_error(fmt::format("cannot write {}: {}", path, std::strerror(saved))));
  }
  return {};
}

void sync_folder(const std::string& file) {
  std::string folder = file.substr(0, file.rfind('/') == std::string::npos ? 0 : file.rfind('/'));
  if (folder.empty()) folder = ".";
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Re-encrypts every stored secret from `old_box` to `new_box` and replaces
// the key check, in one transaction. Returns the number of values.
StoreResult<std::uint64_t> reseal_all(Connection& connection, const SecretBox& old_box, const SecretBox& new_box) {
  auto transaction = sqlite::Transaction::begin(connection, sqlite::Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  auto select = connection.prepare(
      "SELECT id, name, secret_access_key, session_token FROM sources "
      "WHERE secret_access_key IS NOT NULL OR session_token IS NOT NULL");
  if (!select) return std::unexpected(select.error());
  struct Row {
    std::int64_t id;
    std::string name;
    std::optional<std::string> secret;
    std::optional<std::string> token;
  };
  std::vector<Row> rows;
  while (true) {
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    Row item{select->column_int(0), select->column_text(1), std::nullopt, std::nullopt};
    if (!select->column_is_null(2)) item.secret = select->column_text(2);
    if (!select->column_is_null(3)) item.token = select->column_text(3);
    rows.push_back(std::move(item));
  }

  std::uint64_t count = 0;
  for (const Row& row : rows) {
    std::optional<std::string> sealed[2];
    const std::optional<std::string>* values[2] = {&row.secret, &row.token};
    for (int i = 0; i < 2; ++i) {
      if (!*values[i]) continue;
      auto plain = old_box.open(**values[i]);
      if (!plain) {
        return std::unexpected(rotation_error(
            fmt::format("the {} of source \"{}\" does not decrypt with the current key; nothing was changed",
                        i == 0 ? "secret access key" : "session token", row.name)));
      }
      sealed[i] = new_box.seal(*plain);
      sodium_memzero(plain->data(), plain->size());
      ++count;
    }
    auto update = connection.prepare("UPDATE sources SET secret_access_key = ?, session_token = ? WHERE id = ?");
    if (!update) return std::unexpected(update.error());
    for (int i = 0; i < 2; ++i) {
      if (sealed[i]) {
        update->bind_blob(i + 1, *sealed[i]);
      } else {
        update->bind_null(i + 1);
      }
    }
    update->bind(3, row.id);
    CATALOG_RETURN_IF_ERROR(update->run());
  }
  CATALOG_RETURN_IF_ERROR(sqlite::write_key_check_for_rotation(connection, new_box));
  CATALOG_RETURN_IF_ERROR(transaction->commit());
  return count;
}

}  // namespace

StoreResult<std::uint64_t> rotate_secret_key(const std::string& database_path, const std::string& key_file) {
  auto old_key = SecretBox::read_key_file(key_file);
  if (!old_key) return std::unexpected(old_key.error());
  if (!*old_key) {
    return std::unexpected(rotation_error(fmt::format("secret key file {} does not exist; there is no key to rotate",
                                                      key_file)));
  }
  auto connection = Connection::open(database_path, /*read_only=*/false);
  if (!connection) return std::unexpected(connection.error());

  const std::string new_file = key_file + ".new";
  const std::string old_file = key_file + ".old";
  SecretBox::Key new_key{};
  randombytes_buf(new_key.data(), new_key.size());
  CATALOG_RETURN_IF_ERROR(write_new_key_file(new_file, new_key));
  if (auto kept = write_new_key_file(old_file, **old_key); !kept) {
    ::unlink(new_file.c_str());
    return std::unexpected(kept.error());
  }
  sync_folder(key_file);

  const SecretBox old_box(**old_key);
  const SecretBox new_box(new_key);
  sodium_memzero(new_key.data(), new_key.size());
  auto count = reseal_all(*connection, old_box, new_box);
  if (!count) {
    // Nothing was committed, so the old key stays the key.
    ::unlink(new_file.c_str());
    ::unlink(old_file.c_str());
    return std::unexpected(count.error());
  }
  // From the commit on, the database needs the new key: put it in place.
  if (::rename(new_file.c_str(), key_file.c_str()) != 0) {
    return std::unexpected(rotation_error(fmt::format(
        "the secrets are re-encrypted under the key in {}, but it could not replace {}: {}; move it there by "
        "hand (mv {} {})",
        new_file, key_file, std::strerror(errno), new_file, key_file)));
  }
  sync_folder(key_file);
  ::unlink(old_file.c_str());
  return *count;
}

}  // namespace s3cat::catalog
