// Container credentials (ECS task roles, EKS Pod Identity): a GET to a local
// endpoint that returns JSON credentials.
#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string_view>

#include "s3/credential_providers.h"
#include "s3/metadata_http.h"

namespace s3cat::s3 {
namespace {

constexpr char kLabel[] = "container credentials";
// The ECS agent's address, which AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is relative to.
constexpr char kEcsEndpoint[] = "http://169.254.170.2";
constexpr char kHint[] =
    "check AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI and the authorization "
    "token (AWS_CONTAINER_AUTHORIZATION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)";

std::string variable(const Environment& environment, const char* name) {
  const auto it = environment.find(name);
  return it == environment.end() ? std::string() : it->second;
}

// The parts of a FULL_URI that the checks need.
struct UriParts {
  std::string scheme;
  std::string host;  // IPv6 without brackets
  std::string origin;  // scheme://authority, for messages (the path may be a capability)
};

std::optional<UriParts> split_uri(const std::string& uri) {
  const std::size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  UriParts parts;
  parts.scheme = uri.substr(0, scheme_end);
  const std::string_view rest = std::string_view(uri).substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  parts.origin = parts.scheme + "://" + std::string(authority);

  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = std::string(authority.substr(1, close - 1));
  } else {
    parts.host = std::string(authority.substr(0, authority.rfind(':')));
  }
  if (parts.host.empty()) return std::nullopt;
  return parts;
}

// The AWS SDKs accept a FULL_URI over plain HTTP only for hosts on this
// machine or the ECS and EKS agents' link-local addresses.
bool is_allowed_http_host(const std::string& host) {
  return is_loopback_host(host) || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

S3Error configuration_error(const std::string& message) {
  S3Error error;
  error.context = "reading the container credentials settings";
  error.message = message;
  error.category = ErrorCategory::kConfiguration;
  error.hint = kHint;
  return error;
}

Result<std::string> read_token(const ContainerSettings& settings) {
  std::string token = settings.token;
  if (!settings.token_file.empty()) {
    std::ifstream input(settings.token_file);
    if (!input) {
      S3Error error = configuration_error("the authorization token file " + settings.token_file + " cannot be read");
      return std::unexpected(std::move(error));
    }
    std::ostringstream text;
    text << input.rdbuf();
    token = text.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    return std::unexpected(configuration_error("the authorization token contains a line break"));
  }
  return token;
}

Result<Credentials> fetch_container_credentials(const ContainerSettings& settings, HttpTransport& transport,
                                                const std::string& origin) {
  auto token = read_token(settings);
  if (!token) return std::unexpected(token.error());

  HttpRequest request;
  request.method = "GET";
  request.url = settings.url;
  request.headers.emplace_back("Accept", "application/json");
  if (!token->empty()) request.headers.emplace_back("Authorization", *token);
  request.headers.emplace_back("User-Agent", "s3catalog/0.1");

  const MetadataCall call{"container credentials GET", "fetching container credentials from " + origin, kHint};
  auto response = send_with_one_retry(transport, request, call);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return std::unexpected(metadata_status_error(*response, call));

  auto credentials = parse_credentials_json(response->body, "container credentials endpoint " + origin, false);
  if (!credentials) return credentials;
  credentials->provider = kLabel;
  return credentials;
}

}  // namespace

std::shared_ptr<CredentialsProvider> make_container_provider(ContainerSettings settings,
                                                            std::shared_ptr<HttpTransport> transport, Clock clock) {
  const auto parts = split_uri(settings.url);
  const std::string origin = parts ? parts->origin : std::string("the container endpoint");
  auto fetch = [settings = std::move(settings), transport = std::move(transport), origin] {
    return fetch_container_credentials(settings, *transport, origin);
  };
  return std::make_shared<RefreshingProvider>(kLabel, std::move(fetch), std::move(clock));
}

ChainSource detect_container_credentials(const ProviderOptions& options) {
  ChainSource source;
  const std::string relative = variable(options.environment, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const std::string full = variable(options.environment, "AWS_CONTAINER_CREDENTIALS_FULL_URI");

  ContainerSettings settings;
  settings.token = variable(options.environment, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  settings.token_file = variable(options.environment, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");

  if (!relative.empty()) {
    // The relative URI wins when both are set, as in the AWS SDKs.
    if (!relative.starts_with('/')) {
      source.error = configuration_error("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI does not start with '/'");
      return source;
    }
    settings.url = kEcsEndpoint + relative;
  } else if (!full.empty()) {
    const auto parts = split_uri(full);
    if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
      source.error = configuration_error(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http:// or https:// URL with a host");
      return source;
    }
    if (parts->scheme == "http" && !is_allowed_http_host(parts->host)) {
      source.error = configuration_error(fmt::format(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI uses plain HTTP to {}, which is neither a loopback address nor "
          "the ECS or EKS container agent; use https or a loopback address",
          parts->host));
      return source;
    }
    settings.url = full;
  } else {
    source.passed_over = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set";
    return source;
  }

  source.provider = make_container_provider(std::move(settings), options.metadata_transport, options.clock);
  return source;
}

}  // namespace s3cat::s3
