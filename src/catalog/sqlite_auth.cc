// The SQLite implementation of AuthStore.
#include <fmt/format.h>

#include <chrono>

#include "catalog/auth_store.h"
#include "catalog/sqlite_helpers.h"

namespace s3cat::catalog {
namespace {

using sqlite::Connection;
using sqlite::Statement;

// A token's last use is written at most this often.
constexpr std::int64_t kTokenUseResolutionSeconds = 60;

StoreError not_found_user(const std::string& name) {
  return {StoreErrorKind::kNotFound,
          fmt::format("user \"{}\" not found; list users with `s3catalog user list`", name)};
}

User user_from_row(const Statement& row, bool with_hash) {
  User user;
  user.id = row.column_int(0);
  user.name = row.column_text(1);
  user.role = parse_role(row.column_text(2)).value_or(Role::kViewer);
  if (with_hash) user.password_hash = row.column_text(3);
  user.created_at = row.column_text(4);
  user.updated_at = row.column_text(5);
  return user;
}

constexpr const char* kUserColumns = "users.id, users.name, users.role, users.password_hash, users.created_at, "
                                     "users.updated_at";

ApiToken token_from_row(const Statement& row, int first) {
  ApiToken token;
  token.id = row.column_int(first);
  token.user = row.column_text(first + 1);
  token.name = row.column_text(first + 2);
  token.created_at = row.column_text(first + 3);
  token.last_used_at = row.column_text(first + 4);
  return token;
}

constexpr const char* kTokenColumns = "api_tokens.id, users.name, api_tokens.name, api_tokens.created_at, "
                                      "api_tokens.last_used_at";

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kSteward:
      return "steward";
    case Role::kViewer:
      break;
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::kAdmin;
  if (text == "steward") return Role::kSteward;
  if (text == "viewer") return Role::kViewer;
  return std::nullopt;
}

bool is_valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front())) return false;
  for (const char c : name) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-' && c != '@') return false;
  }
  return true;
}

struct AuthStore::Impl {
  std::mutex mutex;
  Connection connection;  // guarded by mutex
  WallClock clock;

  std::string now() const { return format_rfc3339(clock()); }

  StoreResult<std::optional<User>> find_user(const std::string& name) {
    auto statement = connection.prepare(fmt::format("SELECT {} FROM users WHERE name = ?", kUserColumns));
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, name);
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<User>();
    return std::optional<User>(user_from_row(*statement, true));
  }

  StoreResult<std::uint64_t> count(const char* sql) {
    auto statement = connection.prepare(sql);
    if (!statement) return std::unexpected(statement.error());
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    return static_cast<std::uint64_t>(statement->column_int(0));
  }

  StoreResult<void> run(std::string_view sql, const std::vector<std::variant<std::string, std::int64_t>>& values) {
    auto statement = connection.prepare(sql);
    if (!statement) return std::unexpected(statement.error());
    int index = 1;
    for (const auto& value : values) {
      if (const auto* text = std::get_if<std::string>(&value)) {
        statement->bind(index++, *text);
      } else {
        statement->bind(index++, std::get<std::int64_t>(value));
      }
    }
    return statement->run();
  }
};

AuthStore::AuthStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuthStore::~AuthStore() = default;

StoreResult<std::unique_ptr<AuthStore>> AuthStore::open(const std::string& path, WallClock clock) {
  auto connection = Connection::open(path, /*read_only=*/false);
  if (!connection) return std::unexpected(connection.error());
  auto impl = std::make_unique<Impl>();
  impl->connection = std::move(*connection);
  impl->clock = clock ? std::move(clock) : WallClock([] { return std::chrono::system_clock::now(); });
  return std::unique_ptr<AuthStore>(new AuthStore(std::move(impl)));
}

StoreResult<User> AuthStore::create_user(const std::string& name, Role role, const std::string& password_hash) {
  if (!is_valid_user_name(name)) {
    return std::unexpected(StoreError{
        StoreErrorKind::kInvalid,
        fmt::format("invalid user name \"{}\": use 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a "
                    "letter or digit",
                    name)});
  }
  std::lock_guard lock(impl_->mutex);
  auto existing = impl_->find_user(name);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) {
    return std::unexpected(StoreError{StoreErrorKind::kAlreadyExists, fmt::format("user \"{}\" already exists", name)});
  }
  const std::string now = impl_->now();
  CATALOG_RETURN_IF_ERROR(impl_->run(
      "INSERT INTO users(name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
      {name, std::string(role_name(role)), password_hash, now, now}));
  auto created = impl_->find_user(name);
  if (!created) return std::unexpected(created.error());
  return std::move(**created);
}

StoreResult<std::vector<User>> AuthStore::list_users() {
  std::lock_guard lock(impl_->mutex);
  auto statement = impl_->connection.prepare(fmt::format("SELECT {} FROM users ORDER BY name", kUserColumns));
  if (!statement) return std::unexpected(statement.error());
  std::vector<User> users;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    users.push_back(user_from_row(*statement, false));
  }
  return users;
}

StoreResult<User> AuthStore::get_user(const std::string& name) {
  std::lock_guard lock(impl_->mutex);
  auto user = impl_->find_user(name);
  if (!user) return std::unexpected(user.error());
  if (!*user) return std::unexpected(not_found_user(name));
  return std::move(**user);
}

StoreResult<std::uint64_t> AuthStore::count_users() {
  std::lock_guard lock(impl_->mutex);
  return impl_->count("SELECT count(*) FROM users");
}

StoreResult<std::uint64_t> AuthStore::count_admins() {
  std::lock_guard lock(impl_->mutex);
  return impl_->count("SELECT count(*) FROM users WHERE role = 'admin'");
}

StoreResult<void> AuthStore::remove_user(const std::string& name) {
  std::lock_guard lock(impl_->mutex);
  CATALOG_RETURN_IF_ERROR(impl_->run("DELETE FROM users WHERE name = ?", {name}));
  if (impl_->connection.changes() == 0) return std::unexpected(not_found_user(name));
  return {};
}

StoreResult<User> AuthStore::set_role(const std::string& name, Role role) {
  std::lock_guard lock(impl_->mutex);
  CATALOG_RETURN_IF_ERROR(impl_->run("UPDATE users SET role = ?, updated_at = ? WHERE name = ?",
                                     {std::string(role_name(role)), impl_->now(), name}));
  if (impl_->connection.changes() == 0) return std::unexpected(not_found_user(name));
  auto user = impl_->find_user(name);
  if (!user) return std::unexpected(user.error());
  (*user)->password_hash.clear();
  return std::move(**user);
}

StoreResult<void> AuthStore::set_password_hash(const std::string& name, const std::string& password_hash) {
  std::lock_guard lock(impl_->mutex);
  auto transaction = sqlite::Transaction::begin(impl_->connection, sqlite::Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(impl_->run("UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                                     {password_hash, impl_->now(), name}));
  if (impl_->connection.changes() == 0) return std::unexpected(not_found_user(name));
  CATALOG_RETURN_IF_ERROR(
      impl_->run("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)", {name}));
  return transaction->commit();
}

StoreResult<void> AuthStore::create_session(const std::string& token_hash, std::int64_t user_id, std::int64_t now,
                                            const std::string& client_address) {
  std::lock_guard lock(impl_->mutex);
  return impl_->run(
      "INSERT INTO sessions(token_hash, user_id, created_at, last_seen_at, client_address) VALUES (?, ?, ?, ?, ?)",
      {token_hash, user_id, now, now, client_address});
}

StoreResult<std::optional<SessionRecord>> AuthStore::find_session(const std::string& token_hash) {
  std::lock_guard lock(impl_->mutex);
  auto statement = impl_->connection.prepare(
      fmt::format("SELECT {}, sessions.created_at, sessions.last_seen_at FROM sessions JOIN users ON users.id = "
                  "sessions.user_id WHERE sessions.token_hash = ?",
                  kUserColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, token_hash);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<SessionRecord>();
  SessionRecord session;
  session.user = user_from_row(*statement, false);
  session.created_at = statement->column_int(6);
  session.last_seen_at = statement->column_int(7);
  return std::optional<SessionRecord>(std::move(session));
}

StoreResult<void> AuthStore::touch_session(const std::string& token_hash, std::int64_t now) {
  std::lock_guard lock(impl_->mutex);
  return impl_->run("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", {now, token_hash});
}

StoreResult<void> AuthStore::delete_session(const std::string& token_hash) {
  std::lock_guard lock(impl_->mutex);
  return impl_->run("DELETE FROM sessions WHERE token_hash = ?", {token_hash});
}

StoreResult<std::uint64_t> AuthStore::delete_expired_sessions(std::int64_t created_before, std::int64_t seen_before) {
  std::lock_guard lock(impl_->mutex);
  CATALOG_RETURN_IF_ERROR(impl_->run("DELETE FROM sessions WHERE created_at < ? OR last_seen_at < ?",
                                     {created_before, seen_before}));
  return impl_->connection.changes();
}

StoreResult<ApiToken> AuthStore::create_token(const std::string& user, const std::string& name,
                                              const std::string& token_hash) {
  if (name.empty() || name.size() > 100) {
    return std::unexpected(
        StoreError{StoreErrorKind::kInvalid, "invalid token name: use 1 to 100 characters to say what it is for"});
  }
  std::lock_guard lock(impl_->mutex);
  auto owner = impl_->find_user(user);
  if (!owner) return std::unexpected(owner.error());
  if (!*owner) return std::unexpected(not_found_user(user));
  CATALOG_RETURN_IF_ERROR(impl_->run("INSERT INTO api_tokens(user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                                     {(*owner)->id, name, token_hash, impl_->now()}));
  ApiToken token;
  token.id = sqlite3_last_insert_rowid(impl_->connection.handle());
  token.user = user;
  token.name = name;
  token.created_at = impl_->now();
  return token;
}

StoreResult<std::optional<std::pair<User, ApiToken>>> AuthStore::find_token(const std::string& token_hash) {
  using Found = std::optional<std::pair<User, ApiToken>>;
  std::lock_guard lock(impl_->mutex);
  auto statement = impl_->connection.prepare(fmt::format(
      "SELECT {}, {} FROM api_tokens JOIN users ON users.id = api_tokens.user_id WHERE api_tokens.token_hash = ?",
      kUserColumns, kTokenColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, token_hash);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return Found();
  User user = user_from_row(*statement, false);
  ApiToken token = token_from_row(*statement, 6);
  statement->reset();

  const auto now = impl_->clock();
  const std::string now_text = format_rfc3339(now);
  const std::string stale = format_rfc3339(now - std::chrono::seconds(kTokenUseResolutionSeconds));
  if (token.last_used_at < stale) {
    CATALOG_RETURN_IF_ERROR(impl_->run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", {now_text, token.id}));
    token.last_used_at = now_text;
  }
  return Found(std::pair(std::move(user), std::move(token)));
}

StoreResult<std::vector<ApiToken>> AuthStore::list_tokens(const std::optional<std::string>& user) {
  std::lock_guard lock(impl_->mutex);
  std::string sql = fmt::format("SELECT {} FROM api_tokens JOIN users ON users.id = api_tokens.user_id", kTokenColumns);
  if (user) sql += " WHERE users.name = ?";
  sql += " ORDER BY api_tokens.id";
  auto statement = impl_->connection.prepare(sql);
  if (!statement) return std::unexpected(statement.error());
  if (user) statement->bind(1, *user);
  std::vector<ApiToken> tokens;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    tokens.push_back(token_from_row(*statement, 0));
  }
  return tokens;
}

StoreResult<ApiToken> AuthStore::get_token(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  auto statement = impl_->connection.prepare(fmt::format(
      "SELECT {} FROM api_tokens JOIN users ON users.id = api_tokens.user_id WHERE api_tokens.id = ?", kTokenColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, id);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    return std::unexpected(StoreError{StoreErrorKind::kNotFound, fmt::format("API token {} not found", id)});
  }
  return token_from_row(*statement, 0);
}

StoreResult<void> AuthStore::revoke_token(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  CATALOG_RETURN_IF_ERROR(impl_->run("DELETE FROM api_tokens WHERE id = ?", {id}));
  if (impl_->connection.changes() == 0) {
    return std::unexpected(StoreError{StoreErrorKind::kNotFound, fmt::format("API token {} not found", id)});
  }
  return {};
}

StoreResult<void> AuthStore::append_audit(const std::string& actor, const std::string& action,
                                          const std::string& target, const std::string& detail_json) {
  std::lock_guard lock(impl_->mutex);
  return impl_->run("INSERT INTO audit_log(time, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                    {impl_->now(), actor, action, target, detail_json.empty() ? std::string("{}") : detail_json});
}

StoreResult<AuditPage> AuthStore::list_audit(std::size_t limit, std::size_t offset) {
  std::lock_guard lock(impl_->mutex);
  AuditPage page;
  auto total = impl_->count("SELECT count(*) FROM audit_log");
  if (!total) return std::unexpected(total.error());
  page.total = *total;
  auto statement = impl_->connection.prepare(
      "SELECT id, time, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, static_cast<std::int64_t>(limit)).bind(2, static_cast<std::int64_t>(offset));
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    page.entries.push_back(AuditEntry{statement->column_int(0), statement->column_text(1), statement->column_text(2),
                                      statement->column_text(3), statement->column_text(4),
                                      statement->column_text(5)});
  }
  return page;
}

}  // namespace s3cat::catalog
