#include "catalog/path_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "catalog/quoting.h"

namespace s3cat::catalog {
namespace {

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

bool is_alphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// AWS allows 3 to 63 characters of lowercase letters, digits, '.' and '-',
// starting and ending with a letter or digit. Uppercase letters and '_' are
// accepted too, because legacy us-east-1 buckets have them and S3-compatible
// servers such as Ceph RGW (with rgw_relaxed_s3_bucket_names) allow them.
// Rules about adjacent periods and IP-address shapes are not checked: a filter
// on a bucket that cannot exist only yields a warning on the job.
bool is_valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  if (!is_alphanumeric(name.front()) || !is_alphanumeric(name.back())) return false;
  return std::ranges::all_of(name, [](char c) { return is_alphanumeric(c) || c == '.' || c == '-' || c == '_'; });
}

std::unexpected<std::string> invalid(const std::string& text, std::string_view problem) {
  return std::unexpected(fmt::format("invalid path filter {}: {}, as in /bucket/prefix", quote_for_message(text),
                                     problem));
}

}  // namespace

bool PathFilter::matches(const std::string& object_bucket, const std::string& key) const {
  return object_bucket == bucket && key.starts_with(key_prefix);
}

std::expected<PathFilter, std::string> parse_path_filter(const std::string& text) {
  if (text.empty()) return invalid(text, "it must name a bucket");
  if (std::ranges::any_of(text, is_control)) return invalid(text, "it must not contain control characters");
  if (text.front() != '/') return invalid(text, "it must start with \"/\"");

  const std::string_view rest = std::string_view(text).substr(1);
  const std::size_t slash = rest.find('/');
  const std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return invalid(text, "it must name a bucket after the leading \"/\"");
  if (!is_valid_bucket_name(bucket)) {
    return invalid(text, fmt::format("bucket name {} must be 3 to 63 letters, digits, '.', '-' or '_', "
                                     "starting and ending with a letter or digit",
                                     quote_for_message(bucket)));
  }

  PathFilter filter;
  filter.bucket = std::string(bucket);
  if (slash != std::string_view::npos) filter.key_prefix = std::string(rest.substr(slash + 1));
  filter.text = text;
  return filter;
}

std::expected<std::vector<PathFilter>, std::string> parse_path_filters(const std::vector<std::string>& texts) {
  std::vector<PathFilter> filters;
  for (const std::string& text : texts) {
    auto filter = parse_path_filter(text);
    if (!filter) return std::unexpected(std::move(filter.error()));

    // "/data" and "/data/" select the same files, so they are duplicates too.
    const bool duplicate = std::ranges::any_of(filters, [&](const PathFilter& seen) {
      return seen.bucket == filter->bucket && seen.key_prefix == filter->key_prefix;
    });
    if (!duplicate) filters.push_back(std::move(*filter));
  }
  return filters;
}

bool matches_any(const std::vector<PathFilter>& filters, const std::string& bucket, const std::string& key) {
  if (filters.empty()) return true;
  return std::ranges::any_of(filters, [&](const PathFilter& filter) { return filter.matches(bucket, key); });
}

}  // namespace s3cat::catalog
