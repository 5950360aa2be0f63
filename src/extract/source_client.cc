#include "extract/source_client.h"

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

std::shared_ptr<s3::CredentialsProvider> make_credentials(const catalog::Source& source,
                                                         const ClientSettings& settings) {
  if (source.credentials_mode() == catalog::CredentialsMode::kDefaultChain) {
    return s3::make_default_chain_provider(settings.environment);
  }
  s3::Credentials credentials;
  credentials.access_key_id = source.access_key_id;
  credentials.secret_access_key = s3::Secret(source.secret_access_key);
  credentials.session_token = s3::Secret(source.session_token);
  credentials.provider = "static";
  return s3::make_static_provider(std::move(credentials));
}

}  // namespace

s3::Result<std::unique_ptr<s3::Client>> make_source_client(const catalog::Source& source,
                                                           const ClientSettings& settings) {
  if (!source.endpoint_url.empty()) {
    if (auto valid = s3::validate_endpoint_url(source.endpoint_url); !valid) {
      return std::unexpected(valid.error());
    }
  }
  auto addressing = parse_addressing(source.addressing);
  if (!addressing) return std::unexpected(addressing.error());

  s3::ClientOptions options;
  options.endpoint_url = source.endpoint_url;
  options.region = s3::Region(source.region.empty() ? "us-east-1" : source.region);
  options.addressing = *addressing;
  options.requester_pays = source.requester_pays;
  options.retry = settings.retry;
  options.transport = settings.transport;

  return std::make_unique<s3::Client>(std::move(options), make_credentials(source, settings),
                                      s3::make_curl_transport(settings.transport));
}

}  // namespace s3cat::extract
