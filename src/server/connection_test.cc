#include "server/connection_test.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "catalog/path_filter.h"
#include "s3/client.h"

namespace s3cat::server {
namespace {

// The category name users see, as in job results: a bucket that does not
// exist is a setting to fix, so kNotFound is configuration.
std::string category_name(s3::ErrorCategory category) {
  if (category == s3::ErrorCategory::kNotFound) return "configuration";
  return s3::to_string(category);
}

nlohmann::json error_json(const s3::S3Error& error) {
  return {{"category", category_name(error.category)},
          {"message", error.describe()},
          {"hint", error.hint.empty() ? s3::hint_for(error.category, error.code, error.operation) : error.hint}};
}

nlohmann::json failed(nlohmann::json error, nlohmann::json warnings) {
  return {{"ok", false}, {"error", std::move(error)}, {"list_buckets", "failed"},
          {"buckets", nlohmann::json::array()}, {"buckets_not_checked", 0}, {"warnings", std::move(warnings)}};
}

}  // namespace

nlohmann::json test_connection(const catalog::Source& source, const extract::ClientSettings& settings) {
  extract::ClientSettings quick = settings;
  quick.retry.max_attempts = 2;
  quick.retry.max_total_time = std::chrono::seconds(10);
  quick.transport.request_timeout = std::chrono::seconds(15);

  nlohmann::json warnings = nlohmann::json::array();
  auto client = extract::make_source_client(source, quick);
  if (!client) return failed(error_json(client.error()), warnings);

  const auto filters = catalog::parse_path_filters(source.path_prefixes).value_or(std::vector<catalog::PathFilter>{});
  // The first filter of each bucket gives the prefix of its probe, so a
  // filter on one folder is checked where the job would list.
  std::map<std::string, std::string> filter_prefix;
  for (const catalog::PathFilter& filter : filters) filter_prefix.emplace(filter.bucket, filter.key_prefix);

  std::vector<std::string> buckets;
  std::string list_buckets_status = "ok";
  auto listed = (*client)->list_buckets();
  if (listed) {
    for (const s3::BucketInfo& bucket : *listed) {
      if (filters.empty() || filter_prefix.contains(bucket.name.str())) buckets.push_back(bucket.name.str());
    }
    for (const auto& [bucket, prefix] : filter_prefix) {
      const bool seen = std::ranges::any_of(*listed, [&](const s3::BucketInfo& info) { return info.name.str() == bucket; });
      if (!seen) warnings.push_back("the filter on bucket " + bucket + " names a bucket that ListBuckets did not return");
    }
  } else if (listed.error().category == s3::ErrorCategory::kPermissions && !filters.empty()) {
    // As the job does: without ListAllMyBuckets, the buckets the filters name are listed directly.
    list_buckets_status = "denied";
    warnings.push_back("ListBuckets was denied (" + listed.error().describe() +
                       "); checking the buckets that the path filters name. Grant s3:ListAllMyBuckets to catalog "
                       "every bucket.");
    for (const auto& [bucket, prefix] : filter_prefix) buckets.push_back(bucket);
  } else {
    return failed(error_json(listed.error()), warnings);
  }

  nlohmann::json results = nlohmann::json::array();
  std::size_t not_checked = 0;
  bool all_readable = true;
  for (const std::string& bucket : buckets) {
    if (results.size() == kMaxProbedBuckets) {
      ++not_checked;
      continue;
    }
    s3::ListObjectsRequest request;
    request.bucket = s3::BucketName(bucket);
    request.prefix = filter_prefix.contains(bucket) ? filter_prefix[bucket] : std::string();
    request.max_keys = 1;
    auto page = (*client)->list_objects_page(request);
    if (page) {
      results.push_back({{"name", bucket}, {"readable", true}, {"error", nullptr}});
      continue;
    }
    all_readable = false;
    results.push_back({{"name", bucket}, {"readable", false}, {"error", error_json(page.error())}});
    // Every other bucket would fail the same way.
    if (page.error().category == s3::ErrorCategory::kAuthentication) {
      return {{"ok", false}, {"error", error_json(page.error())}, {"list_buckets", list_buckets_status},
              {"buckets", results}, {"buckets_not_checked", buckets.size() - results.size()},
              {"warnings", warnings}};
    }
  }
  if (not_checked > 0) {
    warnings.push_back(std::to_string(not_checked) + " more buckets were not checked; the check stops after " +
                       std::to_string(kMaxProbedBuckets));
  }
  spdlog::info("connection test of source {}: {} buckets checked, {} readable", source.name, results.size(),
               std::ranges::count_if(results, [](const nlohmann::json& result) { return result["readable"].get<bool>(); }));
  return {{"ok", all_readable},
          {"error", nullptr},
          {"list_buckets", list_buckets_status},
          {"buckets", results},
          {"buckets_not_checked", not_checked},
          {"warnings", warnings}};
}

}  // namespace s3cat::server
