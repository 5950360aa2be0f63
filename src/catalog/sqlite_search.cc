// Search and annotation listings of the SQLite store. Substring criteria
// scan the candidate rows; the full-text criterion uses the FTS5 index over
// annotations (annotations_fts, see the schema's version 2).
// NOTE: a search without text scans files in path order and stops once it
// has the page and kSearchCountLimit matches. A criterion that matches fewer
// files than that reads every present file of the sources in scope, so its
// time grows with the catalog. An FTS5 trigram index on paths would serve
// substrings from an index, at the cost of a larger database and slower syncs.
#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "catalog/sqlite_rows.h"
#include "catalog/sqlite_store.h"

namespace s3cat::catalog::sqlite {
namespace {

using Binding = std::variant<std::int64_t, std::string>;

// WHERE clauses joined by AND, with their '?' parameters in order.
struct Conditions {
  std::vector<std::string> clauses;
  std::vector<Binding> bindings;

  void add(std::string clause) { clauses.push_back(std::move(clause)); }
  void add(std::string clause, Binding value) {
    clauses.push_back(std::move(clause));
    bindings.push_back(std::move(value));
  }
  void add(std::string clause, Binding first, Binding second) {
    clauses.push_back(std::move(clause));
    bindings.push_back(std::move(first));
    bindings.push_back(std::move(second));
  }

  std::string sql() const {
    std::string text;
    for (const std::string& clause : clauses) text += (text.empty() ? "" : " AND ") + clause;
    return text.empty() ? "1" : text;
  }
};

void bind_all(Statement& statement, const std::vector<Binding>& bindings, int first_index = 1) {
  int index = first_index;
  for (const Binding& binding : bindings) {
    if (const auto* number = std::get_if<std::int64_t>(&binding)) {
      statement.bind(index++, *number);
    } else {
      statement.bind(index++, std::get<std::string>(binding));
    }
  }
}

// An FTS5 query in which each word of `text` is a quoted string, so FTS5
// operators and punctuation in user input are plain text. Words are ANDed; a
// trailing '*' on a word keeps its prefix meaning. Empty when `text` has no
// word.
std::string fts_query(const std::string& text) {
  std::string query;
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t\r\n", position);
    if (start == std::string::npos) break;
    std::size_t end = text.find_first_of(" \t\r\n", start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    position = end;

    const bool prefix = word.size() > 1 && word.back() == '*';
    if (prefix) word.pop_back();
    std::string quoted = "\"";
    for (char c : word) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += prefix ? "\"*" : "\"";
    query += (query.empty() ? "" : " ") + quoted;
  }
  return query;
}

// SQL expressions for an item's name and path in one search form.
struct ItemColumns {
  const char* name;
  const char* path;
};

// The text search's items have the columns source_id, bucket, key, name and path.
constexpr ItemColumns kTextItemColumns{"item.name", "item.path"};
// A file search reads objects AS file directly.
constexpr ItemColumns kFileItemColumns{"base_name(file.key)", "('/' || file.bucket || '/' || file.key)"};

// Conditions on the item's name, path, annotation (`note`) and file row
// (`file`, NULL for folders and buckets). The source and the bucket are
// conditions of the text search only; a file search visits them in turn.
Conditions common_conditions(const SearchQuery& query, const ItemColumns& columns) {
  Conditions where;
  if (!query.name_contains.empty()) {
    where.add(fmt::format("instr(lower({}), lower(?)) > 0", columns.name), query.name_contains);
  }
  if (!query.path_contains.empty()) {
    where.add(fmt::format("instr(lower({}), lower(?)) > 0", columns.path), query.path_contains);
  }
  if (!query.tag.empty()) {
    where.add("EXISTS (SELECT 1 FROM json_each(note.tags) WHERE json_each.value = ?)", query.tag);
  }
  if (!query.extension.empty()) {
    const std::string suffix = "." + query.extension;
    where.add("substr(lower(file.key), -length(?)) = lower(?)", suffix, suffix);
  }
  if (query.min_size) where.add("file.size >= ?", static_cast<std::int64_t>(*query.min_size));
  if (query.max_size) where.add("file.size <= ?", static_cast<std::int64_t>(*query.max_size));
  if (!query.modified_after.empty()) where.add("file.last_modified >= ?", query.modified_after);
  if (!query.modified_before.empty()) where.add("file.last_modified <= ?", query.modified_before);
  return where;
}

// Column list of a hit: the file columns first (for file_from_row), then
// the source, the item and its annotation.
constexpr const char* kHitColumns =
    "file.key, file.size, file.last_modified, file.etag, file.storage_class, file.checksum_algorithm, "
    "file.present, file.stale, file.first_seen, file.last_seen, "
    "source.name, item.source_id, item.bucket, item.key, "
    "note.description, note.tags, note.owners, note.updated_by, note.updated_at, note.key IS NOT NULL";

// The present files of one bucket in key order, each with its annotation
// when it has one. ?1 is the source id, ?2 the bucket, ?3 the source name;
// the conditions' parameters follow. SQLite tests the conditions on `file`
// before it looks up the annotation.
constexpr const char* kBucketFiles =
    "SELECT file.key, file.size, file.last_modified, file.etag, file.storage_class, file.checksum_algorithm, "
    "file.present, file.stale, file.first_seen, file.last_seen, "
    "?3, file.source_id, file.bucket, file.key, "
    "note.description, note.tags, note.owners, note.updated_by, note.updated_at, note.key IS NOT NULL "
    "FROM objects AS file LEFT JOIN annotations AS note ON note.source_id = file.source_id "
    "AND note.bucket = file.bucket AND note.key = file.key "
    "WHERE file.source_id = ?1 AND file.bucket = ?2 AND file.present = 1 AND file.is_marker = 0 AND {} "
    "ORDER BY file.key";

// Annotated items whose annotation matches the FTS5 query (the first
// parameter). An item's name is its last path segment, or the bucket name.
// The WHERE clause keeps items present now.
constexpr const char* kTextItems =
    "FROM (SELECT keys.source_id, keys.bucket, keys.key, hits.rank, "
    "  CASE WHEN keys.key = '' THEN keys.bucket "
    "       ELSE substr(trimmed.value, length(rtrim(trimmed.value, replace(trimmed.value, '/', ''))) + 1) END AS name, "
    "  CASE WHEN keys.key = '' THEN '/' || keys.bucket ELSE '/' || keys.bucket || '/' || keys.key END AS path "
    "  FROM (SELECT rowid AS id, bm25(annotations_fts) AS rank FROM annotations_fts WHERE annotations_fts MATCH ?) "
    "  AS hits JOIN annotation_keys AS keys ON keys.id = hits.id "
    "  JOIN (SELECT id, CASE WHEN substr(key, -1) = '/' THEN substr(key, 1, length(key) - 1) ELSE key END AS value "
    "        FROM annotation_keys) AS trimmed ON trimmed.id = keys.id) AS item "
    "JOIN sources AS source ON source.id = item.source_id "
    "JOIN annotations AS note ON note.source_id = item.source_id AND note.bucket = item.bucket "
    "AND note.key = item.key "
    "LEFT JOIN objects AS file ON item.key <> '' AND substr(item.key, -1) <> '/' "
    "AND file.source_id = item.source_id AND file.bucket = item.bucket AND file.key = item.key "
    "AND file.is_marker = 0";

constexpr const char* kTextItemPresent =
    "(CASE WHEN item.key = '' THEN EXISTS (SELECT 1 FROM buckets WHERE buckets.source_id = item.source_id "
    "AND buckets.name = item.bucket AND buckets.present = 1) "
    "WHEN substr(item.key, -1) = '/' THEN EXISTS (SELECT 1 FROM folders WHERE folders.source_id = item.source_id "
    "AND folders.bucket = item.bucket AND folders.path = item.key) "
    "ELSE coalesce(file.present, 0) = 1 END)";

// The same presence test for a row of annotations aliased `note`.
constexpr const char* kAnnotationPresent =
    "(CASE WHEN note.key = '' THEN EXISTS (SELECT 1 FROM buckets WHERE buckets.source_id = note.source_id "
    "AND buckets.name = note.bucket AND buckets.present = 1) "
    "WHEN substr(note.key, -1) = '/' THEN EXISTS (SELECT 1 FROM folders WHERE folders.source_id = note.source_id "
    "AND folders.bucket = note.bucket AND folders.path = note.key) "
    "ELSE EXISTS (SELECT 1 FROM objects WHERE objects.source_id = note.source_id AND objects.bucket = note.bucket "
    "AND objects.key = note.key AND objects.present = 1 AND objects.is_marker = 0) END)";

Annotation annotation_from_columns(const Statement& row, int first) {
  Annotation annotation;
  annotation.description = row.column_text(first);
  annotation.tags = strings_from_json(row.column_text(first + 1));
  annotation.owners = strings_from_json(row.column_text(first + 2));
  annotation.updated_by = row.column_text(first + 3);
  annotation.updated_at = row.column_text(first + 4);
  return annotation;
}

SearchHit hit_from_row(const Statement& row) {
  SearchHit hit;
  hit.source = row.column_text(10);
  hit.source_id = row.column_int(11);
  hit.item.bucket = row.column_text(12);
  hit.item.key = row.column_text(13);
  if (!row.column_is_null(0)) hit.file = file_from_row(row, hit.item.bucket);
  if (row.column_int(19) != 0) hit.annotation = annotation_from_columns(row, 14);
  return hit;
}

StoreResult<std::uint64_t> count_rows(Connection& connection, const std::string& from_where,
                                      const std::vector<Binding>& bindings) {
  auto statement = connection.prepare(fmt::format("SELECT count(*) {}", from_where));
  if (!statement) return std::unexpected(statement.error());
  bind_all(*statement, bindings);
  if (auto row = statement->step(); !row) return std::unexpected(row.error());
  return static_cast<std::uint64_t>(statement->column_int(0));
}

struct SourceName {
  std::int64_t id = 0;
  std::string name;
};

StoreResult<std::vector<SourceName>> sources_in_scope(Connection& connection, std::optional<std::int64_t> source_id) {
  auto statement = connection.prepare(
      fmt::format("SELECT id, name FROM sources {} ORDER BY name", source_id ? "WHERE id = ?" : ""));
  if (!statement) return std::unexpected(statement.error());
  if (source_id) statement->bind(1, *source_id);
  std::vector<SourceName> sources;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return sources;
    sources.push_back(SourceName{statement->column_int(0), statement->column_text(1)});
  }
}

// A search without text: present files in order of source name and path.
// The scan follows that order (sources by name, buckets in path order, each
// bucket through its primary key), so it stops as soon as it has the page
// and enough matches for the capped total.
StoreResult<SearchPage> search_files(Connection& connection, const SearchQuery& query) {
  const Conditions where = common_conditions(query, kFileItemColumns);
  const std::uint64_t stop_at = std::max<std::uint64_t>(kSearchCountLimit, query.offset + query.limit + 1);

  auto statement = connection.prepare(fmt::format(kBucketFiles, where.sql()));
  if (!statement) return std::unexpected(statement.error());
  auto sources = sources_in_scope(connection, query.source_id);
  if (!sources) return std::unexpected(sources.error());

  SearchPage page;
  std::uint64_t matched = 0;
  for (const SourceName& source : *sources) {
    auto buckets = bucket_names_in_path_order(connection, source.id, query.bucket);
    if (!buckets) return std::unexpected(buckets.error());
    for (const std::string& bucket : *buckets) {
      statement->reset();
      statement->bind(1, source.id).bind(2, bucket).bind(3, source.name);
      bind_all(*statement, where.bindings, 4);
      while (true) {
        auto row = statement->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        if (matched >= query.offset && page.hits.size() < query.limit) page.hits.push_back(hit_from_row(*statement));
        ++matched;
        if (matched >= stop_at) {
          page.total = matched;
          page.total_exact = false;
          return page;
        }
      }
    }
  }
  page.total = matched;
  return page;
}

}  // namespace

StoreResult<SearchPage> SqliteStore::search(const SearchQuery& query) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto transaction = Transaction::begin(**reader, Transaction::Mode::kDeferred);
  if (!transaction) return std::unexpected(transaction.error());

  const std::string match = fts_query(query.text);
  if (match.empty()) return search_files(**reader, query);

  // Annotations are few next to files, so the text search counts every match.
  Conditions where = common_conditions(query, kTextItemColumns);
  if (query.source_id) where.add("item.source_id = ?", *query.source_id);
  if (!query.bucket.empty()) where.add("item.bucket = ?", query.bucket);
  std::vector<Binding> bindings{match};
  bindings.insert(bindings.end(), where.bindings.begin(), where.bindings.end());
  const std::string from_where = fmt::format("{} WHERE {} AND {}", kTextItems, kTextItemPresent, where.sql());
  const std::string order = "item.rank, source.name, item.bucket || '/', item.key";

  SearchPage page;
  auto total = count_rows(**reader, from_where, bindings);
  if (!total) return std::unexpected(total.error());
  page.total = *total;

  auto statement =
      (*reader)->prepare(fmt::format("SELECT {} {} ORDER BY {} LIMIT ? OFFSET ?", kHitColumns, from_where, order));
  if (!statement) return std::unexpected(statement.error());
  bindings.push_back(static_cast<std::int64_t>(query.limit));
  bindings.push_back(static_cast<std::int64_t>(query.offset));
  bind_all(*statement, bindings);
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    page.hits.push_back(hit_from_row(*statement));
  }
  return page;
}

StoreResult<AnnotatedPage> SqliteStore::list_annotated(std::int64_t source_id, const AnnotatedQuery& query) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto transaction = Transaction::begin(**reader, Transaction::Mode::kDeferred);
  if (!transaction) return std::unexpected(transaction.error());
  CATALOG_RETURN_IF_ERROR(require_source(**reader, source_id));

  Conditions where;
  where.add("note.source_id = ?", source_id);
  if (query.present) where.add(fmt::format("{} = ?", kAnnotationPresent), std::int64_t{*query.present});
  const std::string from_where = fmt::format("FROM annotations AS note WHERE {}", where.sql());

  AnnotatedPage page;
  auto total = count_rows(**reader, from_where, where.bindings);
  if (!total) return std::unexpected(total.error());
  page.total = *total;

  auto statement = (*reader)->prepare(fmt::format(
      "SELECT note.bucket, note.key, {}, note.description, note.tags, note.owners, note.updated_by, "
      "note.updated_at {} ORDER BY note.bucket || '/', note.key LIMIT ? OFFSET ?",
      kAnnotationPresent, from_where));
  if (!statement) return std::unexpected(statement.error());
  std::vector<Binding> bindings = where.bindings;
  bindings.push_back(static_cast<std::int64_t>(query.limit));
  bindings.push_back(static_cast<std::int64_t>(query.offset));
  bind_all(*statement, bindings);
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    AnnotatedItem item;
    item.item.bucket = statement->column_text(0);
    item.item.key = statement->column_text(1);
    item.present = statement->column_int(2) != 0;
    item.annotation = annotation_from_columns(*statement, 3);
    page.items.push_back(std::move(item));
  }
  return page;
}

StoreResult<std::vector<TagCount>> SqliteStore::list_tags(std::optional<std::int64_t> source_id) {
  auto reader = readers_.acquire();
  if (!reader) return std::unexpected(reader.error());
  auto statement = (*reader)->prepare(fmt::format(
      "SELECT tag.value, count(*) FROM annotations AS note, json_each(note.tags) AS tag {} "
      "GROUP BY tag.value ORDER BY tag.value",
      source_id ? "WHERE note.source_id = ?" : ""));
  if (!statement) return std::unexpected(statement.error());
  if (source_id) statement->bind(1, *source_id);

  std::vector<TagCount> tags;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    tags.push_back(TagCount{statement->column_text(0), static_cast<std::uint64_t>(statement->column_int(1))});
  }
  return tags;
}

}  // namespace s3cat::catalog::sqlite
