// Request parsing and response writing shared by the route handlers: JSON
// bodies, typed query parameters, error bodies and the editor's name.
// Functions raise ApiError (400) for invalid input. Thread-safe.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace s3cat::server {

void send_json(httplib::Response& response, int status, const nlohmann::json& body);

// Sends {"error": {"message": MESSAGE, "field": FIELD or null}}.
void send_error(httplib::Response& response, int status, const std::string& message, const std::string& field = {});

// The body as a JSON object; an empty body is {}. 400 for malformed JSON or
// another JSON type.
nlohmann::json parse_object_body(const httplib::Request& request);

// 400 naming `prefix` + the first member of `object` not in `allowed`.
void reject_unknown_fields(const nlohmann::json& object, std::initializer_list<std::string_view> allowed,
                           const std::string& prefix = {});

// Typed members of a JSON object: nullopt when missing, 400 naming `field`
// for another JSON type. A null string is "", and a null list is empty.
std::optional<std::string> string_member(const nlohmann::json& object, const char* name, const std::string& field);
std::optional<bool> bool_member(const nlohmann::json& object, const char* name, const std::string& field);
std::optional<std::vector<std::string>> string_list_member(const nlohmann::json& object, const char* name,
                                                           const std::string& field);

// Query parameters: nullopt when absent; 400 naming the parameter when
// invalid or out of [minimum, maximum].
std::optional<std::string> query_string(const httplib::Request& request, const char* name);
std::optional<std::uint64_t> query_integer(const httplib::Request& request, const char* name, std::uint64_t minimum,
                                           std::uint64_t maximum);
std::optional<bool> query_bool(const httplib::Request& request, const char* name);

// The path parameter `index` (1-based) of the matched route.
std::string path_parameter(const httplib::Request& request, std::size_t index);
// The numeric path parameter `index`; 404 when it is out of range.
std::int64_t id_parameter(const httplib::Request& request, std::size_t index);

// The editor recorded with annotations: the name of the authenticated user.
std::string editor(const httplib::Request& request);

}  // namespace s3cat::server
