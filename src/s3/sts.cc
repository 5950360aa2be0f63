#include "s3/sts.h"

#include <fmt/format.h>
#include <pugixml.hpp>
#include <spdlog/spdlog.h>

#include <random>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "s3/endpoint.h"
#include "s3/sigv4.h"
#include "s3/xml.h"

namespace s3cat::s3 {
namespace {

constexpr char kApiVersion[] = "2011-06-15";
constexpr char kFormContentType[] = "application/x-www-form-urlencoded; charset=utf-8";
constexpr char kUserAgent[] = "s3catalog/0.1";

std::mt19937_64& thread_random() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

std::string variable(const Environment& environment, const char* name) {
  const auto it = environment.find(name);
  return it == environment.end() ? std::string() : it->second;
}

// Form-encodes name=value pairs in the given order.
std::string form_body(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string body;
  for (const auto& [name, value] : parameters) {
    if (!body.empty()) body += '&';
    body += uri_encode(name, true) + "=" + uri_encode(value, true);
  }
  return body;
}

S3Error malformed(const std::string& operation, const std::string& detail) {
  S3Error error;
  error.operation = operation;
  error.message = "malformed STS response: " + detail;
  error.category = ErrorCategory::kService;
  error.hint = hint_for(error.category, "", operation);
  return error;
}

Result<pugi::xml_node> load_result(pugi::xml_document& document, const std::string& body,
                                   const std::string& operation) {
  const pugi::xml_parse_result parsed = document.load_buffer(body.data(), body.size(), pugi::parse_default,
                                                             pugi::encoding_utf8);
  if (!parsed) {
    return std::unexpected(malformed(operation, fmt::format("{} at byte {}", parsed.description(), parsed.offset)));
  }
  const std::string root_name = operation + "Response";
  const pugi::xml_node root = document.document_element();
  if (root_name != root.name()) {
    return std::unexpected(
        malformed(operation, fmt::format("expected root element {}, found '{}'", root_name, root.name())));
  }
  const pugi::xml_node result = root.child((operation + "Result").c_str());
  if (!result) return std::unexpected(malformed(operation, "no <" + operation + "Result> element"));
  return result;
}

std::string text_of(const pugi::xml_node& parent, const char* name) {
  return parent.child(name).text().get();
}

// AccessDenied on AssumeRole comes from the role's trust policy (principal or
// external ID) as often as from the caller's own policy, so the hint names both.
void specialise_hint(S3Error& error) {
  if (error.operation == "AssumeRole" && error.category == ErrorCategory::kPermissions) {
    error.hint =
        "check that the role's trust policy allows these credentials to assume it, that the external ID "
        "matches the one the trust policy requires, and that the caller may call sts:AssumeRole on the role";
  } else if (error.operation == "GetCallerIdentity" && error.category == ErrorCategory::kPermissions) {
    error.hint = "GetCallerIdentity needs no IAM permission, so the endpoint either does not offer STS or rejects "
                 "these credentials";
  } else if (error.operation == "AssumeRoleWithWebIdentity" &&
             (error.category == ErrorCategory::kPermissions || error.category == ErrorCategory::kAuthentication)) {
    error.hint =
        "check the web identity token (AWS_WEB_IDENTITY_TOKEN_FILE) and that the role's trust policy allows "
        "its issuer and audience";
  }
}

}  // namespace

// One STS call, before signing.
struct StsClient::Call {
  std::string operation;
  std::string context;
  std::vector<std::pair<std::string, std::string>> parameters;  // without Action and Version
};

std::string sts_endpoint_from_environment(const Environment& environment) {
  std::string endpoint = variable(environment, "AWS_ENDPOINT_URL_STS");
  if (endpoint.empty()) endpoint = variable(environment, "AWS_ENDPOINT_URL");
  return endpoint;
}

StsClient::StsClient(StsOptions options) : options_(std::move(options)) {
  if (!options_.transport) options_.transport = make_curl_transport(CurlTransportOptions{});
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
}

std::string StsClient::endpoint_description() const {
  if (!options_.endpoint_url.empty()) return options_.endpoint_url;
  const std::string& region = options_.region.str();
  return "https://sts." + region + (region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com");
}

Result<HttpResponse> StsClient::send(const Call& call, const Credentials* caller) const {
  const auto fail = [&call](S3Error error) {
    if (error.operation.empty()) error.operation = call.operation;
    if (error.context.empty()) error.context = call.context;
    if (error.hint.empty()) error.hint = hint_for(error.category, error.code, call.operation);
    return std::unexpected(std::move(error));
  };

  std::string scheme = "https";
  std::string host;
  if (options_.endpoint_url.empty()) {
    const std::string url = endpoint_description();
    host = url.substr(std::string_view("https://").size());
  } else {
    auto endpoint = parse_endpoint(options_.endpoint_url, options_.region);
    if (!endpoint) {
      S3Error error = endpoint.error();
      error.context = "checking the STS endpoint URL (AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL)";
      return fail(std::move(error));
    }
    scheme = endpoint->scheme;
    host = endpoint->host;
  }

  std::vector<std::pair<std::string, std::string>> parameters{{"Action", call.operation}, {"Version", kApiVersion}};
  parameters.insert(parameters.end(), call.parameters.begin(), call.parameters.end());
  const std::string body = form_body(parameters);

  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    HttpRequest request;
    request.method = "POST";
    request.url = scheme + "://" + host + "/";
    request.body = body;
    request.headers.emplace_back("Content-Type", kFormContentType);
    if (caller != nullptr) {
      SigningRequest signing;
      signing.method = "POST";
      signing.host = host;
      signing.canonical_uri = "/";
      signing.headers.emplace_back("content-type", kFormContentType);
      signing.payload_sha256 = sha256_hex(body);
      signing.region = options_.region.str();
      signing.service = "sts";
      signing.time = options_.clock();
      const SignedHeaders signed_headers = sign_request(signing, *caller);
      request.headers.insert(request.headers.end(), signed_headers.headers.begin(), signed_headers.headers.end());
    }
    request.headers.emplace_back("User-Agent", kUserAgent);

    auto response = options_.transport->send(request);
    if (response && response->status >= 200 && response->status < 300) return response;

    S3Error error = response ? make_response_error(*response, call.operation, call.context) : response.error();
    if (error.operation.empty()) error.operation = call.operation;
    if (error.context.empty()) error.context = call.context;
    specialise_hint(error);
    error.attempts = attempt;

    if (!is_retryable(error) || attempt >= options_.retry.max_attempts) return fail(std::move(error));
    const auto delay = backoff_delay(options_.retry, attempt + 1, thread_random());
    if (std::chrono::steady_clock::now() - started + delay >= options_.retry.max_total_time) {
      return fail(std::move(error));
    }
    spdlog::warn("STS attempt {} of {} failed, retrying in {} ms: {}", attempt, options_.retry.max_attempts,
                 delay.count(), error.describe());
    std::this_thread::sleep_for(delay);
  }
}

Result<AssumedRole> StsClient::assume_role(const AssumeRoleRequest& request, const Credentials& caller) const {
  Call call;
  call.operation = "AssumeRole";
  call.context = "assuming role " + request.role_arn + " at " + endpoint_description();
  call.parameters = {{"RoleArn", request.role_arn}, {"RoleSessionName", request.session_name}};
  if (!request.external_id.empty()) call.parameters.emplace_back("ExternalId", request.external_id);
  if (request.duration_seconds) call.parameters.emplace_back("DurationSeconds", std::to_string(*request.duration_seconds));

  auto response = send(call, &caller);
  if (!response) return std::unexpected(response.error());
  auto assumed = parse_assume_role_response(response->body, call.operation);
  if (!assumed) {
    S3Error error = assumed.error();
    error.context = call.context;
    return std::unexpected(std::move(error));
  }
  return assumed;
}

Result<AssumedRole> StsClient::assume_role_with_web_identity(const std::string& role_arn,
                                                             const std::string& session_name,
                                                             const std::string& web_identity_token) const {
  Call call;
  call.operation = "AssumeRoleWithWebIdentity";
  call.context = "assuming role " + role_arn + " with a web identity token at " + endpoint_description();
  call.parameters = {{"RoleArn", role_arn}, {"RoleSessionName", session_name}, {"WebIdentityToken", web_identity_token}};

  auto response = send(call, nullptr);
  if (!response) return std::unexpected(response.error());
  auto assumed = parse_assume_role_response(response->body, call.operation);
  if (!assumed) {
    S3Error error = assumed.error();
    error.context = call.context;
    return std::unexpected(std::move(error));
  }
  return assumed;
}

Result<CallerIdentity> StsClient::get_caller_identity(const Credentials& caller) const {
  Call call;
  call.operation = "GetCallerIdentity";
  call.context = "asking " + endpoint_description() + " who the credentials are";

  auto response = send(call, &caller);
  if (!response) return std::unexpected(response.error());
  auto identity = parse_caller_identity_response(response->body);
  if (!identity) {
    S3Error error = identity.error();
    error.context = call.context;
    return std::unexpected(std::move(error));
  }
  return identity;
}

Result<AssumedRole> parse_assume_role_response(const std::string& body, const std::string& operation) {
  pugi::xml_document document;
  auto result = load_result(document, body, operation);
  if (!result) return std::unexpected(result.error());

  const pugi::xml_node credentials = result->child("Credentials");
  AssumedRole assumed;
  assumed.credentials.access_key_id = text_of(credentials, "AccessKeyId");
  assumed.credentials.secret_access_key = Secret(text_of(credentials, "SecretAccessKey"));
  assumed.credentials.session_token = Secret(text_of(credentials, "SessionToken"));
  if (assumed.credentials.access_key_id.empty() || assumed.credentials.secret_access_key.empty() ||
      assumed.credentials.session_token.empty()) {
    return std::unexpected(malformed(operation, "<Credentials> lacks AccessKeyId, SecretAccessKey or SessionToken"));
  }

  const std::string expiration = text_of(credentials, "Expiration");
  const auto expires = parse_timestamp(expiration);
  if (!expires) return std::unexpected(malformed(operation, "<Expiration> '" + expiration + "' is not a timestamp"));
  assumed.credentials.expiration = *expires;
  assumed.assumed_role_arn = text_of(result->child("AssumedRoleUser"), "Arn");
  return assumed;
}

Result<CallerIdentity> parse_caller_identity_response(const std::string& body) {
  pugi::xml_document document;
  auto result = load_result(document, body, "GetCallerIdentity");
  if (!result) return std::unexpected(result.error());

  CallerIdentity identity;
  identity.arn = text_of(*result, "Arn");
  identity.account = text_of(*result, "Account");
  identity.user_id = text_of(*result, "UserId");
  if (identity.arn.empty()) return std::unexpected(malformed("GetCallerIdentity", "no <Arn> element"));
  return identity;
}

}  // namespace s3cat::s3
