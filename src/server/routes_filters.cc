// Path filter validation as the user types, and the filter preview.
#include "catalog/path_filter.h"
#include "server/api_error.h"
#include "server/context.h"
#include "server/filter_preview.h"
#include "server/http_support.h"
#include "server/source_input.h"

namespace s3cat::server {
namespace {

std::vector<std::string> filters_from_body(const httplib::Request& request) {
  const nlohmann::json body = parse_object_body(request);
  reject_unknown_fields(body, {"path_prefixes"});
  auto filters = string_list_member(body, "path_prefixes", "path_prefixes");
  if (!filters) throw_bad_request("missing path_prefixes: send {\"path_prefixes\": [\"/bucket/prefix\", ...]}", "path_prefixes");
  return std::move(*filters);
}

// One result per line, so the form can mark each invalid line.
void send_validation(httplib::Response& response, const std::vector<std::string>& filters) {
  nlohmann::json results = nlohmann::json::array();
  bool all_valid = true;
  for (std::size_t i = 0; i < filters.size(); ++i) {
    const auto parsed = catalog::parse_path_filter(filters[i]);
    all_valid = all_valid && parsed.has_value();
    nlohmann::json result = {{"index", i}, {"text", filters[i]}, {"valid", parsed.has_value()}};
    if (parsed) {
      result["normalized"] = "/" + parsed->bucket + (parsed->key_prefix.empty() ? "" : "/" + parsed->key_prefix);
      result["bucket"] = parsed->bucket;
      result["key_prefix"] = parsed->key_prefix;
      result["error"] = nullptr;
    } else {
      result["normalized"] = nullptr;
      result["bucket"] = nullptr;
      result["key_prefix"] = nullptr;
      result["error"] = parsed.error();
    }
    results.push_back(std::move(result));
  }
  send_json(response, 200, {{"valid", all_valid}, {"results", results}});
}

}  // namespace

void register_filter_routes(Router& router, ServerContext& context) {
  router.add("POST", "/api/filters/validate", [](const httplib::Request& request, httplib::Response& response) {
    send_validation(response, filters_from_body(request));
  });

  router.add("POST", "/api/sources/{name}/filters/validate",
             [&context](const httplib::Request& request, httplib::Response& response) {
               value_or_throw(context.store.get_source_without_secrets(path_parameter(request, 1)));
               send_validation(response, filters_from_body(request));
             });

  router.add("POST", "/api/sources/{name}/filters/preview",
             [&context](const httplib::Request& request, httplib::Response& response) {
               const catalog::Source source =
                   value_or_throw(context.store.get_source_without_secrets(path_parameter(request, 1)));
               const std::vector<std::string> texts = validated_filters(filters_from_body(request));
               const auto proposed = catalog::parse_path_filters(texts);
               send_json(response, 200, preview_filters(context.store, source, *proposed));
             });
}

}  // namespace s3cat::server
