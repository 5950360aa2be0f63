// The individual credential providers behind the default chain, and the
// assume-role provider that sources with a role ARN wrap around their keys.
// Each provider is thread-safe. Providers of temporary credentials are built
// on RefreshingProvider, which caches what a fetch returned and fetches again
// five minutes before expiry, one fetch at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "s3/credentials.h"
#include "s3/error.h"
#include "s3/http.h"
#include "s3/sts.h"

namespace s3cat::s3 {

// Temporary credentials are fetched again when they expire within this time.
inline constexpr std::chrono::minutes kRefreshBeforeExpiry{5};
// While cached credentials are still valid, fetches are at least this far
// apart, so credentials issued with less than kRefreshBeforeExpiry left do
// not cause a fetch per request.
inline constexpr std::chrono::seconds kMinFetchInterval{10};

// Caches the credentials `fetch` returns. resolve() returns them until they
// expire within kRefreshBeforeExpiry, then fetches new ones. When that fetch
// fails while the old ones are still valid, it logs a warning and returns
// the old ones. Credentials without an expiration are kept until
// refresh_after_expiry(). A mutex makes concurrent callers wait for one fetch.
class RefreshingProvider final : public CredentialsProvider {
 public:
  using Fetch = std::function<Result<Credentials>()>;

  RefreshingProvider(std::string name, Fetch fetch, Clock clock);

  Result<Credentials> resolve() override;
  // Fetches unless the cache already contains other keys than `rejected`.
  // New keys equal to `rejected` are an error, because the source has
  // nothing newer.
  Result<Credentials> refresh_after_expiry(const S3Error& rejection, const Credentials& rejected) override;
  std::string name() const override { return name_; }

 private:
  Result<Credentials> fetch_locked();

  const std::string name_;
  const Fetch fetch_;
  const Clock clock_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  std::optional<std::chrono::system_clock::time_point> fetched_at_;
};

// The result of looking at one source of the default chain: the provider it
// configures, or why it is passed over, or why its configuration is unusable.
struct ChainSource {
  std::shared_ptr<CredentialsProvider> provider;
  std::string passed_over;       // set when the source is not configured: "AWS_ACCESS_KEY_ID not set"
  std::optional<S3Error> error;  // set when it is configured but unusable
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. No I/O.
ChainSource detect_environment_credentials(const Environment& environment);

// The profile AWS_PROFILE (else "default") of the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) and config file
// (AWS_CONFIG_FILE, else ~/.aws/config). The profile gives static keys,
// role_arn with source_profile or credential_source (assume role; with
// web_identity_token_file, web identity), or credential_process. Reads both
// files; the provider may read them again, run a process or call STS.
ChainSource detect_profile_credentials(const ProviderOptions& options);

// AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (with AWS_ROLE_SESSION_NAME):
// STS AssumeRoleWithWebIdentity, reading the token file at each fetch.
ChainSource detect_web_identity_credentials(const ProviderOptions& options);

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (against http://169.254.170.2) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI, which must be https or name a loopback
// address or the ECS and EKS container hosts (169.254.170.2, 169.254.170.23,
// fd00:ec2::23), as in the AWS SDKs. AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// (read at each fetch) or AWS_CONTAINER_AUTHORIZATION_TOKEN is sent as the
// Authorization header.
ChainSource detect_container_credentials(const ProviderOptions& options);

// The instance metadata service, IMDSv2 only: AWS_EC2_METADATA_SERVICE_ENDPOINT,
// else http://[fd00:ec2::254] when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is
// IPv6, else http://169.254.169.254. Passed over when AWS_EC2_METADATA_DISABLED
// is true.
ChainSource detect_instance_metadata_credentials(const ProviderOptions& options);

// Runs `command` through /bin/sh -c with `environment` and reads its JSON
// output: {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
// "Expiration"}. The command runs again when the credentials expire. It must
// finish within 60 s and print at most 64 KiB; its stderr goes to ours.
std::shared_ptr<CredentialsProvider> make_process_provider(std::string command, std::string label,
                                                          Environment environment, Clock clock);

struct WebIdentitySettings {
  std::string role_arn;
  std::string token_file;
  std::string session_name;  // empty: "s3catalog-" and the Unix time
};
std::shared_ptr<CredentialsProvider> make_web_identity_provider(WebIdentitySettings settings, StsOptions sts);

// Fetches from the instance metadata service at `endpoint` (http://host[:port]):
//   PUT  /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds: 21600
//   GET  /latest/meta-data/iam/security-credentials/        -> role name
//   GET  /latest/meta-data/iam/security-credentials/ROLE    -> JSON credentials
// with X-aws-ec2-metadata-token on both GETs. Each request is tried twice.
std::shared_ptr<CredentialsProvider> make_instance_metadata_provider(std::string endpoint,
                                                                    std::shared_ptr<HttpTransport> transport,
                                                                    Clock clock);

struct ContainerSettings {
  std::string url;                // full URL of the credentials endpoint
  std::string token;              // Authorization header value; empty: not sent
  std::string token_file;         // read at each fetch; wins over `token`
};
// GETs `url` (tried twice) and parses the JSON credentials.
std::shared_ptr<CredentialsProvider> make_container_provider(ContainerSettings settings,
                                                            std::shared_ptr<HttpTransport> transport, Clock clock);

struct AssumeRoleSettings {
  std::string role_arn;
  std::string external_id;   // empty: none
  std::string session_name;  // empty: "s3catalog-" and the Unix time
  std::optional<int> duration_seconds;
};
// Assumes the role with the credentials of `base`, refreshing before expiry.
// When STS rejects the base credentials as expired, the base provider is
// asked for new ones and the call is made once more.
std::shared_ptr<CredentialsProvider> make_assume_role_provider(std::shared_ptr<CredentialsProvider> base,
                                                              AssumeRoleSettings settings, StsOptions sts);

// Parses the JSON credential document of the container endpoint, the
// instance metadata service and credential_process: AccessKeyId,
// SecretAccessKey, Token or SessionToken, and Expiration (ISO 8601, optional
// unless `expiration_required`). Errors (category kService) name `source` and
// the missing field, never a value.
Result<Credentials> parse_credentials_json(const std::string& body, const std::string& source,
                                           bool expiration_required);

// "s3catalog-" followed by the Unix time of `now`: a valid RoleSessionName.
std::string default_session_name(std::chrono::system_clock::time_point now);

}  // namespace s3cat::s3
