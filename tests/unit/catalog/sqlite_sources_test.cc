#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::read_file_bytes;
using testing::StoreTest;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789";

Source full_source() {
  Source source;
  source.name = "prod-data";
  source.title = "Production data";
  source.description = "All **buckets**";
  source.endpoint_url = "http://127.0.0.1:9000";
  source.region = "eu-west-1";
  source.addressing = "path";
  source.requester_pays = true;
  source.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  source.secret_access_key = kSecret;
  source.session_token = kToken;
  source.role_arn = "arn:aws:iam::123456789012:role/reader";
  source.external_id = "ext-1";
  source.path_prefixes = {"/logs/app", "/data"};
  return source;
}

using SqliteSources = StoreTest;

TEST_F(SqliteSources, CreateAndGetRoundTrip) {
  auto created = store_->create_source(full_source());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->created_at, "2024-05-01T00:00:00Z");

  auto source = store_->get_source("prod-data");
  ASSERT_TRUE(source.has_value()) << source.error().message;
  const Source expected = full_source();
  EXPECT_EQ(source->id, created->id);
  EXPECT_EQ(source->title, expected.title);
  EXPECT_EQ(source->description, expected.description);
  EXPECT_EQ(source->type, "s3");
  EXPECT_EQ(source->endpoint_url, expected.endpoint_url);
  EXPECT_EQ(source->region, expected.region);
  EXPECT_EQ(source->addressing, "path");
  EXPECT_TRUE(source->requester_pays);
  EXPECT_EQ(source->access_key_id, expected.access_key_id);
  EXPECT_EQ(source->secret_access_key, kSecret);
  EXPECT_EQ(source->session_token, kToken);
  EXPECT_EQ(source->role_arn, expected.role_arn);
  EXPECT_EQ(source->external_id, expected.external_id);
  EXPECT_EQ(source->path_prefixes, expected.path_prefixes);
  EXPECT_EQ(source->created_at, "2024-05-01T00:00:00Z");
  EXPECT_EQ(source->updated_at, "2024-05-01T00:00:00Z");
}

TEST_F(SqliteSources, SecretsNotInDatabaseBytes) {
  ASSERT_TRUE(store_->create_source(full_source()).has_value());
  const std::string bytes = read_file_bytes(options_.path) + read_file_bytes(options_.path + "-wal");
  ASSERT_FALSE(bytes.empty());
  EXPECT_NE(bytes.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos) << "the key ID is stored in plain text";
  EXPECT_EQ(bytes.find(kSecret), std::string::npos);
  EXPECT_EQ(bytes.find(kToken), std::string::npos);
  EXPECT_EQ(bytes.find("EXAMPLEKEY"), std::string::npos);
}

TEST_F(SqliteSources, KeyFileCreatedWithMode0600) {
  struct stat info {};
  ASSERT_EQ(::stat(options_.secret_key_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SqliteSources, DatabaseFilesReadableByOwnerOnly) {
  ASSERT_TRUE(store_->create_source(full_source()).has_value());
  for (const std::string& path : {options_.path, options_.path + "-wal"}) {
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << path << " holds password hashes and encrypted secrets";
  }
}

TEST_F(SqliteSources, WrongKeyFileGivesSecretKeyError) {
  ASSERT_TRUE(store_->create_source(full_source()).has_value());
  store_.reset();

  std::ofstream(options_.secret_key_file, std::ios::trunc) << std::string(64, 'a') << "\n";
  store_ = open();
  ASSERT_NE(store_, nullptr);

  auto source = store_->get_source("prod-data");
  ASSERT_FALSE(source.has_value());
  EXPECT_EQ(source.error().kind, StoreErrorKind::kSecretKey);
  EXPECT_NE(source.error().message.find(options_.secret_key_file), std::string::npos) << source.error().message;
  EXPECT_NE(source.error().message.find("restore"), std::string::npos) << source.error().message;
  EXPECT_EQ(source.error().message.find(kSecret), std::string::npos);

  auto listed = store_->list_sources();
  ASSERT_FALSE(listed.has_value());
  EXPECT_EQ(listed.error().kind, StoreErrorKind::kSecretKey);

  // Sealing a new secret with the wrong key is refused too.
  Source other = full_source();
  other.name = "other";
  auto created = store_->create_source(other);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().kind, StoreErrorKind::kSecretKey);
}

TEST_F(SqliteSources, MissingKeyFileGivesSecretKeyError) {
  ASSERT_TRUE(store_->create_source(full_source()).has_value());
  store_.reset();
  std::filesystem::remove(options_.secret_key_file);

  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_FALSE(std::filesystem::exists(options_.secret_key_file)) << "a new key would hide the lost one";

  auto source = store_->get_source("prod-data");
  ASSERT_FALSE(source.has_value());
  EXPECT_EQ(source.error().kind, StoreErrorKind::kSecretKey);
  EXPECT_NE(source.error().message.find(options_.secret_key_file), std::string::npos) << source.error().message;
  EXPECT_NE(source.error().message.find("missing"), std::string::npos) << source.error().message;
}

TEST_F(SqliteSources, LostKeyRecoveryByClearingCredentials) {
  ASSERT_TRUE(store_->create_source(full_source()).has_value());
  store_.reset();
  std::filesystem::remove(options_.secret_key_file);
  store_ = open();
  ASSERT_NE(store_, nullptr);

  auto source = store_->get_source_without_secrets("prod-data");
  ASSERT_TRUE(source.has_value()) << source.error().message;
  EXPECT_EQ(source->access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_TRUE(source->secret_access_key.empty());
  source->access_key_id.clear();
  ASSERT_TRUE(store_->update_source(*source).has_value());

  // With no secret left, the next open creates a new key and secrets work.
  store_.reset();
  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_TRUE(std::filesystem::exists(options_.secret_key_file));
  Source again = full_source();
  auto updated = store_->update_source(again);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  auto read = store_->get_source("prod-data");
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(read->secret_access_key, kSecret);
}

TEST_F(SqliteSources, SourcesWithoutSecretsNeedNoKey) {
  Source plain;
  plain.name = "chain";
  ASSERT_TRUE(store_->create_source(plain).has_value());
  store_.reset();
  std::ofstream(options_.secret_key_file, std::ios::trunc) << std::string(64, 'b') << "\n";
  store_ = open();
  ASSERT_NE(store_, nullptr);

  auto source = store_->get_source("chain");
  ASSERT_TRUE(source.has_value()) << source.error().message;
  EXPECT_EQ(source->credentials_mode(), CredentialsMode::kDefaultChain);
}

TEST_F(SqliteSources, DuplicateNameAlreadyExists) {
  ASSERT_TRUE(store_->create_source(full_source()).has_value());
  auto again = store_->create_source(full_source());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, StoreErrorKind::kAlreadyExists);
  EXPECT_NE(again.error().message.find("prod-data"), std::string::npos);
}

TEST_F(SqliteSources, RejectsInvalidValues) {
  Source bad_name = full_source();
  bad_name.name = "Bad Name";
  Source bad_filter = full_source();
  bad_filter.path_prefixes = {"logs/app"};
  Source bad_addressing = full_source();
  bad_addressing.addressing = "sideways";
  Source bad_type = full_source();
  bad_type.type = "gcs";
  for (const Source& source : {bad_name, bad_filter, bad_addressing, bad_type}) {
    auto created = store_->create_source(source);
    ASSERT_FALSE(created.has_value()) << source.name;
    EXPECT_EQ(created.error().kind, StoreErrorKind::kInvalid) << created.error().message;
  }
  auto filter_error = store_->create_source(bad_filter);
  EXPECT_NE(filter_error.error().message.find("/bucket/prefix"), std::string::npos);
}

TEST_F(SqliteSources, UpdateReplacesFields) {
  ASSERT_TRUE(store_->create_source(full_source()).has_value());
  advance_clock(60);
  Source changed = full_source();
  changed.title = "New title";
  changed.session_token.clear();
  changed.path_prefixes = {"/other"};
  auto updated = store_->update_source(changed);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->updated_at, "2024-05-01T00:01:00Z");
  EXPECT_EQ(updated->created_at, "2024-05-01T00:00:00Z");

  auto source = store_->get_source("prod-data");
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ(source->title, "New title");
  EXPECT_EQ(source->session_token, "");
  EXPECT_EQ(source->secret_access_key, kSecret);
  EXPECT_EQ(source->path_prefixes, std::vector<std::string>{"/other"});
}

TEST_F(SqliteSources, UnknownNamesNotFound) {
  EXPECT_EQ(store_->get_source("nope").error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->update_source(full_source()).error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->remove_source("nope").error().kind, StoreErrorKind::kNotFound);
}

TEST_F(SqliteSources, ListSortedByName) {
  for (const char* name : {"zeta", "alpha", "mid"}) add_source(name);
  auto sources = store_->list_sources();
  ASSERT_TRUE(sources.has_value()) << sources.error().message;
  ASSERT_EQ(sources->size(), 3u);
  EXPECT_EQ((*sources)[0].name, "alpha");
  EXPECT_EQ((*sources)[1].name, "mid");
  EXPECT_EQ((*sources)[2].name, "zeta");
}

TEST_F(SqliteSources, RemoveDeletesEverything) {
  const std::int64_t source_id = add_source("demo");
  sync_bucket(source_id, "logs", {testing::object("a/b.txt", 1)});
  ASSERT_TRUE(store_->put_annotation(source_id, {"logs", "a/b.txt"}, Annotation{.description = "x"}).has_value());

  ASSERT_TRUE(store_->remove_source("demo").has_value());
  EXPECT_EQ(store_->get_source("demo").error().kind, StoreErrorKind::kNotFound);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  for (const char* table : {"buckets", "objects", "folders", "annotations", "jobs", "job_log"}) {
    sqlite3_stmt* statement = nullptr;
    const std::string sql = std::string("SELECT count(*) FROM ") + table;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(statement, 0), 0) << table;
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
}

TEST_F(SqliteSources, MigrationsIdempotentOnReopen) {
  add_source("demo");
  for (int i = 0; i < 3; ++i) {
    store_.reset();
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }
  auto sources = store_->list_sources();
  ASSERT_TRUE(sources.has_value());
  EXPECT_EQ(sources->size(), 1u);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(statement, 0), 5);
  sqlite3_finalize(statement);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "wal");
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

TEST_F(SqliteSources, NewerSchemaRejected) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto store = open_sqlite_store(options_);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().kind, StoreErrorKind::kInvalid);
  EXPECT_NE(store.error().message.find("upgrade"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace s3cat::catalog
