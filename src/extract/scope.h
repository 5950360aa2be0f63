// Scope planning: which buckets an extraction lists, and with which S3
// prefixes, given the buckets the credentials can see and the path filters.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/path_filter.h"

namespace s3cat::extract {

struct BucketScope {
  std::string bucket;
  // The S3 prefixes to list; {""} lists the whole bucket. No prefix in the
  // list starts with another one, so no object is listed twice.
  std::vector<std::string> prefixes;
  // True when a filter names the bucket but ListBuckets did not return it
  // (or ListBuckets was denied): the bucket is listed directly.
  bool not_in_bucket_list = false;
};

struct ScopePlan {
  std::vector<BucketScope> buckets;  // sorted by bucket name
};

// Plans the listing. `visible_buckets` is what ListBuckets returned, or
// std::nullopt when ListBuckets was denied. With no filters every visible
// bucket is listed whole; with filters only the named buckets are listed, over
// the filters' key prefixes with overlapping prefixes merged.
ScopePlan plan_scope(const std::optional<std::vector<std::string>>& visible_buckets,
                     const std::vector<catalog::PathFilter>& filters);

// Removes every prefix that starts with another prefix of the list, and
// duplicates. "" covers everything. The result is sorted.
std::vector<std::string> merge_prefixes(std::vector<std::string> prefixes);

}  // namespace s3cat::extract
