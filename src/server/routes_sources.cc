// /api/sources: list, create, read, update and delete sources.
#include <spdlog/spdlog.h>

#include "server/api_error.h"
#include "server/context.h"
#include "server/http_support.h"
#include "server/json_views.h"
#include "server/source_input.h"

namespace s3cat::server {
namespace {

// The source with what a settings page shows next to it: the number of
// present files (from the bucket roll-ups), the job running here and the
// newest job.
nlohmann::json source_summary(ServerContext& context, const catalog::Source& source) {
  nlohmann::json json = source_json(source);

  std::uint64_t files = 0;
  for (const catalog::BucketEntry& bucket : value_or_throw(context.store.list_buckets(source.id))) {
    if (bucket.present) files += bucket.file_count;
  }
  json["file_count"] = files;

  const auto running = context.runner.running_job(source.name);
  json["running_job_id"] = running ? nlohmann::json(*running) : nlohmann::json(nullptr);

  const catalog::JobPage newest = value_or_throw(context.store.list_jobs_page(source.id, 1, 0));
  json["last_job"] = newest.jobs.empty() ? nlohmann::json(nullptr) : job_json(newest.jobs.front(), std::nullopt, false);
  return json;
}

// True when the body sets new keys or clears them, so the stored secrets are
// not needed (they may be unreadable when the secret key file is lost).
bool replaces_credentials(const nlohmann::json& body) {
  const auto credentials = body.find("credentials");
  if (credentials == body.end()) return false;
  if (credentials->is_null()) return true;
  if (!credentials->is_object()) return false;
  const auto secret = credentials->find("secret_access_key");
  const auto key_id = credentials->find("access_key_id");
  const bool new_secret = secret != credentials->end() && secret->is_string() && !secret->get<std::string>().empty();
  const bool blank_key = key_id != credentials->end() && (key_id->is_null() || (key_id->is_string() && key_id->get<std::string>().empty()));
  return new_secret || blank_key;
}

catalog::Source source_for_update(ServerContext& context, const std::string& name, const nlohmann::json& body) {
  auto source = context.store.get_source(name);
  if (!source && source.error().kind == catalog::StoreErrorKind::kSecretKey && replaces_credentials(body)) {
    source = context.store.get_source_without_secrets(name);
  }
  return value_or_throw(std::move(source));
}

bool has_running_job(ServerContext& context, const catalog::Source& source) {
  if (context.runner.running_job(source.name)) return true;
  const catalog::JobPage newest = value_or_throw(context.store.list_jobs_page(source.id, 1, 0));
  return !newest.jobs.empty() && newest.jobs.front().status == catalog::JobStatus::kRunning;
}

// The names of the fields a create or update body sets, for the audit log,
// which records what changed but never a value (credentials are secrets).
nlohmann::json changed_fields(const nlohmann::json& body) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [name, value] : body.items()) {
    if (name == "credentials" && value.is_object()) {
      for (const auto& [member, ignored] : value.items()) fields.push_back("credentials." + member);
    } else {
      fields.push_back(name);
    }
  }
  return fields;
}

}  // namespace

void register_source_routes(Router& router, ServerContext& context) {
  router.add("GET", "/api/sources", [&context](const httplib::Request&, httplib::Response& response) {
    nlohmann::json sources = nlohmann::json::array();
    for (const catalog::Source& source : value_or_throw(context.store.list_sources())) {
      sources.push_back(source_summary(context, source));
    }
    send_json(response, 200, {{"sources", sources}});
  });

  router.add("POST", "/api/sources", [&context](const httplib::Request& request, httplib::Response& response) {
    const nlohmann::json body = parse_object_body(request);
    catalog::Source source;
    apply_source_body(body, source, /*create=*/true);
    const catalog::Source created = value_or_throw(context.store.create_source(source));
    spdlog::info("source {} created", created.name);
    audit(context, "source.create", created.name, {{"fields", changed_fields(body)}});
    send_json(response, 201, source_summary(context, created));
  });

  router.add("GET", "/api/sources/{name}", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::string name = path_parameter(request, 1);
    auto source = context.store.get_source(name);
    if (!source && source.error().kind == catalog::StoreErrorKind::kSecretKey) {
      // The settings still show when the secret key file is lost. A stored
      // key ID always comes with its secret, so that shows as "set"; only
      // whether a session token is stored is unknown then.
      spdlog::warn("source {}: showing it without its secrets: {}", name, source.error().message);
      source = context.store.get_source_without_secrets(name);
    }
    send_json(response, 200, source_summary(context, value_or_throw(std::move(source))));
  });

  router.add("PATCH", "/api/sources/{name}", [&context](const httplib::Request& request, httplib::Response& response) {
    const nlohmann::json body = parse_object_body(request);
    catalog::Source source = source_for_update(context, path_parameter(request, 1), body);
    apply_source_body(body, source, /*create=*/false);
    const catalog::Source updated = value_or_throw(context.store.update_source(source));
    spdlog::info("source {} updated", updated.name);
    audit(context, "source.update", updated.name, {{"fields", changed_fields(body)}});
    send_json(response, 200, source_summary(context, updated));
  });

  router.add("DELETE", "/api/sources/{name}", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::string name = path_parameter(request, 1);
    const catalog::Source source = value_or_throw(context.store.get_source_without_secrets(name));
    if (has_running_job(context, source)) {
      throw ApiError(409, "source \"" + name + "\" has a running job; cancel it and wait for it to end first");
    }
    value_or_throw(context.store.remove_source(name));
    spdlog::info("source {} removed", name);
    audit(context, "source.remove", name);
    response.status = 204;
  });
}

}  // namespace s3cat::server
