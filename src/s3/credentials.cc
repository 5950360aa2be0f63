#include "s3/credentials.h"

#include <string_view>
#include <utility>

extern char** environ;

namespace s3cat::s3 {
namespace {

S3Error authentication_error(std::string message, std::string hint) {
  S3Error error;
  error.message = std::move(message);
  error.category = ErrorCategory::kAuthentication;
  error.hint = std::move(hint);
  return error;
}

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials credentials) : credentials_(std::move(credentials)) {
    if (credentials_.provider.empty()) credentials_.provider = "static";
  }

  Result<Credentials> resolve() override {
    if (credentials_.access_key_id.empty() || credentials_.secret_access_key.empty()) {
      return std::unexpected(authentication_error(
          credentials_.access_key_id.empty() ? "the access key ID is empty" : "the secret access key is empty",
          "re-enter the credentials"));
    }
    return credentials_;
  }

  std::string name() const override { return credentials_.provider; }

 private:
  Credentials credentials_;
};

}  // namespace

Result<Credentials> CredentialsProvider::refresh_after_expiry(const S3Error& rejection, const Credentials&) {
  S3Error error = rejection;
  error.category = ErrorCategory::kAuthentication;
  error.hint = "the session token has expired and the " + name() +
               " credentials cannot be refreshed: re-enter the credentials, or check the role that issues them";
  return std::unexpected(error);
}

std::shared_ptr<CredentialsProvider> make_static_provider(Credentials credentials) {
  return std::make_shared<StaticProvider>(std::move(credentials));
}

Environment current_environment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return environment;
}

ProviderOptions with_defaults(ProviderOptions options) {
  if (!options.transport) options.transport = make_curl_transport(CurlTransportOptions{});
  if (!options.metadata_transport) {
    // The AWS SDKs give up on the metadata endpoints within about a second,
    // so a machine that is not on EC2 or ECS does not wait long.
    CurlTransportOptions metadata;
    metadata.connect_timeout = std::chrono::milliseconds(1000);
    metadata.request_timeout = std::chrono::milliseconds(2000);
    metadata.max_response_bytes = 64 * 1024;
    options.metadata_transport = make_curl_transport(metadata);
  }
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  if (options.region.empty()) options.region = Region("us-east-1");
  return options;
}

std::shared_ptr<CredentialsProvider> make_default_chain_provider(Environment environment) {
  ProviderOptions options;
  options.environment = std::move(environment);
  return make_default_chain_provider(std::move(options));
}

std::string last_four(const std::string& access_key_id) {
  return access_key_id.size() <= 4 ? access_key_id : access_key_id.substr(access_key_id.size() - 4);
}

}  // namespace s3cat::s3
