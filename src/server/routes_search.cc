// GET /api/search: files by name, path and metadata, and annotated items by
// full text. GET /api/tags: the tags in use, for suggestions.
#include <regex>

#include "server/api_error.h"
#include "server/context.h"
#include "server/http_support.h"
#include "server/item_paths.h"
#include "server/json_views.h"

namespace s3cat::server {
namespace {

// A time parameter as stored times are written (RFC 3339 UTC, whole
// seconds). A date alone means the start of that day for `after` and its
// end for `before`, so both bounds include the day.
std::string time_parameter(const httplib::Request& request, const char* name, bool end_of_day) {
  const std::string text = query_string(request, name).value_or("");
  if (text.empty()) return text;
  static const std::regex kDate("[0-9]{4}-[0-9]{2}-[0-9]{2}");
  static const std::regex kTime("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z");
  if (std::regex_match(text, kDate)) return text + (end_of_day ? "T23:59:59Z" : "T00:00:00Z");
  if (std::regex_match(text, kTime)) return text;
  throw_bad_request("invalid " + std::string(name) + " \"" + text +
                        "\": expected a UTC time such as 2024-05-01T12:00:00Z, or a date such as 2024-05-01",
                    name);
}

}  // namespace

void register_search_routes(Router& router, ServerContext& context) {
  router.add("GET", "/api/search", [&context](const httplib::Request& request, httplib::Response& response) {
    catalog::SearchQuery query;
    if (const auto source = query_string(request, "source"); source && !source->empty()) {
      query.source_id = value_or_throw(context.store.get_source_without_secrets(*source)).id;
    }
    query.bucket = query_string(request, "bucket").value_or("");
    query.name_contains = query_string(request, "name").value_or("");
    query.path_contains = query_string(request, "path").value_or("");
    query.text = query_string(request, "text").value_or("");
    query.extension = query_string(request, "extension").value_or("");
    if (query.extension.starts_with('.')) query.extension.erase(0, 1);
    query.tag = query_string(request, "tag").value_or("");
    query.min_size = query_integer(request, "min_size", 0, INT64_MAX);
    query.max_size = query_integer(request, "max_size", 0, INT64_MAX);
    query.modified_after = time_parameter(request, "modified_after", false);
    query.modified_before = time_parameter(request, "modified_before", true);
    query.limit = query_integer(request, "limit", 1, 1000).value_or(100);
    query.offset = query_integer(request, "offset", 0, UINT32_MAX).value_or(0);

    const catalog::SearchPage page = value_or_throw(context.store.search(query));
    nlohmann::json results = nlohmann::json::array();
    for (const catalog::SearchHit& hit : page.hits) {
      results.push_back({{"source", hit.source},
                         {"kind", item_kind(hit.item)},
                         {"path", item_path(hit.item.bucket, hit.item.key)},
                         {"file", hit.file ? file_json(*hit.file, hit.annotation) : nlohmann::json(nullptr)},
                         {"annotation", annotation_json(hit.annotation)}});
    }
    send_json(response, 200, {{"results", results}, {"total", page.total}, {"total_exact", page.total_exact}});
  });

  router.add("GET", "/api/tags", [&context](const httplib::Request& request, httplib::Response& response) {
    std::optional<std::int64_t> source_id;
    if (const auto source = query_string(request, "source"); source && !source->empty()) {
      source_id = value_or_throw(context.store.get_source_without_secrets(*source)).id;
    }
    nlohmann::json tags = nlohmann::json::array();
    for (const catalog::TagCount& tag : value_or_throw(context.store.list_tags(source_id))) {
      tags.push_back({{"tag", tag.tag}, {"count", tag.count}});
    }
    send_json(response, 200, {{"tags", tags}});
  });
}

}  // namespace s3cat::server
