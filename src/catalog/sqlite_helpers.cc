#include "catalog/sqlite_helpers.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace s3cat::catalog::sqlite {
namespace {

// Waiting this long for another writer's lock covers a long batch commit of a
// concurrent job; after it, the write fails with SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 10'000;

// SQLite keeps memory statistics under a global mutex on every allocation
// unless they are turned off before it initializes. The catalog reads none
// of them. After initialization the call fails harmlessly (SQLITE_MISUSE).
void disable_memory_statistics() {
  static const int status = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  static_cast<void>(status);
}

// Creates a new database file readable by its owner only, because the catalog
// contains password hashes and encrypted secrets. SQLite gives its -wal and
// -shm files the database file's mode.
void create_owner_only(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
}

// SQL function base_name(key): the bytes of `key` after its last '/', as
// text. SQLite's own text functions stop at a NUL byte, and keys may hold
// one, so this reads the value's bytes.
void base_name_function(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  const auto* data = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  const int size = sqlite3_value_bytes(argv[0]);
  const std::string_view key = data == nullptr ? std::string_view() : std::string_view(data, static_cast<std::size_t>(size));
  const std::size_t slash = key.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  sqlite3_result_text64(context, name.data(), name.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

StoreResult<Connection> Connection::open(const std::string& path, bool read_only) {
  Connection connection;
  connection.path_ = path;

  // NOMUTEX: the store gives each connection to one thread at a time.
  const int flags = SQLITE_OPEN_READWRITE | (read_only ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  disable_memory_statistics();
  if (!read_only) create_owner_only(path);
  sqlite3* db = nullptr;
  const int status = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  connection.db_.reset(db);
  if (status != SQLITE_OK) {
    return std::unexpected(connection.error("cannot open the database"));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  if (sqlite3_create_function_v2(db, "base_name", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                 &base_name_function, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(connection.error("cannot register the SQL function base_name"));
  }
  CATALOG_RETURN_IF_ERROR(connection.exec("PRAGMA foreign_keys = ON"));
  if (read_only) {
    CATALOG_RETURN_IF_ERROR(connection.exec("PRAGMA query_only = ON"));
    return connection;
  }

  // WAL lets readers keep a consistent snapshot while a job writes.
  // In WAL mode, synchronous NORMAL keeps commits across application crashes.
  // A power loss can drop the latest commits, but it does not corrupt the file.
  auto mode = connection.prepare("PRAGMA journal_mode = WAL");
  if (!mode) return std::unexpected(mode.error());
  auto row = mode->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || mode->column_text(0) != "wal") {
    return std::unexpected(StoreError{
        StoreErrorKind::kIo,
        fmt::format("catalog database {}: cannot switch to WAL journal mode; "
                    "put the database on a local file system that supports shared memory",
                    path)});
  }
  CATALOG_RETURN_IF_ERROR(connection.exec("PRAGMA synchronous = NORMAL"));
  // 8 MiB of page cache for the one write connection (SQLite's default is
  // 2 MiB). S3 lists keys in order and objects has one B-tree, so a batch
  // touches few pages. bench/run.py at 1M keys measured peak RSS 107 MB and
  // 5.6 CPU s with 64 MiB, 48 MB and 4.9 CPU s with 8 MiB, 43 MB and
  // 5.7 CPU s with 2 MiB. Read connections keep the default.
  CATALOG_RETURN_IF_ERROR(connection.exec("PRAGMA cache_size = -8192"));
  return connection;
}

StoreResult<void> Connection::exec(const char* sql) {
  char* message = nullptr;
  const int status = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
  sqlite3_free(message);
  if (status != SQLITE_OK) return std::unexpected(error("statement failed"));
  return {};
}

StoreResult<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int status =
      sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
  if (status != SQLITE_OK) return std::unexpected(error("cannot prepare a statement"));
  return Statement(*this, stmt);
}

std::uint64_t Connection::changes() const {
  return static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
}

StoreError Connection::error(std::string_view what) const {
  if (!db_) {
    return {StoreErrorKind::kIo, fmt::format("catalog database {}: {}: out of memory", path_, what)};
  }
  const int code = sqlite3_extended_errcode(db_.get());
  std::string message = fmt::format("catalog database {}: {}: {}", path_, what, sqlite3_errmsg(db_.get()));
  if ((code & 0xff) == SQLITE_BUSY) {
    message += fmt::format(" (another process held the write lock for more than {} s; try again later)",
                           kBusyTimeoutMs / 1000);
  }
  return {StoreErrorKind::kIo, std::move(message)};
}

Statement& Statement::bind(int index, std::string_view text) {
  const int status = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                                         SQLITE_UTF8);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view text) {
  const int status = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int status = sqlite3_bind_int64(stmt_.get(), index, value);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  const int status = sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int status = sqlite3_bind_null(stmt_.get(), index);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

StoreResult<bool> Statement::step() {
  if (bind_status_ != SQLITE_OK) {
    return std::unexpected(StoreError{
        StoreErrorKind::kIo, fmt::format("catalog database {}: cannot bind a value: {}", connection_->path(),
                                         sqlite3_errstr(bind_status_))});
  }
  const int status = sqlite3_step(stmt_.get());
  if (status == SQLITE_ROW) return true;
  if (status == SQLITE_DONE) return false;
  return std::unexpected(connection_->error("statement failed"));
}

StoreResult<void> Statement::run() {
  auto row = step();
  if (!row) return std::unexpected(row.error());
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_status_ = SQLITE_OK;
}

void Statement::rewind() {
  // A failed bind stays reported, because the binding it failed to set stays.
  sqlite3_reset(stmt_.get());
}

std::string Statement::column_text(int index) const { return std::string(column_view(index)); }

std::string_view Statement::column_view(int index) const {
  // sqlite3_column_blob returns the stored bytes without any text conversion;
  // the byte count comes after it, as SQLite's documentation requires.
  const void* data = sqlite3_column_blob(stmt_.get(), index);
  const int size = sqlite3_column_bytes(stmt_.get(), index);
  if (data == nullptr || size <= 0) return {};
  return std::string_view(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_.get(), index); }

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL;
}

StoreResult<Transaction> Transaction::begin(Connection& connection, Mode mode) {
  // IMMEDIATE takes the write lock up front, so a writer waits for the busy
  // timeout at BEGIN instead of failing later when it upgrades a read lock.
  CATALOG_RETURN_IF_ERROR(connection.exec(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Transaction(connection);
}

Transaction::~Transaction() {
  if (connection_ != nullptr) {
    sqlite3_exec(connection_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

StoreResult<void> Transaction::commit() {
  Connection* connection = std::exchange(connection_, nullptr);
  auto status = connection->exec("COMMIT");
  if (!status) {
    sqlite3_exec(connection->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return status;
}

}  // namespace s3cat::catalog::sqlite
