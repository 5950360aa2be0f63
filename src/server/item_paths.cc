#include "server/item_paths.h"

#include <charconv>

#include "catalog/path_filter.h"
#include "server/api_error.h"

namespace s3cat::server {
namespace {

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0x0F];
  }
  return hex;
}

bool from_hex(const std::string& hex, std::string& bytes) {
  if (hex.size() % 2 != 0) return false;
  bytes.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (error != std::errc() || end != hex.data() + i + 2) return false;
    bytes += static_cast<char>(value);
  }
  return true;
}

std::string cursor_order(catalog::FileSort sort, bool descending) {
  const char* names[] = {"name", "size", "modified"};
  return std::string(names[static_cast<int>(sort)]) + (descending ? "-desc" : "-asc");
}

}  // namespace

catalog::ItemRef parse_item_path(const std::string& path, const std::string& field) {
  if (path.empty() || path.front() != '/') {
    throw_bad_request("invalid " + field + " \"" + path + "\": a path starts with \"/\", as in /bucket/folder/key",
                      field);
  }
  const std::size_t slash = path.find('/', 1);
  catalog::ItemRef item;
  item.bucket = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  if (slash != std::string::npos) item.key = path.substr(slash + 1);
  // The filter parser checks bucket names by the same rules as filters.
  if (auto valid = catalog::parse_path_filter("/" + item.bucket); !valid) {
    throw_bad_request("invalid " + field + ": bucket name \"" + item.bucket +
                          "\" must be 3 to 63 letters, digits, '.', '-' or '_'",
                      field);
  }
  return item;
}

const char* item_kind(const catalog::ItemRef& item) {
  if (item.key.empty()) return "bucket";
  return item.key.back() == '/' ? "folder" : "file";
}

std::string encode_cursor(const catalog::FileCursor& cursor, catalog::FileSort sort, bool descending) {
  return cursor_order(sort, descending) + "." + std::to_string(cursor.size) + "." + to_hex(cursor.last_modified) +
         "." + to_hex(cursor.key);
}

catalog::FileCursor decode_cursor(const std::string& text, catalog::FileSort sort, bool descending) {
  const auto invalid = [&] {
    throw_bad_request("invalid cursor: pass the next_cursor of the previous page, with the same path, sort and order",
                      "cursor");
  };
  const std::size_t first = text.find('.');
  const std::size_t second = first == std::string::npos ? first : text.find('.', first + 1);
  const std::size_t third = second == std::string::npos ? second : text.find('.', second + 1);
  if (third == std::string::npos || text.substr(0, first) != cursor_order(sort, descending)) invalid();

  catalog::FileCursor cursor;
  const std::string size = text.substr(first + 1, second - first - 1);
  const auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), cursor.size);
  if (size.empty() || error != std::errc() || end != size.data() + size.size()) invalid();
  if (!from_hex(text.substr(second + 1, third - second - 1), cursor.last_modified)) invalid();
  if (!from_hex(text.substr(third + 1), cursor.key)) invalid();
  return cursor;
}

}  // namespace s3cat::server
