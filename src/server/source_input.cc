#include "server/source_input.h"

#include <regex>

#include "catalog/path_filter.h"
#include "s3/client.h"
#include "server/api_error.h"
#include "server/http_support.h"

namespace s3cat::server {
namespace {

constexpr int kMaxScheduleMinutes = 525600;  // one year

void check_name(const std::string& name) {
  static const std::regex kSlug("[a-z0-9][a-z0-9_-]{0,62}");
  if (!std::regex_match(name, kSlug)) {
    throw_bad_request("invalid source name \"" + name +
                          "\": use 1 to 63 lower-case letters, digits, '-' or '_', starting with a letter or digit",
                      "name");
  }
}

void apply_credentials(const nlohmann::json& body, catalog::Source& source) {
  const auto found = body.find("credentials");
  if (found == body.end()) return;
  if (found->is_null()) {
    source.access_key_id.clear();
    source.secret_access_key.clear();
    source.session_token.clear();
    return;
  }
  if (!found->is_object()) throw_bad_request("invalid credentials: expected an object", "credentials");
  const nlohmann::json& credentials = *found;
  reject_unknown_fields(credentials, {"access_key_id", "secret_access_key", "session_token"}, "credentials.");

  const auto key_id = string_member(credentials, "access_key_id", "credentials.access_key_id");
  const auto secret = string_member(credentials, "secret_access_key", "credentials.secret_access_key");
  const auto token = string_member(credentials, "session_token", "credentials.session_token");
  const std::string new_key_id = key_id.value_or(source.access_key_id);

  if (new_key_id.empty()) {
    if (secret && !secret->empty()) {
      throw_bad_request("credentials.access_key_id is blank but a secret access key was given: give both for the "
                        "access key mode, or leave both blank for the default credential chain",
                        "credentials.access_key_id");
    }
    source.access_key_id.clear();
    source.secret_access_key.clear();
    source.session_token.clear();
    return;
  }

  const bool same_key = new_key_id == source.access_key_id && !source.secret_access_key.empty();
  if (!secret || secret->empty()) {
    if (!same_key || (secret && secret->empty())) {
      throw_bad_request("credentials.secret_access_key is missing: give the secret access key with the access key "
                        "ID, or leave both blank for the default credential chain",
                        "credentials.secret_access_key");
    }
    if (token) source.session_token = *token;
    return;
  }
  source.access_key_id = new_key_id;
  source.secret_access_key = *secret;
  source.session_token = token.value_or(std::string());
}

void apply_schedule(const nlohmann::json& body, catalog::Source& source) {
  const auto found = body.find("schedule");
  if (found == body.end()) return;
  if (found->is_null()) {
    source.schedule_minutes = 0;
    return;
  }
  if (!found->is_object()) {
    throw_bad_request("invalid schedule: expected {\"interval_minutes\": N} or null", "schedule");
  }
  reject_unknown_fields(*found, {"interval_minutes"}, "schedule.");
  const auto interval = found->find("interval_minutes");
  if (interval == found->end() || interval->is_null()) {
    source.schedule_minutes = 0;
    return;
  }
  if (!interval->is_number_integer() || interval->get<std::int64_t>() < 1 ||
      interval->get<std::int64_t>() > kMaxScheduleMinutes) {
    throw_bad_request("invalid schedule.interval_minutes: expected a whole number of minutes from 1 to " +
                          std::to_string(kMaxScheduleMinutes) + ", or null to turn the schedule off",
                      "schedule.interval_minutes");
  }
  source.schedule_minutes = static_cast<int>(interval->get<std::int64_t>());
}

}  // namespace

std::vector<std::string> validated_filters(const std::vector<std::string>& filters) {
  for (std::size_t i = 0; i < filters.size(); ++i) {
    if (auto parsed = catalog::parse_path_filter(filters[i]); !parsed) {
      throw_bad_request(parsed.error(), "path_prefixes[" + std::to_string(i) + "]");
    }
  }
  auto parsed = catalog::parse_path_filters(filters);
  std::vector<std::string> texts;
  for (const catalog::PathFilter& filter : *parsed) texts.push_back(filter.text);
  return texts;
}

void apply_source_body(const nlohmann::json& body, catalog::Source& source, bool create) {
  reject_unknown_fields(body, {"name", "title", "description", "type", "endpoint_url", "region", "addressing",
                               "requester_pays", "credentials", "role_arn", "external_id", "role_session_name",
                               "path_prefixes", "schedule"});

  if (const auto name = string_member(body, "name", "name")) {
    if (create) {
      check_name(*name);
      source.name = *name;
      if (source.title.empty()) source.title = *name;
    } else if (*name != source.name) {
      throw_bad_request("a source cannot be renamed: \"name\" must be \"" + source.name + "\" or left out", "name");
    }
  } else if (create) {
    throw_bad_request("missing name: give the source a name of lower-case letters, digits, '-' or '_'", "name");
  }

  if (const auto title = string_member(body, "title", "title")) source.title = title->empty() ? source.name : *title;
  if (const auto description = string_member(body, "description", "description")) source.description = *description;
  if (const auto type = string_member(body, "type", "type"); type && *type != "s3") {
    throw_bad_request("invalid type \"" + *type + "\": the only type is s3", "type");
  }
  if (const auto endpoint = string_member(body, "endpoint_url", "endpoint_url")) {
    if (!endpoint->empty()) {
      if (auto valid = s3::validate_endpoint_url(*endpoint); !valid) {
        throw_bad_request(valid.error().message, "endpoint_url");
      }
    }
    source.endpoint_url = *endpoint;
  }
  if (const auto region = string_member(body, "region", "region")) {
    static const std::regex kRegion("[a-z0-9-]{1,40}");
    if (!std::regex_match(*region, kRegion)) {
      throw_bad_request("invalid region \"" + *region + "\": expected a region name such as us-east-1", "region");
    }
    source.region = *region;
  }
  if (const auto addressing = string_member(body, "addressing", "addressing")) {
    if (*addressing != "auto" && *addressing != "path" && *addressing != "virtual") {
      throw_bad_request("invalid addressing \"" + *addressing + "\": use auto, path or virtual", "addressing");
    }
    source.addressing = *addressing;
  }
  if (const auto requester_pays = bool_member(body, "requester_pays", "requester_pays")) {
    source.requester_pays = *requester_pays;
  }

  apply_credentials(body, source);
  if (const auto role = string_member(body, "role_arn", "role_arn")) {
    source.role_arn = *role;
    // Removing the role removes what only applies to it.
    if (role->empty()) {
      source.external_id.clear();
      source.role_session_name.clear();
    }
  }
  if (const auto external = string_member(body, "external_id", "external_id")) source.external_id = *external;
  if (const auto session = string_member(body, "role_session_name", "role_session_name")) {
    static const std::regex kSessionName("[A-Za-z0-9_+=,.@-]{2,64}");
    if (!session->empty() && !std::regex_match(*session, kSessionName)) {
      throw_bad_request("invalid role_session_name \"" + *session +
                            "\": use 2 to 64 letters, digits or the characters +=,.@_-",
                        "role_session_name");
    }
    source.role_session_name = *session;
  }
  if (!source.role_arn.empty() && !source.role_arn.starts_with("arn:")) {
    throw_bad_request("invalid role_arn \"" + source.role_arn + "\": expected arn:aws:iam::ACCOUNT:role/NAME",
                      "role_arn");
  }
  if (!source.external_id.empty() && source.role_arn.empty()) {
    throw_bad_request("external_id needs role_arn: give the role to assume, or leave external_id blank", "external_id");
  }
  if (!source.role_session_name.empty() && source.role_arn.empty()) {
    throw_bad_request("role_session_name needs role_arn: give the role to assume, or leave role_session_name blank",
                      "role_session_name");
  }

  if (const auto filters = string_list_member(body, "path_prefixes", "path_prefixes")) {
    source.path_prefixes = validated_filters(*filters);
  }
  apply_schedule(body, source);
}

}  // namespace s3cat::server
