// Folder roll-ups computed from one bucket's present objects, streamed in key
// byte order. Only the chain of folders containing the current key is kept
// open, so memory grows with folder depth, not with the number of objects.
// Not thread-safe; one builder per bucket rebuild.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/types.h"

namespace s3cat::catalog {

struct FolderRollup {
  FolderEntry folder;
  std::string parent;  // "a/" for "a/b/"; "" at the bucket's top level
  std::uint64_t direct_file_count = 0;  // files directly in the folder, not in its subfolders
};

class FolderRollupBuilder {
 public:
  explicit FolderRollupBuilder(std::string bucket) : bucket_(std::move(bucket)) {}

  // Adds one present object. Keys must arrive in strictly increasing byte
  // order. Every proper prefix of the key that ends in '/' is a folder. A
  // folder marker (is_marker, key ends in '/') is a folder itself, and it
  // adds no file to the counts.
  void add(std::string_view key, std::uint64_t size, std::string_view last_modified, bool is_marker);

  // Closes every open folder. Call once after the last add().
  void finish();

  // Folders closed so far, children before their parents. Drain them with
  // clear_closed() to keep memory bounded.
  const std::vector<FolderRollup>& closed() const { return closed_; }
  void clear_closed() { closed_.clear(); }

  // Files of the whole bucket, and those at its top level.
  std::uint64_t bucket_file_count() const { return file_count_; }
  std::uint64_t bucket_direct_file_count() const { return direct_file_count_; }
  std::uint64_t bucket_total_bytes() const { return total_bytes_; }
  const std::string& bucket_newest_modified() const { return newest_modified_; }

 private:
  void close_innermost();

  std::string bucket_;
  std::vector<FolderRollup> open_;  // nested chain: each entry is the parent of the next
  std::vector<FolderRollup> closed_;
  std::uint64_t file_count_ = 0;
  std::uint64_t direct_file_count_ = 0;
  std::uint64_t total_bytes_ = 0;
  std::string newest_modified_;
};

// Returns the parent folder of a folder path: "a/" for "a/b/", "" for "a/".
std::string parent_folder(std::string_view folder_path);

}  // namespace s3cat::catalog
