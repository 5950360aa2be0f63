#include "catalog/sqlite_schema.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>

namespace s3cat::catalog::sqlite {
namespace {

// Object keys and bucket names compare as bytes (BINARY collation), which is
// the path order of "/bucket/key" within one bucket. Timestamps are RFC 3339
// UTC text. Annotations do not reference objects, so they outlive them.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE settings(
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);

CREATE TABLE sources(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  type TEXT NOT NULL,
  endpoint_url TEXT NOT NULL,
  region TEXT NOT NULL,
  addressing TEXT NOT NULL,
  requester_pays INTEGER NOT NULL,
  access_key_id TEXT NOT NULL,
  secret_access_key BLOB,  -- nonce || crypto_secretbox ciphertext; NULL when unset
  session_token BLOB,      -- same as secret_access_key
  role_arn TEXT NOT NULL,
  external_id TEXT NOT NULL,
  path_prefixes TEXT NOT NULL,  -- JSON array of filter strings
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE buckets(
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  name TEXT NOT NULL COLLATE BINARY,
  creation_date TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  present INTEGER NOT NULL DEFAULT 1,
  stale INTEGER NOT NULL DEFAULT 0,
  last_seen_job INTEGER,  -- latest job that recorded, wrote or completed the bucket
  last_synced TEXT NOT NULL DEFAULT '',
  last_status TEXT NOT NULL DEFAULT '',
  last_reason TEXT NOT NULL DEFAULT '',
  file_count INTEGER NOT NULL DEFAULT 0,  -- roll-up of present files, rebuilt with the folders
  total_bytes INTEGER NOT NULL DEFAULT 0,
  newest_modified TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(source_id, name)
) WITHOUT ROWID;

CREATE TABLE objects(
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  bucket TEXT NOT NULL COLLATE BINARY,
  key TEXT NOT NULL COLLATE BINARY,
  size INTEGER NOT NULL,
  last_modified TEXT NOT NULL,
  etag TEXT NOT NULL,
  storage_class TEXT NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  is_marker INTEGER NOT NULL,  -- key ends with '/': a folder marker, never a file
  present INTEGER NOT NULL,
  stale INTEGER NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  last_seen_job INTEGER NOT NULL,
  PRIMARY KEY(source_id, bucket, key)
) WITHOUT ROWID;

CREATE TABLE folders(
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  bucket TEXT NOT NULL COLLATE BINARY,
  path TEXT NOT NULL COLLATE BINARY,    -- "a/b/"
  parent TEXT NOT NULL COLLATE BINARY,  -- "a/", or "" at the bucket's top level
  file_count INTEGER NOT NULL,
  total_bytes INTEGER NOT NULL,
  newest_modified TEXT NOT NULL,
  PRIMARY KEY(source_id, bucket, path)
) WITHOUT ROWID;
CREATE INDEX folders_by_parent ON folders(source_id, bucket, parent, path);

CREATE TABLE annotations(
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  bucket TEXT NOT NULL COLLATE BINARY,
  key TEXT NOT NULL COLLATE BINARY,  -- "" for the bucket, "x/" for a folder
  description TEXT NOT NULL,
  tags TEXT NOT NULL,    -- JSON array
  owners TEXT NOT NULL,  -- JSON array
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY(source_id, bucket, key)
) WITHOUT ROWID;

CREATE TABLE jobs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so object rows never meet an old job's id
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '',
  owner_pid INTEGER NOT NULL,
  owner_host TEXT NOT NULL,
  result TEXT  -- JSON of the finished Job; NULL while running
);
CREATE INDEX jobs_by_source ON jobs(source_id, status);

CREATE TABLE job_log(
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  time TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY(job_id, seq)
) WITHOUT ROWID;
)sql";

// Version 2: what the server needs.
// - sources.schedule_minutes: periodic extraction interval, 0 for off.
// - jobs.trigger: who started the job ("api", "schedule"; "" for the CLI).
// - objects.parent: the key up to its last '/', which for a file is the
//   folder that directly contains it ("a/b/" for "a/b/c", "" at the top),
//   indexed to list one folder's files. The store
//   writes it from C++ because SQLite's text functions stop at a NUL byte;
//   the backfill below uses SQL and is therefore wrong only for keys that
//   contain NUL. The rtrim removes the key's trailing run of characters
//   other than '/'.
// - annotation_keys and annotations_fts: full-text search over annotations.
//   FTS5 needs an integer rowid and annotations has none, so annotation_keys
//   gives each annotated (source, bucket, key) one. put_annotation keeps the
//   index in step; deleting a key row (also through the source's cascade)
//   deletes its index row through the trigger.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE sources ADD COLUMN schedule_minutes INTEGER NOT NULL DEFAULT 0;

ALTER TABLE jobs ADD COLUMN trigger TEXT NOT NULL DEFAULT '';

ALTER TABLE objects ADD COLUMN parent TEXT NOT NULL DEFAULT '' COLLATE BINARY;
UPDATE objects SET parent = rtrim(key, replace(key, '/', ''));
CREATE INDEX objects_by_parent ON objects(source_id, bucket, parent, key);

CREATE TABLE annotation_keys(
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  bucket TEXT NOT NULL COLLATE BINARY,
  key TEXT NOT NULL COLLATE BINARY,
  UNIQUE(source_id, bucket, key)
);
CREATE VIRTUAL TABLE annotations_fts USING fts5(description, tags, owners, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER annotation_keys_delete AFTER DELETE ON annotation_keys BEGIN
  DELETE FROM annotations_fts WHERE rowid = old.id;
END;
INSERT INTO annotation_keys(source_id, bucket, key) SELECT source_id, bucket, key FROM annotations;
INSERT INTO annotations_fts(rowid, description, tags, owners)
  SELECT annotation_keys.id, annotations.description, annotations.tags, annotations.owners
  FROM annotations JOIN annotation_keys USING (source_id, bucket, key);
)sql";

// Version 3: the RoleSessionName of a source's assumed role.
constexpr const char* kVersion3 = R"sql(
ALTER TABLE sources ADD COLUMN role_session_name TEXT NOT NULL DEFAULT '';
)sql";

// Version 4: users, login sessions, API tokens and the audit log. Sessions
// and tokens are stored as the SHA-256 of the secret the client holds, so a
// copy of the database logs nobody in. Times are Unix seconds where the
// server compares them (sessions), RFC 3339 text elsewhere.
constexpr const char* kVersion4 = R"sql(
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,           -- "admin", "steward" or "viewer"
  password_hash TEXT NOT NULL,  -- crypto_pwhash_str (Argon2id) string
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,  -- hex SHA-256 of the cookie value
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  client_address TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE api_tokens(
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a revoked id never names a new token
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the token
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id);

CREATE TABLE audit_log(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,    -- user name, or "cli:" and the OS user
  action TEXT NOT NULL,   -- "source.update", "user.create", "login.success", ...
  target TEXT NOT NULL,   -- the source, user, token or job acted on
  detail TEXT NOT NULL    -- JSON object; never a secret
);
)sql";

// Version 5: one B-tree per object. The objects_by_parent index was about
// half the cost of inserting an object, so it and objects.parent go, and a
// folder's direct files are read from the primary key by a range scan that
// seeks past each subfolder (sqlite_browse.cc). The roll-ups gain the count
// of each folder's and each bucket's direct files, which list_folder_files
// returns as its total. The backfill runs while objects.parent exists, so it
// is wrong only for keys that contain NUL (see version 2), until the
// bucket's next completed sync rebuilds its roll-ups. DROP COLUMN rewrites
// the objects table, which takes minutes on a catalog of millions of files.
constexpr const char* kVersion5 = R"sql(
ALTER TABLE folders ADD COLUMN direct_file_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE buckets ADD COLUMN direct_file_count INTEGER NOT NULL DEFAULT 0;
UPDATE folders SET direct_file_count = (
  SELECT count(*) FROM objects INDEXED BY objects_by_parent
  WHERE objects.source_id = folders.source_id AND objects.bucket = folders.bucket AND objects.parent = folders.path
    AND objects.present = 1 AND objects.is_marker = 0);
UPDATE buckets SET direct_file_count = (
  SELECT count(*) FROM objects INDEXED BY objects_by_parent
  WHERE objects.source_id = buckets.source_id AND objects.bucket = buckets.name AND objects.parent = ''
    AND objects.present = 1 AND objects.is_marker = 0)
WHERE present = 1;
DROP INDEX objects_by_parent;
ALTER TABLE objects DROP COLUMN parent;
)sql";

// Append new migrations; never edit one that has shipped.
constexpr std::array<const char*, 5> kMigrations{kVersion1, kVersion2, kVersion3, kVersion4, kVersion5};

StoreResult<int> read_user_version(Connection& connection) {
  auto statement = connection.prepare("PRAGMA user_version");
  if (!statement) return std::unexpected(statement.error());
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  return static_cast<int>(statement->column_int(0));
}

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

StoreResult<void> migrate(Connection& connection) {
  auto transaction = Transaction::begin(connection, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());

  auto version = read_user_version(connection);
  if (!version) return std::unexpected(version.error());
  const int latest = latest_schema_version();
  if (*version > latest) {
    return std::unexpected(StoreError{
        StoreErrorKind::kInvalid,
        fmt::format("catalog database {} has schema version {}, newer than version {} that this s3catalog "
                    "supports; upgrade s3catalog",
                    connection.path(), *version, latest)});
  }
  if (*version == latest) return {};

  for (int next = *version + 1; next <= latest; ++next) {
    if (next == 5 && *version > 0) {
      spdlog::info("catalog database {}: migrating to schema version 5, which drops objects.parent and its index "
                   "and rewrites the objects table; this can take minutes on a catalog of millions of files",
                   connection.path());
    }
    CATALOG_RETURN_IF_ERROR(connection.exec(kMigrations[static_cast<std::size_t>(next - 1)]));
  }
  // PRAGMA takes no bound parameters; the value is an integer of ours.
  const std::string set_version = fmt::format("PRAGMA user_version = {}", latest);
  CATALOG_RETURN_IF_ERROR(connection.exec(set_version.c_str()));
  CATALOG_RETURN_IF_ERROR(transaction->commit());

  spdlog::info("catalog database {}: schema migrated from version {} to {}", connection.path(), *version, latest);
  return {};
}

}  // namespace s3cat::catalog::sqlite
