#include "catalog/sqlite_store.h"

#include <fmt/format.h>

#include <filesystem>

#include "catalog/sqlite_schema.h"

namespace s3cat::catalog {
namespace sqlite {
namespace {

// Idle read connections kept open for reuse; more are closed when returned.
constexpr std::size_t kMaxIdleReaders = 8;

StoreResult<void> create_database_folder(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return {};
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    return std::unexpected(StoreError{StoreErrorKind::kIo,
                                      fmt::format("catalog database {}: cannot create the folder {}: {}", path,
                                                  parent.string(), error.message())});
  }
  return {};
}

}  // namespace

ReaderPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_.handle() != nullptr) pool_->release(std::move(connection_));
}

StoreResult<ReaderPool::Lease> ReaderPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      Connection connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  auto connection = Connection::open(path_, /*read_only=*/true);
  if (!connection) return std::unexpected(connection.error());
  return Lease(*this, std::move(*connection));
}

void ReaderPool::release(Connection connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(connection));
}

StoreResult<void> require_source(Connection& connection, std::int64_t source_id) {
  auto statement = connection.prepare("SELECT 1 FROM sources WHERE id = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source_id);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    return std::unexpected(StoreError{StoreErrorKind::kNotFound, fmt::format("no source with id {}", source_id)});
  }
  return {};
}

SqliteStore::SqliteStore(const SqliteOptions& options, Connection writer)
    : options_(options),
      clock_(options.clock ? options.clock : WallClock(&std::chrono::system_clock::now)),
      writer_(std::move(writer)),
      readers_(options.path) {}

StoreResult<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  if (options.path.empty()) {
    return std::unexpected(StoreError{StoreErrorKind::kInvalid, "catalog database path is empty; set a file path"});
  }
  if (options.secret_key_file.empty() && options.secret_key_base64.empty()) {
    return std::unexpected(
        StoreError{StoreErrorKind::kInvalid, "secret key file path is empty; set a file path outside the database"});
  }
  CATALOG_RETURN_IF_ERROR(create_database_folder(options.path));

  auto writer = Connection::open(options.path, /*read_only=*/false);
  if (!writer) return std::unexpected(writer.error());
  CATALOG_RETURN_IF_ERROR(migrate(*writer));

  std::unique_ptr<SqliteStore> store(new SqliteStore(options, std::move(*writer)));
  CATALOG_RETURN_IF_ERROR(store->load_secret_key());
  return store;
}

std::string SqliteStore::now() const { return format_rfc3339(clock_()); }

}  // namespace sqlite

StoreResult<std::unique_ptr<CatalogStore>> open_sqlite_store(const SqliteOptions& options) {
  auto store = sqlite::SqliteStore::open(options);
  if (!store) return std::unexpected(store.error());
  return std::unique_ptr<CatalogStore>(std::move(*store));
}

}  // namespace s3cat::catalog
