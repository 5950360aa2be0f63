// The environment source of the default chain: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and, for temporary keys, AWS_SESSION_TOKEN.
#include "s3/credential_providers.h"

namespace s3cat::s3 {

ChainSource detect_environment_credentials(const Environment& environment) {
  const auto value = [&environment](const char* name) {
    const auto it = environment.find(name);
    return it == environment.end() ? std::string() : it->second;
  };

  ChainSource source;
  const std::string key_id = value("AWS_ACCESS_KEY_ID");
  const std::string secret = value("AWS_SECRET_ACCESS_KEY");
  if (key_id.empty()) {
    source.passed_over = "AWS_ACCESS_KEY_ID not set";
    return source;
  }
  if (secret.empty()) {
    source.passed_over = "AWS_ACCESS_KEY_ID is set, but AWS_SECRET_ACCESS_KEY is not";
    return source;
  }

  Credentials credentials;
  credentials.access_key_id = key_id;
  credentials.secret_access_key = Secret(secret);
  credentials.session_token = Secret(value("AWS_SESSION_TOKEN"));
  credentials.provider = "environment";
  source.provider = make_static_provider(std::move(credentials));
  return source;
}

}  // namespace s3cat::s3
