#include "extract/source_client.h"

#include "s3/credential_providers.h"
#include "s3/sts.h"

namespace s3cat::extract {
namespace {

s3::Result<s3::AddressingStyle> parse_addressing(const std::string& text) {
  if (text.empty() || text == "auto") return s3::AddressingStyle::kAuto;
  if (text == "path") return s3::AddressingStyle::kPath;
  if (text == "virtual") return s3::AddressingStyle::kVirtualHosted;

  s3::S3Error error;
  error.category = s3::ErrorCategory::kConfiguration;
  error.context = "reading the source settings";
  error.message = "invalid addressing style \"" + text + "\": expected auto, path or virtual";
  error.hint = "set the addressing style to auto, path or virtual";
  return std::unexpected(std::move(error));
}

s3::Region source_region(const catalog::Source& source) {
  return s3::Region(source.region.empty() ? "us-east-1" : source.region);
}

}  // namespace

std::string sts_endpoint_for(const catalog::Source& source, const s3::Environment& environment) {
  std::string endpoint = s3::sts_endpoint_from_environment(environment);
  if (endpoint.empty()) endpoint = source.endpoint_url;
  return endpoint;
}

std::shared_ptr<s3::CredentialsProvider> make_source_credentials(const catalog::Source& source,
                                                                 const ClientSettings& settings,
                                                                 std::shared_ptr<s3::HttpTransport> transport) {
  std::shared_ptr<s3::CredentialsProvider> base;
  if (source.credentials_mode() == catalog::CredentialsMode::kDefaultChain) {
    s3::ProviderOptions options;
    options.environment = settings.environment;
    options.region = source_region(source);
    options.transport = transport;
    base = s3::make_default_chain_provider(std::move(options));
  } else {
    s3::Credentials credentials;
    credentials.access_key_id = source.access_key_id;
    credentials.secret_access_key = s3::Secret(source.secret_access_key);
    credentials.session_token = s3::Secret(source.session_token);
    credentials.provider = "source access key";
    base = s3::make_static_provider(std::move(credentials));
  }
  if (source.role_arn.empty()) return base;

  s3::AssumeRoleSettings role;
  role.role_arn = source.role_arn;
  role.external_id = source.external_id;
  role.session_name = source.role_session_name;
  s3::StsOptions sts;
  sts.endpoint_url = sts_endpoint_for(source, settings.environment);
  sts.region = source_region(source);
  sts.transport = std::move(transport);
  sts.retry = settings.retry;
  return s3::make_assume_role_provider(std::move(base), std::move(role), std::move(sts));
}

s3::Result<s3::ClientOptions> source_client_options(const catalog::Source& source, const ClientSettings& settings) {
  if (!source.endpoint_url.empty()) {
    if (auto valid = s3::validate_endpoint_url(source.endpoint_url); !valid) {
      return std::unexpected(valid.error());
    }
  }
  auto addressing = parse_addressing(source.addressing);
  if (!addressing) return std::unexpected(addressing.error());

  s3::ClientOptions options;
  options.endpoint_url = source.endpoint_url;
  options.region = source_region(source);
  options.addressing = *addressing;
  options.requester_pays = source.requester_pays;
  options.retry = settings.retry;
  options.transport = settings.transport;
  return options;
}

s3::Result<std::unique_ptr<s3::Client>> make_source_client(const catalog::Source& source,
                                                           const ClientSettings& settings) {
  auto options = source_client_options(source, settings);
  if (!options) return std::unexpected(options.error());
  auto transport = s3::make_curl_transport(settings.transport);
  auto credentials = make_source_credentials(source, settings, transport);
  return std::make_unique<s3::Client>(std::move(*options), std::move(credentials), std::move(transport));
}

}  // namespace s3cat::extract
