// Catalog browse: buckets, folders, files, item detail and annotations.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/api_error.h"
#include "server/context.h"
#include "server/http_support.h"
#include "server/item_paths.h"
#include "server/json_views.h"

namespace s3cat::server {
namespace {

constexpr std::size_t kMaxDescriptionBytes = 64 * 1024;
constexpr std::size_t kMaxLabelBytes = 100;

struct SortOrder {
  catalog::FileSort sort = catalog::FileSort::kName;
  bool descending = false;
};

SortOrder sort_order(const httplib::Request& request) {
  SortOrder order;
  const std::string sort = query_string(request, "sort").value_or("name");
  if (sort == "size") {
    order.sort = catalog::FileSort::kSize;
  } else if (sort == "modified") {
    order.sort = catalog::FileSort::kModified;
  } else if (sort != "name") {
    throw_bad_request("invalid sort \"" + sort + "\": use name, size or modified", "sort");
  }
  const std::string direction = query_string(request, "order").value_or("asc");
  if (direction != "asc" && direction != "desc") {
    throw_bad_request("invalid order \"" + direction + "\": use asc or desc", "order");
  }
  order.descending = direction == "desc";
  return order;
}

// The bucket or folder named by the "path" parameter; 400 for a file path,
// 404 for a bucket the source never had.
catalog::ItemRef container(ServerContext& context, const catalog::Source& source, const httplib::Request& request) {
  const auto path = query_string(request, "path");
  if (!path) throw_bad_request("missing path: give a bucket or folder as /bucket or /bucket/folder/", "path");
  const catalog::ItemRef item = parse_item_path(*path, "path");
  if (!item.key.empty() && item.key.back() != '/') {
    throw_bad_request("invalid path \"" + *path + "\": name a bucket (/bucket) or a folder, which ends in \"/\"", "path");
  }
  if (!value_or_throw(context.store.get_bucket(source.id, item.bucket))) {
    throw ApiError(404, "source \"" + source.name + "\" has no bucket \"" + item.bucket + "\"");
  }
  return item;
}

std::optional<catalog::Annotation> annotation_of(ServerContext& context, std::int64_t source_id,
                                                 const catalog::ItemRef& item) {
  return value_or_throw(context.store.get_annotation(source_id, item));
}

// The detail of any path (the shape of `s3catalog show --json`); 404 when
// the catalog has neither the item nor an annotation for it.
nlohmann::json item_detail(ServerContext& context, const catalog::Source& source, const catalog::ItemRef& item) {
  const auto annotation = annotation_of(context, source.id, item);
  const std::string kind = item_kind(item);
  nlohmann::json detail = {{"path", item_path(item.bucket, item.key)},
                           {"kind", kind},
                           {"present", false},
                           {"file", nullptr},
                           {"folder", nullptr},
                           {"bucket", nullptr},
                           {"annotation", annotation_json(annotation)},
                           {"first_seen", nullptr},
                           {"last_seen", nullptr},
                           {"stale", false}};
  bool known = annotation.has_value();
  if (kind == "file") {
    if (const auto file = value_or_throw(context.store.get_file(source.id, item))) {
      known = true;
      detail["present"] = file->present;
      detail["file"] = file_json(*file, annotation);
      detail["first_seen"] = file->first_seen;
      detail["last_seen"] = file->last_seen;
      detail["stale"] = file->stale;
    }
  } else if (kind == "folder") {
    if (const auto folder = value_or_throw(context.store.get_folder(source.id, item))) {
      known = true;
      detail["present"] = true;
      detail["folder"] = folder_json(*folder, annotation);
    }
  } else if (const auto bucket = value_or_throw(context.store.get_bucket(source.id, item.bucket))) {
    known = true;
    detail["present"] = bucket->present;
    detail["bucket"] = bucket_json(*bucket, annotation);
    detail["last_seen"] = bucket->last_synced.empty() ? nlohmann::json(nullptr) : nlohmann::json(bucket->last_synced);
    detail["stale"] = bucket->stale;
  }
  if (!known) {
    throw ApiError(404, "source \"" + source.name + "\" has no item and no annotation at " + detail["path"].get<std::string>());
  }
  return detail;
}

// Tags or owners: trimmed, 1 to 100 bytes, no control characters, no
// duplicates, in the order given.
std::vector<std::string> clean_labels(const std::vector<std::string>& values, const std::string& field) {
  std::vector<std::string> cleaned;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string item_field = field + "[" + std::to_string(i) + "]";
    const std::size_t start = values[i].find_first_not_of(" \t");
    const std::size_t end = values[i].find_last_not_of(" \t");
    const std::string value = start == std::string::npos ? std::string() : values[i].substr(start, end - start + 1);
    if (value.empty() || value.size() > kMaxLabelBytes) {
      throw_bad_request("invalid " + item_field + ": use 1 to " + std::to_string(kMaxLabelBytes) + " characters",
                        item_field);
    }
    if (std::ranges::any_of(value, [](unsigned char c) { return c < 0x20 || c == 0x7F; })) {
      throw_bad_request("invalid " + item_field + ": it must not contain control characters", item_field);
    }
    if (std::ranges::find(cleaned, value) == cleaned.end()) cleaned.push_back(value);
  }
  return cleaned;
}

catalog::Annotation annotation_from_body(const httplib::Request& request) {
  const nlohmann::json body = parse_object_body(request);
  reject_unknown_fields(body, {"description", "tags", "owners"});
  catalog::Annotation annotation;
  annotation.description = string_member(body, "description", "description").value_or("");
  if (annotation.description.size() > kMaxDescriptionBytes) {
    throw_bad_request("invalid description: it is longer than " + std::to_string(kMaxDescriptionBytes) + " bytes",
                      "description");
  }
  annotation.tags = clean_labels(string_list_member(body, "tags", "tags").value_or(std::vector<std::string>{}), "tags");
  annotation.owners =
      clean_labels(string_list_member(body, "owners", "owners").value_or(std::vector<std::string>{}), "owners");
  annotation.updated_by = editor(request);
  return annotation;
}

catalog::Source source_of(ServerContext& context, const httplib::Request& request) {
  return value_or_throw(context.store.get_source_without_secrets(path_parameter(request, 1)));
}

}  // namespace

void register_catalog_routes(Router& router, ServerContext& context) {
  router.add("GET", "/api/sources/{name}/buckets", [&context](const httplib::Request& request, httplib::Response& response) {
    const catalog::Source source = source_of(context, request);
    const bool include_absent = query_bool(request, "include_absent").value_or(false);
    nlohmann::json buckets = nlohmann::json::array();
    for (const catalog::BucketEntry& bucket : value_or_throw(context.store.list_buckets(source.id))) {
      if (!bucket.present && !include_absent) continue;
      buckets.push_back(bucket_json(bucket, annotation_of(context, source.id, {bucket.name, ""})));
    }
    send_json(response, 200, {{"buckets", buckets}});
  });

  router.add("GET", "/api/sources/{name}/folders", [&context](const httplib::Request& request, httplib::Response& response) {
    const catalog::Source source = source_of(context, request);
    const catalog::ItemRef parent = container(context, source, request);
    const SortOrder order = sort_order(request);

    auto folders = value_or_throw(context.store.list_folders(source.id, parent.bucket, parent.key));
    const auto less = [&](const catalog::FolderEntry& left, const catalog::FolderEntry& right) {
      if (order.sort == catalog::FileSort::kSize && left.total_bytes != right.total_bytes) {
        return left.total_bytes < right.total_bytes;
      }
      if (order.sort == catalog::FileSort::kModified && left.newest_modified != right.newest_modified) {
        return left.newest_modified < right.newest_modified;
      }
      return left.path < right.path;
    };
    std::ranges::sort(folders, [&](const auto& left, const auto& right) {
      return order.descending ? less(right, left) : less(left, right);
    });

    nlohmann::json items = nlohmann::json::array();
    for (const catalog::FolderEntry& folder : folders) {
      items.push_back(folder_json(folder, annotation_of(context, source.id, {folder.bucket, folder.path})));
    }
    send_json(response, 200, {{"path", item_path(parent.bucket, parent.key)}, {"folders", items}});
  });

  router.add("GET", "/api/sources/{name}/files", [&context](const httplib::Request& request, httplib::Response& response) {
    const catalog::Source source = source_of(context, request);
    const catalog::ItemRef parent = container(context, source, request);
    const SortOrder order = sort_order(request);
    catalog::FolderFilesQuery query{.bucket = parent.bucket,
                                    .folder = parent.key,
                                    .sort = order.sort,
                                    .descending = order.descending,
                                    .limit = query_integer(request, "limit", 1, 1000).value_or(100)};
    const auto offset = query_integer(request, "offset", 0, UINT32_MAX);
    const auto cursor = query_string(request, "cursor");
    if (offset && cursor) throw_bad_request("give either offset or cursor, not both", "cursor");
    query.offset = offset.value_or(0);
    if (cursor) query.after = decode_cursor(*cursor, order.sort, order.descending);

    const catalog::FilePage page = value_or_throw(context.store.list_folder_files(source.id, query));
    nlohmann::json files = nlohmann::json::array();
    for (const catalog::FileEntry& file : page.files) {
      files.push_back(file_json(file, annotation_of(context, source.id, {file.object.bucket, file.object.key})));
    }
    send_json(response, 200,
              {{"path", item_path(parent.bucket, parent.key)},
               {"files", files},
               {"total", page.total},
               {"next_cursor", page.next ? nlohmann::json(encode_cursor(*page.next, order.sort, order.descending))
                                         : nlohmann::json(nullptr)}});
  });

  router.add("GET", "/api/sources/{name}/items", [&context](const httplib::Request& request, httplib::Response& response) {
    const catalog::Source source = source_of(context, request);
    const auto path = query_string(request, "path");
    if (!path) throw_bad_request("missing path: give the item as /bucket, /bucket/folder/ or /bucket/key", "path");
    send_json(response, 200, item_detail(context, source, parse_item_path(*path, "path")));
  });

  router.add("PUT", "/api/sources/{name}/annotations", [&context](const httplib::Request& request, httplib::Response& response) {
    const catalog::Source source = source_of(context, request);
    const auto path = query_string(request, "path");
    if (!path) throw_bad_request("missing path: give the item as /bucket, /bucket/folder/ or /bucket/key", "path");
    const catalog::ItemRef item = parse_item_path(*path, "path");
    const catalog::Annotation annotation = annotation_from_body(request);
    value_or_throw(context.store.put_annotation(source.id, item, annotation));
    spdlog::info("source {}: annotation of {} set by {}", source.name, item_path(item.bucket, item.key),
                 annotation.updated_by);
    send_json(response, 200, item_detail(context, source, item));
  });

  router.add("GET", "/api/sources/{name}/annotations", [&context](const httplib::Request& request, httplib::Response& response) {
    const catalog::Source source = source_of(context, request);
    const catalog::AnnotatedQuery query{.present = query_bool(request, "present"),
                                        .limit = query_integer(request, "limit", 1, 1000).value_or(100),
                                        .offset = query_integer(request, "offset", 0, UINT32_MAX).value_or(0)};
    const catalog::AnnotatedPage page = value_or_throw(context.store.list_annotated(source.id, query));
    nlohmann::json items = nlohmann::json::array();
    for (const catalog::AnnotatedItem& annotated : page.items) {
      items.push_back({{"path", item_path(annotated.item.bucket, annotated.item.key)},
                       {"kind", item_kind(annotated.item)},
                       {"present", annotated.present},
                       {"annotation", annotation_json(annotated.annotation)}});
    }
    send_json(response, 200, {{"items", items}, {"total", page.total}});
  });
}

}  // namespace s3cat::server
