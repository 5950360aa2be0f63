// The JSON credential document shared by the container endpoint, the
// instance metadata service and credential_process.
#include <nlohmann/json.hpp>

#include "s3/credential_providers.h"
#include "s3/xml.h"

namespace s3cat::s3 {
namespace {

S3Error malformed(const std::string& source, const std::string& detail) {
  S3Error error;
  error.context = "reading the credentials from " + source;
  error.message = "unusable credentials document: " + detail;
  error.category = ErrorCategory::kService;
  error.hint = "check the " + source + " that issues the credentials";
  return error;
}

// Returns the string member, or an empty string when it is absent or not a string.
std::string string_member(const nlohmann::json& document, const char* name) {
  const auto it = document.find(name);
  return it != document.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<Credentials> parse_credentials_json(const std::string& body, const std::string& source,
                                           bool expiration_required) {
  const nlohmann::json document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return std::unexpected(malformed(source, "the response is not JSON"));
  if (!document.is_object()) return std::unexpected(malformed(source, "the response is not a JSON object"));

  Credentials credentials;
  credentials.access_key_id = string_member(document, "AccessKeyId");
  credentials.secret_access_key = Secret(string_member(document, "SecretAccessKey"));
  // The container endpoint and the metadata service call it Token,
  // credential_process calls it SessionToken.
  std::string token = string_member(document, "Token");
  if (token.empty()) token = string_member(document, "SessionToken");
  credentials.session_token = Secret(token);
  if (credentials.access_key_id.empty()) return std::unexpected(malformed(source, "AccessKeyId is missing"));
  if (credentials.secret_access_key.empty()) return std::unexpected(malformed(source, "SecretAccessKey is missing"));

  const std::string expiration = string_member(document, "Expiration");
  if (expiration.empty()) {
    if (expiration_required) return std::unexpected(malformed(source, "Expiration is missing"));
    return credentials;
  }
  const auto expires = parse_timestamp(expiration);
  if (!expires) return std::unexpected(malformed(source, "Expiration \"" + expiration + "\" is not an ISO 8601 time"));
  credentials.expiration = *expires;
  return credentials;
}

}  // namespace s3cat::s3
