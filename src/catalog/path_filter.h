// Path prefix filters: "/bucket" or "/bucket/key-prefix". A file matches when
// "/<bucket>/<key>" starts with the filter (plain string prefix, as S3's own
// prefix parameter works). Pure functions; thread-safe.
#pragma once

#include <expected>
#include <string>
#include <vector>

namespace s3cat::catalog {

struct PathFilter {
  std::string bucket;
  std::string key_prefix;  // empty selects the whole bucket
  std::string text;        // the filter as the user wrote it

  // True when the object bucket/key is selected by this filter.
  bool matches(const std::string& object_bucket, const std::string& key) const;
};

// Parses one filter. Errors name the value and the expected form: empty,
// missing leading '/', no bucket component, an invalid bucket name, or control
// characters. "/bucket/" is the same as "/bucket".
std::expected<PathFilter, std::string> parse_path_filter(const std::string& text);

// Parses every filter; the first error wins. Duplicates are removed.
std::expected<std::vector<PathFilter>, std::string> parse_path_filters(const std::vector<std::string>& texts);

// True when `filters` is empty or some filter matches.
bool matches_any(const std::vector<PathFilter>& filters, const std::string& bucket, const std::string& key);

}  // namespace s3cat::catalog
