// Web identity (EKS IAM roles for service accounts and other OIDC issuers):
// a token file exchanged for role credentials by STS AssumeRoleWithWebIdentity.
#include <fstream>
#include <sstream>

#include "s3/credential_providers.h"

namespace s3cat::s3 {
namespace {

constexpr char kLabel[] = "web identity";

std::string variable(const Environment& environment, const char* name) {
  const auto it = environment.find(name);
  return it == environment.end() ? std::string() : it->second;
}

S3Error token_error(const std::string& message) {
  S3Error error;
  error.context = "reading the web identity token";
  error.message = message;
  error.category = ErrorCategory::kAuthentication;
  error.hint = "check AWS_WEB_IDENTITY_TOKEN_FILE: the file must exist, be readable and hold the token";
  return error;
}

// Kubernetes rotates the projected token, so the file is read at each fetch.
Result<std::string> read_token_file(const std::string& path) {
  std::ifstream input(path);
  if (!input) return std::unexpected(token_error("the web identity token file " + path + " cannot be read"));
  std::ostringstream text;
  text << input.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return std::unexpected(token_error("the web identity token file " + path + " is empty"));
  return token;
}

}  // namespace

std::shared_ptr<CredentialsProvider> make_web_identity_provider(WebIdentitySettings settings, StsOptions sts) {
  Clock clock = sts.clock ? sts.clock : Clock([] { return std::chrono::system_clock::now(); });
  if (settings.session_name.empty()) settings.session_name = default_session_name(clock());
  auto client = std::make_shared<StsClient>(std::move(sts));

  auto fetch = [settings = std::move(settings), client]() -> Result<Credentials> {
    auto token = read_token_file(settings.token_file);
    if (!token) return std::unexpected(token.error());
    auto assumed = client->assume_role_with_web_identity(settings.role_arn, settings.session_name, *token);
    if (!assumed) return std::unexpected(assumed.error());
    assumed->credentials.provider = kLabel;
    return assumed->credentials;
  };
  return std::make_shared<RefreshingProvider>(kLabel, std::move(fetch), std::move(clock));
}

ChainSource detect_web_identity_credentials(const ProviderOptions& options) {
  ChainSource source;
  const std::string token_file = variable(options.environment, "AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string role_arn = variable(options.environment, "AWS_ROLE_ARN");
  if (token_file.empty()) {
    source.passed_over = "AWS_WEB_IDENTITY_TOKEN_FILE not set";
    return source;
  }
  if (role_arn.empty()) {
    source.passed_over = "AWS_WEB_IDENTITY_TOKEN_FILE is set, but AWS_ROLE_ARN is not";
    return source;
  }

  WebIdentitySettings settings;
  settings.role_arn = role_arn;
  settings.token_file = token_file;
  settings.session_name = variable(options.environment, "AWS_ROLE_SESSION_NAME");

  StsOptions sts;
  sts.endpoint_url = sts_endpoint_from_environment(options.environment);
  std::string region = variable(options.environment, "AWS_REGION");
  if (region.empty()) region = variable(options.environment, "AWS_DEFAULT_REGION");
  sts.region = region.empty() ? options.region : Region(region);
  sts.transport = options.transport;
  sts.clock = options.clock;
  source.provider = make_web_identity_provider(std::move(settings), std::move(sts));
  return source;
}

}  // namespace s3cat::s3
