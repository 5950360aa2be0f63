// Source CRUD of the SQLite store. Secrets are sealed before they reach SQL.
#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/path_filter.h"
#include "catalog/quoting.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

constexpr const char* kSourceColumns =
    "id, name, title, description, type, endpoint_url, region, addressing, requester_pays, access_key_id, "
    "secret_access_key, session_token, role_arn, external_id, path_prefixes, created_at, updated_at, schedule_minutes, "
    "role_session_name";

constexpr int kMaxScheduleMinutes = 525600;

StoreError invalid(std::string message) { return {StoreErrorKind::kInvalid, std::move(message)}; }

StoreError source_not_found(const std::string& name) {
  return {StoreErrorKind::kNotFound,
          fmt::format("no source named {}", quote_for_message(name))};
}

// A slug for URLs and the command line: [a-z0-9][a-z0-9_-]{0,62}.
bool is_valid_source_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name.front())) return false;
  return std::ranges::all_of(name, [&](char c) { return lower_or_digit(c) || c == '-' || c == '_'; });
}

// STS's rule for RoleSessionName: 2 to 64 characters of [\w+=,.@-].
bool is_valid_role_session_name(const std::string& name) {
  if (name.size() < 2 || name.size() > 64) return false;
  return std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_+=,.@-").find(c) != std::string_view::npos;
  });
}

StoreResult<void> validate_source(const Source& source) {
  if (!is_valid_source_name(source.name)) {
    return std::unexpected(invalid(fmt::format(
        "invalid source name {}: use 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter or digit",
        quote_for_message(source.name))));
  }
  if (source.type != "s3") {
    return std::unexpected(
        invalid(fmt::format("invalid source type {}: the only type is s3", quote_for_message(source.type))));
  }
  if (source.addressing != "auto" && source.addressing != "path" && source.addressing != "virtual") {
    return std::unexpected(invalid(fmt::format("invalid addressing style {}: use auto, path or virtual",
                                               quote_for_message(source.addressing))));
  }
  if (auto filters = parse_path_filters(source.path_prefixes); !filters) {
    return std::unexpected(invalid(filters.error()));
  }
  if (!source.role_arn.empty() && !source.role_arn.starts_with("arn:")) {
    return std::unexpected(invalid(fmt::format(
        "invalid role ARN {}: expected arn:aws:iam::ACCOUNT:role/NAME", quote_for_message(source.role_arn))));
  }
  if (!source.role_session_name.empty() && !is_valid_role_session_name(source.role_session_name)) {
    return std::unexpected(invalid(fmt::format(
        "invalid role session name {}: use 2 to 64 letters, digits or the characters +=,.@_-",
        quote_for_message(source.role_session_name))));
  }
  if (source.schedule_minutes < 0 || source.schedule_minutes > kMaxScheduleMinutes) {
    return std::unexpected(invalid(fmt::format(
        "invalid schedule interval {} minutes: use 1 to {} minutes (one year), or 0 to turn the schedule off",
        source.schedule_minutes, kMaxScheduleMinutes)));
  }
  return {};
}

StoreResult<std::string> path_prefixes_to_json(const std::vector<std::string>& prefixes) {
  try {
    return nlohmann::json(prefixes).dump();
  } catch (const nlohmann::json::type_error&) {
    // dump() throws on bytes that are not UTF-8; no S3 key can match such a filter.
    return std::unexpected(invalid("invalid path filter: it is not valid UTF-8; write it as /bucket/prefix"));
  }
}

std::vector<std::string> path_prefixes_from_json(const std::string& text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> prefixes;
  if (!parsed.is_array()) return prefixes;
  for (const auto& item : parsed) {
    if (item.is_string()) prefixes.push_back(item.get<std::string>());
  }
  return prefixes;
}

}  // namespace

StoreResult<Source> SqliteStore::source_from_row(const Statement& row, bool decrypt) const {
  Source source;
  source.id = row.column_int(0);
  source.name = row.column_text(1);
  source.title = row.column_text(2);
  source.description = row.column_text(3);
  source.type = row.column_text(4);
  source.endpoint_url = row.column_text(5);
  source.region = row.column_text(6);
  source.addressing = row.column_text(7);
  source.requester_pays = row.column_int(8) != 0;
  source.access_key_id = row.column_text(9);
  source.role_arn = row.column_text(12);
  source.external_id = row.column_text(13);
  source.path_prefixes = path_prefixes_from_json(row.column_text(14));
  source.created_at = row.column_text(15);
  source.updated_at = row.column_text(16);
  source.schedule_minutes = static_cast<int>(row.column_int(17));
  source.role_session_name = row.column_text(18);
  if (!decrypt) return source;

  if (!row.column_is_null(10)) {
    auto secret = open_secret(source.name, "secret access key", row.column_text(10));
    if (!secret) return std::unexpected(secret.error());
    source.secret_access_key = std::move(*secret);
  }
  if (!row.column_is_null(11)) {
    auto token = open_secret(source.name, "session token", row.column_text(11));
    if (!token) return std::unexpected(token.error());
    source.session_token = std::move(*token);
  }
  return source;
}

StoreResult<Source> SqliteStore::read_source(Connection& connection, const std::string& name, bool decrypt) {
  auto statement = connection.prepare(fmt::format("SELECT {} FROM sources WHERE name = ?", kSourceColumns));
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, name);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(source_not_found(name));
  return source_from_row(*statement, decrypt);
}

StoreResult<Source> SqliteStore::write_source(const Source& source, bool create) {
  CATALOG_RETURN_IF_ERROR(validate_source(source));
  auto prefixes = path_prefixes_to_json(source.path_prefixes);
  if (!prefixes) return std::unexpected(prefixes.error());
  auto secret = seal_secret(source.secret_access_key);
  if (!secret) return std::unexpected(secret.error());
  auto token = seal_secret(source.session_token);
  if (!token) return std::unexpected(token.error());

  std::lock_guard lock(write_mutex_);
  auto transaction = Transaction::begin(writer_, Transaction::Mode::kImmediate);
  if (!transaction) return std::unexpected(transaction.error());

  const std::string time = now();
  auto statement =
      create ? writer_.prepare(
                   "INSERT INTO sources(title, description, type, endpoint_url, region, addressing, requester_pays, "
                   "access_key_id, secret_access_key, session_token, role_arn, external_id, path_prefixes, "
                   "updated_at, schedule_minutes, role_session_name, name, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT(name) DO NOTHING")
             : writer_.prepare(
                   "UPDATE sources SET title = ?, description = ?, type = ?, endpoint_url = ?, region = ?, "
                   "addressing = ?, requester_pays = ?, access_key_id = ?, secret_access_key = ?, "
                   "session_token = ?, role_arn = ?, external_id = ?, path_prefixes = ?, updated_at = ?, "
                   "schedule_minutes = ?, role_session_name = ? WHERE name = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, source.title)
      .bind(2, source.description)
      .bind(3, source.type)
      .bind(4, source.endpoint_url)
      .bind(5, source.region)
      .bind(6, source.addressing)
      .bind(7, std::int64_t{source.requester_pays})
      .bind(8, source.access_key_id);
  if (*secret) statement->bind_blob(9, **secret); else statement->bind_null(9);
  if (*token) statement->bind_blob(10, **token); else statement->bind_null(10);
  statement->bind(11, source.role_arn)
      .bind(12, source.external_id)
      .bind(13, *prefixes)
      .bind(14, time)
      .bind(15, std::int64_t{source.schedule_minutes})
      .bind(16, source.role_session_name)
      .bind(17, source.name);
  if (create) statement->bind(18, time);
  CATALOG_RETURN_IF_ERROR(statement->run());

  if (writer_.changes() == 0) {
    if (!create) return std::unexpected(source_not_found(source.name));
    return std::unexpected(StoreError{
        StoreErrorKind::kAlreadyExists,
        fmt::format("a source named {} already exists; choose another name, or change it with: s3catalog source "
                    "update {}",
                    quote_for_message(source.name), source.name)});
  }

  auto stored = read_source(writer_, source.name, /*decrypt=*/false);
  if (!stored) return std::unexpected(stored.error());
  CATALOG_RETURN_IF_ERROR(transaction->commit());
  stored->secret_access_key = source.secret_access_key;
  stored->session_token = source.session_token;
  return stored;
}

StoreResult<Source> SqliteStore::create_source(const Source& source) { return write_source(source, true); }

StoreResult<Source> SqliteStore::update_source(const Source& source) { return write_source(source, false); }

StoreResult<Source> SqliteStore::get_source(const std::string& name) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  return read_source(**reader, name, /*decrypt=*/true);
}

StoreResult<Source> SqliteStore::get_source_without_secrets(const std::string& name) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  return read_source(**reader, name, /*decrypt=*/false);
}

StoreResult<std::vector<Source>> SqliteStore::list_sources() {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto statement = (*reader)->prepare(fmt::format("SELECT {} FROM sources ORDER BY name", kSourceColumns));
  if (!statement) return std::unexpected(statement.error());

  std::vector<Source> sources;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto source = source_from_row(*statement, /*decrypt=*/true);
    if (!source) return std::unexpected(source.error());
    sources.push_back(std::move(*source));
  }
  return sources;
}

StoreResult<void> SqliteStore::remove_source(const std::string& name) {
  std::lock_guard lock(write_mutex_);
  auto statement = writer_.prepare("DELETE FROM sources WHERE name = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind(1, name);
  // One statement is its own transaction; foreign keys cascade to buckets,
  // objects, folders, annotations, jobs and their logs.
  CATALOG_RETURN_IF_ERROR(statement->run());
  if (writer_.changes() == 0) return std::unexpected(source_not_found(name));
  return {};
}

}  // namespace s3cat::catalog::sqlite
