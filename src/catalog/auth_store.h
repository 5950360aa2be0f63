// Users, login sessions, API tokens and the audit log of a catalog, stored in
// the catalog's SQLite database (tables of schema version 4). The store holds
// password hashes and the SHA-256 of session and token secrets, never the
// secrets themselves. Every method does disk I/O. Thread-safe: one
// connection under a mutex, because each call is one short indexed query.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "catalog/store.h"
#include "catalog/timestamp.h"

namespace s3cat::catalog {

// Roles in increasing order of power; each role may do what the roles
// before it may do.
enum class Role { kViewer = 0, kSteward = 1, kAdmin = 2 };

// "viewer", "steward" or "admin".
std::string_view role_name(Role role);
// nullopt for any other text.
std::optional<Role> parse_role(std::string_view text);

struct User {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  std::string password_hash;  // crypto_pwhash_str string; empty in listings
  std::string created_at;
  std::string updated_at;
};

struct SessionRecord {
  User user;
  std::int64_t created_at = 0;    // Unix seconds
  std::int64_t last_seen_at = 0;  // Unix seconds
};

struct ApiToken {
  std::int64_t id = 0;
  std::string user;  // owner's name
  std::string name;  // the label given at creation
  std::string created_at;
  std::string last_used_at;  // "" when never used
};

struct AuditEntry {
  std::int64_t id = 0;
  std::string time;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail;  // JSON object text
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::uint64_t total = 0;
};

// User names: 1 to 64 characters of letters, digits and "._-@", starting
// with a letter or digit.
bool is_valid_user_name(std::string_view name);

class AuthStore {
 public:
  // Opens the tables in the catalog database at `path`, which open_sqlite_store
  // has created or migrated. `clock` may be empty for the system clock.
  static StoreResult<std::unique_ptr<AuthStore>> open(const std::string& path, WallClock clock = {});
  ~AuthStore();

  // --- Users. kAlreadyExists, kNotFound and kInvalid name the user. ---
  StoreResult<User> create_user(const std::string& name, Role role, const std::string& password_hash);
  StoreResult<std::vector<User>> list_users();  // by name, without password hashes
  StoreResult<User> get_user(const std::string& name);  // with the password hash
  StoreResult<std::uint64_t> count_users();
  StoreResult<std::uint64_t> count_admins();
  // Removes the user with their sessions and tokens.
  StoreResult<void> remove_user(const std::string& name);
  StoreResult<User> set_role(const std::string& name, Role role);
  // Replaces the password hash and ends the user's sessions.
  StoreResult<void> set_password_hash(const std::string& name, const std::string& password_hash);

  // --- Sessions, keyed by the hex SHA-256 of the cookie value. ---
  StoreResult<void> create_session(const std::string& token_hash, std::int64_t user_id, std::int64_t now,
                                   const std::string& client_address);
  StoreResult<std::optional<SessionRecord>> find_session(const std::string& token_hash);
  StoreResult<void> touch_session(const std::string& token_hash, std::int64_t now);
  StoreResult<void> delete_session(const std::string& token_hash);
  // Deletes sessions created before `created_before` or idle since before
  // `seen_before` (Unix seconds); returns how many.
  StoreResult<std::uint64_t> delete_expired_sessions(std::int64_t created_before, std::int64_t seen_before);

  // --- API tokens, keyed by the hex SHA-256 of the token. ---
  StoreResult<ApiToken> create_token(const std::string& user, const std::string& name, const std::string& token_hash);
  // The owner of the token, and the token, or nullopt. Records the use
  // (at most once a minute per token, to spare writes).
  StoreResult<std::optional<std::pair<User, ApiToken>>> find_token(const std::string& token_hash);
  // Tokens of one user, or of everyone when `user` is nullopt; by id.
  StoreResult<std::vector<ApiToken>> list_tokens(const std::optional<std::string>& user);
  StoreResult<ApiToken> get_token(std::int64_t id);
  StoreResult<void> revoke_token(std::int64_t id);

  // --- Audit log. ---
  StoreResult<void> append_audit(const std::string& actor, const std::string& action, const std::string& target,
                                 const std::string& detail_json);
  StoreResult<AuditPage> list_audit(std::size_t limit, std::size_t offset);

 private:
  struct Impl;
  explicit AuthStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3cat::catalog
