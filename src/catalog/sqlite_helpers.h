// Thin RAII wrappers over the SQLite C API for the catalog store: a
// connection, a prepared statement that binds text with explicit byte lengths
// (keys may hold NUL, CR and other control bytes), and a transaction guard.
// Each object is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "catalog/store.h"

namespace s3cat::catalog::sqlite {

// Returns the error of a failed StoreResult from the enclosing function.
#define CATALOG_RETURN_IF_ERROR(expr)                      \
  do {                                                     \
    if (auto catalog_status_ = (expr); !catalog_status_) { \
      return std::unexpected(std::move(catalog_status_.error())); \
    }                                                      \
  } while (false)

class Statement;

// One open database connection. Moves, does not copy; closes on destruction.
class Connection {
 public:
  // Opens `path` (creating it when `read_only` is false) and applies the
  // connection settings every catalog connection needs: busy timeout,
  // foreign keys, WAL. A read-only connection also sets query_only.
  static StoreResult<Connection> open(const std::string& path, bool read_only);

  Connection() = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  sqlite3* handle() const { return db_.get(); }
  const std::string& path() const { return path_; }

  // Runs one or more statements that return no rows.
  StoreResult<void> exec(const char* sql);
  StoreResult<Statement> prepare(std::string_view sql);

  // Number of rows the latest INSERT, UPDATE or DELETE changed.
  std::uint64_t changes() const;

  // A kIo error naming the database file, the failed step and SQLite's message.
  StoreError error(std::string_view what) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// A prepared statement. Bind indexes start at 1, column indexes at 0.
class Statement {
 public:
  Statement(const Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Text is bound with its byte length and copied, so embedded NULs survive.
  Statement& bind(int index, std::string_view text);
  // Binds text without copying it (SQLITE_STATIC). The bytes must stay
  // valid and unchanged until the parameter is bound again, or the statement
  // is reset() or destroyed.
  Statement& bind_static(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // Advances to the next row: true when a row is available, false when done.
  StoreResult<bool> step();
  // Steps a statement that returns no rows.
  StoreResult<void> run();
  // Resets for another execution and clears the bindings.
  void reset();
  // Resets for another execution and keeps the bindings, so parameters that
  // are the same for every execution are bound once.
  void rewind();

  std::string column_text(int index) const;  // exact bytes; "" for NULL
  // The same bytes without a copy, valid until the next step(), reset() or
  // another column call on this column.
  std::string_view column_view(int index) const;
  std::int64_t column_int(int index) const;
  bool column_is_null(int index) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  const Connection* connection_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_status_ = SQLITE_OK;  // first failed bind, reported by step()
};

// Begins a transaction; rolls it back on destruction unless commit() ran.
class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate };

  static StoreResult<Transaction> begin(Connection& connection, Mode mode);

  Transaction(Transaction&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  StoreResult<void> commit();

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}
  Connection* connection_;
};

}  // namespace s3cat::catalog::sqlite
