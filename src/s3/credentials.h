// Credential providers: where the signer's keys come from. A provider may do
// file or network I/O in resolve(); implementations are safe to call from
// several threads at once (the client calls them from its listing workers).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "s3/error.h"
#include "s3/types.h"

namespace s3cat::s3 {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // Returns usable credentials, refreshing them first when they expire within
  // five minutes. Errors have category kAuthentication, and the message names
  // each provider that was tried and why it was passed over.
  virtual Result<Credentials> resolve() = 0;

  // Forces new credentials after the server rejected the current ones as
  // expired. Providers of fixed credentials return the same error the server
  // gave (they cannot refresh); the default implementation does that.
  virtual Result<Credentials> refresh_after_expiry(const S3Error& rejection);

  // A short name for logs and errors: "static", "environment", "default chain".
  virtual std::string name() const = 0;
};

// Fixed keys entered by the user (IAM user keys, optionally with a session token).
std::shared_ptr<CredentialsProvider> make_static_provider(Credentials credentials);

// The environment of the process, as given (normally the real environment);
// a map so tests need not change their own process's environment.
using Environment = std::map<std::string, std::string>;
Environment current_environment();

// The AWS default chain in the standard order: environment variables
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
// shared credentials file profile (AWS_SHARED_CREDENTIALS_FILE or
// ~/.aws/credentials, profile AWS_PROFILE or "default").
// NOTE: web identity, container credentials and the instance metadata service
// are not implemented yet; the chain reports them as skipped, and never
// contacts a metadata address.
std::shared_ptr<CredentialsProvider> make_default_chain_provider(Environment environment);

}  // namespace s3cat::s3
