#include "extract/scope.h"

#include <algorithm>
#include <map>
#include <set>

namespace s3cat::extract {

std::vector<std::string> merge_prefixes(std::vector<std::string> prefixes) {
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());

  // After sorting, a prefix that starts with an earlier kept prefix is covered
  // by it: every string with prefix "ab" sorts between "ab" and the next key
  // that does not start with "ab".
  std::vector<std::string> merged;
  for (auto& prefix : prefixes) {
    if (!merged.empty() && prefix.starts_with(merged.back())) continue;
    merged.push_back(std::move(prefix));
  }
  return merged;
}

ScopePlan plan_scope(const std::optional<std::vector<std::string>>& visible_buckets,
                     const std::vector<catalog::PathFilter>& filters) {
  std::set<std::string> visible;
  if (visible_buckets) visible.insert(visible_buckets->begin(), visible_buckets->end());

  ScopePlan plan;
  if (filters.empty()) {
    for (const auto& name : visible) plan.buckets.push_back({name, {""}, false});
    return plan;
  }

  std::map<std::string, std::vector<std::string>> prefixes_by_bucket;
  for (const auto& filter : filters) prefixes_by_bucket[filter.bucket].push_back(filter.key_prefix);

  for (auto& [bucket, prefixes] : prefixes_by_bucket) {
    plan.buckets.push_back({bucket, merge_prefixes(std::move(prefixes)), !visible.contains(bucket)});
  }
  return plan;
}

}  // namespace s3cat::extract
