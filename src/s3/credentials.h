// Credential providers: where the signer's keys come from. A provider may do
// file, process or network I/O in resolve(). Implementations are safe to call
// from several threads at once, because the client calls them from its
// listing workers. The individual providers of the default chain are declared in
// credential_providers.h.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "s3/error.h"
#include "s3/http.h"
#include "s3/types.h"

namespace s3cat::s3 {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // Returns usable credentials. Providers of temporary credentials fetch new
  // ones first when the cached ones expire within five minutes. Errors name
  // the provider and the cause, and never contain a secret.
  virtual Result<Credentials> resolve() = 0;

  // Forces new credentials after the server rejected `rejected` as expired.
  // Returns credentials that differ from `rejected` (another thread may have
  // fetched them already), or an error of category kAuthentication. Providers
  // of fixed credentials return the server's rejection with a hint; the
  // default implementation does that.
  virtual Result<Credentials> refresh_after_expiry(const S3Error& rejection, const Credentials& rejected);

  // A short name for logs and errors: "static", "default chain", "assume role".
  virtual std::string name() const = 0;
};

// Fixed keys entered by the user (IAM user keys, optionally with a session token).
std::shared_ptr<CredentialsProvider> make_static_provider(Credentials credentials);

// The environment of the process, as given (normally the real environment);
// a map so tests need not change their own process's environment.
using Environment = std::map<std::string, std::string>;
Environment current_environment();

using Clock = std::function<std::chrono::system_clock::time_point()>;

// Settings of the providers that do I/O. Only `environment` must be set, and
// the other fields have working defaults.
struct ProviderOptions {
  Environment environment;
  // Region of STS requests when neither the profile, AWS_REGION nor
  // AWS_DEFAULT_REGION names one.
  Region region{"us-east-1"};
  // Transport of STS requests; null means libcurl with default options.
  std::shared_ptr<HttpTransport> transport;
  // Transport of instance-metadata and container-credentials requests; null
  // means libcurl with a 1 s connect timeout and a 2 s request timeout.
  std::shared_ptr<HttpTransport> metadata_transport;
  // Current time, for expiry checks and signing; null means the system clock.
  Clock clock;
};

// Returns `options` with every null field replaced by its default.
ProviderOptions with_defaults(ProviderOptions options);

// The AWS default chain in the standard order: environment variables, the
// shared credentials and config files (profile AWS_PROFILE, else "default"),
// web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN), container
// credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI), then the
// instance metadata service (IMDSv2) unless AWS_EC2_METADATA_DISABLED=true.
// The first source that is configured is used from then on, including for
// refreshes. A source that is configured but fails ends the search with its
// error, except the instance metadata service, which is the last resort and
// is reported as passed over. When nothing is found, the error (category
// kAuthentication) names every source and why it was passed over.
std::shared_ptr<CredentialsProvider> make_default_chain_provider(ProviderOptions options);
std::shared_ptr<CredentialsProvider> make_default_chain_provider(Environment environment);

// Formats a key ID for users: its last four characters only.
std::string last_four(const std::string& access_key_id);

}  // namespace s3cat::s3
