// The EC2 instance metadata service, IMDSv2 only: a session token from a PUT,
// then the role name and its credentials, each GET carrying the token.
#include <fmt/format.h>

#include <string_view>

#include "s3/credential_providers.h"
#include "s3/metadata_http.h"

namespace s3cat::s3 {
namespace {

constexpr char kLabel[] = "instance metadata";
constexpr char kDefaultEndpoint[] = "http://169.254.169.254";
constexpr char kIpv6Endpoint[] = "http://[fd00:ec2::254]";
constexpr char kCredentialsPath[] = "/latest/meta-data/iam/security-credentials/";
// Six hours, the maximum; one token per fetch is enough.
constexpr char kTokenTtlSeconds[] = "21600";
constexpr char kHint[] =
    "attach an IAM role to the instance (instance profile), allow IMDSv2 with a hop limit that reaches this "
    "process, or give the source other credentials";

std::string variable(const Environment& environment, const char* name) {
  const auto it = environment.find(name);
  return it == environment.end() ? std::string() : it->second;
}

std::string to_lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

HttpRequest metadata_request(const std::string& method, const std::string& url) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers.emplace_back("User-Agent", "s3catalog/0.1");
  return request;
}

class InstanceMetadataFetch {
 public:
  InstanceMetadataFetch(std::string endpoint, std::shared_ptr<HttpTransport> transport)
      : endpoint_(std::move(endpoint)), transport_(std::move(transport)) {}

  Result<Credentials> operator()() const {
    auto token = session_token();
    if (!token) return std::unexpected(token.error());

    auto role = role_name(*token);
    if (!role) return std::unexpected(role.error());

    HttpRequest request = metadata_request("GET", endpoint_ + kCredentialsPath + *role);
    request.headers.emplace_back("X-aws-ec2-metadata-token", *token);
    const MetadataCall call{"instance metadata GET " + std::string(kCredentialsPath) + *role,
                            fmt::format("fetching the credentials of role {} from {}", *role, endpoint_), kHint};
    auto response = send_with_one_retry(*transport_, request, call);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) return std::unexpected(metadata_status_error(*response, call));

    auto credentials = parse_credentials_json(response->body, "instance metadata service " + endpoint_, false);
    if (!credentials) return credentials;
    credentials->provider = std::string(kLabel) + " (role " + *role + ")";
    return credentials;
  }

 private:
  // PUT /latest/api/token. A 403 means the service is turned off for this
  // instance; a 404 or 405 means it offers only IMDSv1, which is not used.
  Result<std::string> session_token() const {
    HttpRequest request = metadata_request("PUT", endpoint_ + "/latest/api/token");
    request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", kTokenTtlSeconds);
    const MetadataCall call{"instance metadata PUT /latest/api/token",
                            "requesting an IMDSv2 session token from " + endpoint_, kHint};
    auto response = send_with_one_retry(*transport_, request, call);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) {
      S3Error error = metadata_status_error(*response, call);
      if (response->status == 404 || response->status == 405) {
        error.message += " (the service offers no IMDSv2 token; IMDSv1 is not used)";
      }
      return std::unexpected(std::move(error));
    }
    std::string token = response->body;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
      S3Error error = metadata_status_error(*response, call);
      error.message = "the session token is empty or spans several lines";
      return std::unexpected(std::move(error));
    }
    return token;
  }

  // GET /latest/meta-data/iam/security-credentials/ lists the role names, one a line.
  Result<std::string> role_name(const std::string& token) const {
    HttpRequest request = metadata_request("GET", endpoint_ + kCredentialsPath);
    request.headers.emplace_back("X-aws-ec2-metadata-token", token);
    const MetadataCall call{"instance metadata GET " + std::string(kCredentialsPath),
                            "asking " + endpoint_ + " for the instance's IAM role", kHint};
    auto response = send_with_one_retry(*transport_, request, call);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) {
      S3Error error = metadata_status_error(*response, call);
      if (response->status == 404) error.message += " (the instance has no IAM role)";
      return std::unexpected(std::move(error));
    }

    const std::string_view body = response->body;
    const std::size_t end = body.find_first_of("\r\n");
    std::string role(body.substr(0, end));
    if (role.empty() || role.find('/') != std::string::npos) {
      S3Error error = metadata_status_error(*response, call);
      error.message = "the service named no usable IAM role";
      return std::unexpected(std::move(error));
    }
    return role;
  }

  const std::string endpoint_;
  const std::shared_ptr<HttpTransport> transport_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> make_instance_metadata_provider(std::string endpoint,
                                                                    std::shared_ptr<HttpTransport> transport,
                                                                    Clock clock) {
  while (endpoint.ends_with('/')) endpoint.pop_back();
  return std::make_shared<RefreshingProvider>(
      kLabel, InstanceMetadataFetch(std::move(endpoint), std::move(transport)), std::move(clock));
}

ChainSource detect_instance_metadata_credentials(const ProviderOptions& options) {
  ChainSource source;
  if (to_lower(variable(options.environment, "AWS_EC2_METADATA_DISABLED")) == "true") {
    source.passed_over = "disabled by AWS_EC2_METADATA_DISABLED";
    return source;
  }

  std::string endpoint = variable(options.environment, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) {
    const bool ipv6 = to_lower(variable(options.environment, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) == "ipv6";
    endpoint = ipv6 ? kIpv6Endpoint : kDefaultEndpoint;
  }
  if (!endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
    S3Error error;
    error.context = "reading AWS_EC2_METADATA_SERVICE_ENDPOINT";
    error.message = "AWS_EC2_METADATA_SERVICE_ENDPOINT \"" + endpoint + "\" is not an http:// or https:// URL";
    error.category = ErrorCategory::kConfiguration;
    error.hint = "set AWS_EC2_METADATA_SERVICE_ENDPOINT to a URL such as http://169.254.169.254";
    source.error = error;
    return source;
  }
  source.provider = make_instance_metadata_provider(endpoint, options.metadata_transport, options.clock);
  return source;
}

}  // namespace s3cat::s3
