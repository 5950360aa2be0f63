// Assume role: temporary credentials of an IAM role, obtained with STS
// AssumeRole signed by a base provider's credentials.
#include <spdlog/spdlog.h>

#include "s3/credential_providers.h"

namespace s3cat::s3 {
namespace {

bool is_expired_token(const S3Error& error) {
  return error.code == "ExpiredToken" || error.code == "ExpiredTokenException" || error.code == "TokenRefreshRequired";
}

}  // namespace

std::shared_ptr<CredentialsProvider> make_assume_role_provider(std::shared_ptr<CredentialsProvider> base,
                                                              AssumeRoleSettings settings, StsOptions sts) {
  Clock clock = sts.clock ? sts.clock : Clock([] { return std::chrono::system_clock::now(); });
  if (settings.session_name.empty()) settings.session_name = default_session_name(clock());
  auto client = std::make_shared<StsClient>(std::move(sts));

  AssumeRoleRequest request;
  request.role_arn = settings.role_arn;
  request.session_name = settings.session_name;
  request.external_id = settings.external_id;
  request.duration_seconds = settings.duration_seconds;

  auto fetch = [base, client, request]() -> Result<Credentials> {
    auto caller = base->resolve();
    if (!caller) return std::unexpected(caller.error());

    auto assumed = client->assume_role(request, *caller);
    if (!assumed && is_expired_token(assumed.error())) {
      spdlog::warn("refreshing the {} credentials that assume role {}: {}", base->name(), request.role_arn,
                   assumed.error().describe());
      auto renewed = base->refresh_after_expiry(assumed.error(), *caller);
      if (!renewed) return std::unexpected(renewed.error());
      caller = std::move(renewed);
      assumed = client->assume_role(request, *caller);
    }
    if (!assumed) {
      // Names the credentials that asked, so a denial is traceable to them.
      S3Error error = assumed.error();
      error.context += " with " + caller->provider + " credentials, key ID ending " + last_four(caller->access_key_id);
      return std::unexpected(error);
    }

    Credentials credentials = assumed->credentials;
    credentials.provider = "assume role (" + caller->provider + ")";
    return credentials;
  };
  return std::make_shared<RefreshingProvider>("assume role", std::move(fetch), std::move(clock));
}

}  // namespace s3cat::s3
