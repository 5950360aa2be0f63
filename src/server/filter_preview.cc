#include "server/filter_preview.h"

#include <map>

#include "server/api_error.h"
#include "server/item_paths.h"
#include "server/json_views.h"

namespace s3cat::server {
namespace {

constexpr std::size_t kSampleSize = 100;

// A count with the first paths counted, which arrive in path order.
struct Sample {
  std::uint64_t count = 0;
  nlohmann::json items = nlohmann::json::array();

  void add(nlohmann::json item) {
    ++count;
    if (items.size() < kSampleSize) items.push_back(std::move(item));
  }
  nlohmann::json to_json(const char* list_name) const { return {{"count", count}, {list_name, items}}; }
};

struct BucketTotals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

// True when the filters could select a file of the item: for a file the
// usual match, for a folder any filter inside it or around it, for a bucket
// any filter on it.
bool selects_item(const std::vector<catalog::PathFilter>& filters, const catalog::ItemRef& item) {
  if (filters.empty()) return true;
  const std::string kind = item_kind(item);
  for (const catalog::PathFilter& filter : filters) {
    if (filter.bucket != item.bucket) continue;
    if (kind == "bucket") return true;
    if (kind == "file" && item.key.starts_with(filter.key_prefix)) return true;
    if (kind == "folder" && (item.key.starts_with(filter.key_prefix) || filter.key_prefix.starts_with(item.key))) {
      return true;
    }
  }
  return false;
}

}  // namespace

nlohmann::json preview_filters(catalog::CatalogStore& store, const catalog::Source& source,
                               const std::vector<catalog::PathFilter>& proposed) {
  // The stored filters were validated when they were saved.
  const std::vector<catalog::PathFilter> current =
      catalog::parse_path_filters(source.path_prefixes).value_or(std::vector<catalog::PathFilter>{});

  std::map<std::string, BucketTotals> totals;
  std::uint64_t files_selected = 0;
  std::uint64_t bytes_selected = 0;
  Sample disappearing;
  Sample returning;
  value_or_throw(store.visit_files(source.id, catalog::FileScan{.include_absent = true}, [&](const catalog::FileEntry& file) {
    const catalog::ObjectRecord& object = file.object;
    const bool selected = catalog::matches_any(proposed, object.bucket, object.key);
    if (file.present && selected) {
      ++files_selected;
      bytes_selected += object.size;
      BucketTotals& bucket = totals[object.bucket];
      ++bucket.files;
      bucket.bytes += object.size;
    } else if (file.present) {
      disappearing.add(item_path(object.bucket, object.key));
    } else if (selected && !catalog::matches_any(current, object.bucket, object.key)) {
      returning.add(item_path(object.bucket, object.key));
    }
    return true;
  }));

  nlohmann::json buckets = nlohmann::json::array();
  for (const catalog::BucketEntry& bucket : value_or_throw(store.list_buckets(source.id))) {
    const BucketTotals& bucket_totals = totals[bucket.name];
    buckets.push_back({{"name", bucket.name},
                       {"present", bucket.present},
                       {"selected", selects_item(proposed, catalog::ItemRef{bucket.name, ""})},
                       {"files", bucket_totals.files},
                       {"bytes", bucket_totals.bytes}});
  }

  Sample annotations_disappearing;
  Sample annotations_returning;
  constexpr std::size_t kPage = 1000;
  for (std::size_t offset = 0;; offset += kPage) {
    const catalog::AnnotatedPage page =
        value_or_throw(store.list_annotated(source.id, catalog::AnnotatedQuery{.limit = kPage, .offset = offset}));
    for (const catalog::AnnotatedItem& annotated : page.items) {
      const nlohmann::json entry = {{"path", item_path(annotated.item.bucket, annotated.item.key)},
                                    {"kind", item_kind(annotated.item)}};
      const bool selected = selects_item(proposed, annotated.item);
      if (annotated.present && !selected) {
        annotations_disappearing.add(entry);
      } else if (!annotated.present && selected && !selects_item(current, annotated.item)) {
        annotations_returning.add(entry);
      }
    }
    if (page.items.size() < kPage) break;
  }

  nlohmann::json filters = nlohmann::json::array();
  for (const catalog::PathFilter& filter : proposed) filters.push_back(filter.text);
  return {{"path_prefixes", filters},
          {"basis", "catalog"},
          {"buckets", buckets},
          {"files_selected", files_selected},
          {"bytes_selected", bytes_selected},
          {"files_disappearing", disappearing.to_json("sample")},
          {"files_returning", returning.to_json("sample")},
          {"annotations_disappearing", annotations_disappearing.to_json("items")},
          {"annotations_returning", annotations_returning.to_json("items")}};
}

}  // namespace s3cat::server
