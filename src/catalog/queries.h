// Query and result types of the catalog's browse, search and history reads
// (the CatalogStore methods that the server uses). Plain values;
// thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"

namespace s3cat::catalog {

// Which files visit_files streams.
struct FileScan {
  std::string path_prefix;      // "" or "/bucket/key-prefix", as in for_each_file
  bool include_absent = false;  // also files that are no longer present
};

enum class FileSort { kName, kSize, kModified };

// Position after the last file of a page, for keyset pagination. Only the
// field of the query's sort order and the key are used.
struct FileCursor {
  std::string key;
  std::uint64_t size = 0;
  std::string last_modified;
};

// The present files directly in a bucket (folder "") or a folder ("a/b/").
struct FolderFilesQuery {
  std::string bucket;
  std::string folder;
  FileSort sort = FileSort::kName;  // ties are ordered by key
  bool descending = false;
  std::size_t limit = 100;
  std::size_t offset = 0;              // ignored when `after` is set
  std::optional<FileCursor> after;     // continue after this position
};

struct FilePage {
  std::vector<FileEntry> files;
  std::uint64_t total = 0;              // files in the folder, whatever the page
  std::optional<FileCursor> next;       // set when more files follow this page
};

// An annotated bucket (key ""), folder (key ends in '/') or file.
struct AnnotatedItem {
  ItemRef item;
  bool present = false;  // the bucket, folder or file is in the catalog now
  Annotation annotation;
};

struct AnnotatedQuery {
  std::optional<bool> present;  // nullopt: both
  std::size_t limit = 100;
  std::size_t offset = 0;
};

struct AnnotatedPage {
  std::vector<AnnotatedItem> items;  // in path order
  std::uint64_t total = 0;
};

struct TagCount {
  std::string tag;
  std::uint64_t count = 0;  // annotations that have the tag
};

struct JobPage {
  std::vector<Job> jobs;  // newest first
  std::uint64_t total = 0;
};

// Search over present items. Without `text` the hits are files; with `text`
// they are the files, folders and buckets whose annotation matches.
struct SearchQuery {
  std::optional<std::int64_t> source_id;
  std::string bucket;          // exact bucket name
  std::string name_contains;   // substring of the item's own name, ASCII case-insensitive
  std::string path_contains;   // substring of "/bucket/key", ASCII case-insensitive
  std::string text;            // words for full-text search over annotations; all must match
  std::string extension;       // without the dot; only files
  std::string tag;             // exact tag of the item's annotation
  std::optional<std::uint64_t> min_size;  // bytes, inclusive; only files
  std::optional<std::uint64_t> max_size;
  std::string modified_after;   // RFC 3339, inclusive; only files
  std::string modified_before;
  std::size_t limit = 100;
  std::size_t offset = 0;
};

struct SearchHit {
  std::string source;  // source name
  std::int64_t source_id = 0;
  ItemRef item;
  std::optional<FileEntry> file;  // set for files
  std::optional<Annotation> annotation;
};

struct SearchPage {
  std::vector<SearchHit> hits;
  // Matching items. A search without text stops counting once it has the
  // page and at least kSearchCountLimit matches. Then total_exact is false,
  // and total is a lower bound.
  std::uint64_t total = 0;
  bool total_exact = true;
};

// Matches a search without text counts before it stops.
inline constexpr std::uint64_t kSearchCountLimit = 10'000;

}  // namespace s3cat::catalog
