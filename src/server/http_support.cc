#include "server/http_support.h"

#include "server/access.h"

#include <charconv>

#include "server/api_error.h"
#include "server/json_views.h"

namespace s3cat::server {

void send_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(dump_json(body), "application/json");
}

void send_error(httplib::Response& response, int status, const std::string& message, const std::string& field) {
  send_json(response, status,
            {{"error", {{"message", message}, {"field", field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field)}}}});
}

nlohmann::json parse_object_body(const httplib::Request& request) {
  if (request.body.empty()) return nlohmann::json::object();
  auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw_bad_request("the request body is not valid JSON; send a JSON object");
  if (!body.is_object()) throw_bad_request("the request body must be a JSON object");
  return body;
}

void reject_unknown_fields(const nlohmann::json& object, std::initializer_list<std::string_view> allowed,
                           const std::string& prefix) {
  for (const auto& [name, value] : object.items()) {
    bool known = false;
    for (std::string_view candidate : allowed) known = known || candidate == name;
    if (!known) {
      std::string expected;
      for (std::string_view candidate : allowed) expected += (expected.empty() ? "" : ", ") + std::string(candidate);
      throw_bad_request("unknown field \"" + prefix + name + "\"; the fields are: " + expected, prefix + name);
    }
  }
}

std::optional<std::string> string_member(const nlohmann::json& object, const char* name, const std::string& field) {
  const auto found = object.find(name);
  if (found == object.end()) return std::nullopt;
  if (found->is_null()) return std::string();
  if (!found->is_string()) throw_bad_request("invalid " + field + ": expected a string", field);
  return found->get<std::string>();
}

std::optional<bool> bool_member(const nlohmann::json& object, const char* name, const std::string& field) {
  const auto found = object.find(name);
  if (found == object.end()) return std::nullopt;
  if (!found->is_boolean()) throw_bad_request("invalid " + field + ": expected true or false", field);
  return found->get<bool>();
}

std::optional<std::vector<std::string>> string_list_member(const nlohmann::json& object, const char* name,
                                                           const std::string& field) {
  const auto found = object.find(name);
  if (found == object.end()) return std::nullopt;
  std::vector<std::string> values;
  if (found->is_null()) return values;
  if (!found->is_array()) throw_bad_request("invalid " + field + ": expected a list of strings", field);
  for (std::size_t i = 0; i < found->size(); ++i) {
    const auto& item = (*found)[i];
    const std::string item_field = field + "[" + std::to_string(i) + "]";
    if (!item.is_string()) throw_bad_request("invalid " + item_field + ": expected a string", item_field);
    values.push_back(item.get<std::string>());
  }
  return values;
}

std::optional<std::string> query_string(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) return std::nullopt;
  return request.get_param_value(name);
}

std::optional<std::uint64_t> query_integer(const httplib::Request& request, const char* name, std::uint64_t minimum,
                                           std::uint64_t maximum) {
  const auto text = query_string(request, name);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || error != std::errc() || end != text->data() + text->size() || value < minimum ||
      value > maximum) {
    throw_bad_request("invalid " + std::string(name) + " \"" + *text + "\": expected a whole number from " +
                          std::to_string(minimum) + " to " + std::to_string(maximum),
                      name);
  }
  return value;
}

std::optional<bool> query_bool(const httplib::Request& request, const char* name) {
  const auto text = query_string(request, name);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  throw_bad_request("invalid " + std::string(name) + " \"" + *text + "\": expected true or false", name);
}

std::string path_parameter(const httplib::Request& request, std::size_t index) {
  return index < request.matches.size() ? request.matches[index].str() : std::string();
}

std::int64_t id_parameter(const httplib::Request& request, std::size_t index) {
  const std::string text = path_parameter(request, index);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    throw ApiError(404, "no job with id " + text);
  }
  return value;
}

std::string editor(const httplib::Request&) { return current_actor(); }

}  // namespace s3cat::server
