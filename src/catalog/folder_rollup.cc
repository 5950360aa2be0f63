#include "catalog/folder_rollup.h"

namespace s3cat::catalog {
namespace {

void merge_newest(std::string& newest, std::string_view candidate) {
  // RFC 3339 UTC with whole seconds sorts as text in time order.
  if (candidate > newest) newest = std::string(candidate);
}

}  // namespace

std::string parent_folder(std::string_view folder_path) {
  if (folder_path.size() < 2) return {};
  const std::size_t slash = folder_path.rfind('/', folder_path.size() - 2);
  if (slash == std::string_view::npos) return {};
  return std::string(folder_path.substr(0, slash + 1));
}

void FolderRollupBuilder::add(std::string_view key, std::uint64_t size, std::string_view last_modified,
                              bool is_marker) {
  // Keys under one folder are contiguous in byte order, so a folder that
  // does not contain this key contains no later key either.
  while (!open_.empty() && !key.starts_with(open_.back().folder.path)) close_innermost();

  const std::size_t deepest = open_.empty() ? 0 : open_.back().folder.path.size();
  for (std::size_t slash = key.find('/', deepest); slash != std::string_view::npos;
       slash = key.find('/', slash + 1)) {
    FolderRollup rollup;
    rollup.folder.bucket = bucket_;
    rollup.folder.path = std::string(key.substr(0, slash + 1));
    open_.push_back(std::move(rollup));
  }

  if (is_marker) return;
  ++file_count_;
  total_bytes_ += size;
  merge_newest(newest_modified_, last_modified);
  if (open_.empty()) {
    ++direct_file_count_;
    return;
  }

  // The innermost open folder is the key up to its last '/', so the file is
  // directly in it. Counts go there and move up when it closes.
  ++open_.back().direct_file_count;
  FolderEntry& innermost = open_.back().folder;
  ++innermost.file_count;
  innermost.total_bytes += size;
  merge_newest(innermost.newest_modified, last_modified);
}

void FolderRollupBuilder::finish() {
  while (!open_.empty()) close_innermost();
}

void FolderRollupBuilder::close_innermost() {
  FolderRollup rollup = std::move(open_.back());
  open_.pop_back();
  const FolderEntry& folder = rollup.folder;
  if (!open_.empty()) {
    FolderEntry& parent = open_.back().folder;
    parent.file_count += folder.file_count;
    parent.total_bytes += folder.total_bytes;
    merge_newest(parent.newest_modified, folder.newest_modified);
  }
  rollup.parent = parent_folder(folder.path);
  closed_.push_back(std::move(rollup));
}

}  // namespace s3cat::catalog
