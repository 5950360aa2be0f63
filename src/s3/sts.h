// A minimal AWS STS client: AssumeRole, AssumeRoleWithWebIdentity and
// GetCallerIdentity over the Query API (form-encoded POST, XML responses),
// signed with SigV4 for service "sts" and retried by the module's retry
// policy. Thread-safe: the client has no mutable state.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "s3/credentials.h"
#include "s3/error.h"
#include "s3/http.h"
#include "s3/retry.h"
#include "s3/types.h"

namespace s3cat::s3 {

struct StsOptions {
  // Base URL such as http://127.0.0.1:5000; empty means AWS's regional
  // endpoint https://sts.<region>.amazonaws.com.
  std::string endpoint_url;
  Region region{"us-east-1"};
  std::shared_ptr<HttpTransport> transport;  // null: libcurl with default options
  RetryOptions retry;
  Clock clock;  // null: the system clock
};

// Returns AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else an empty string.
std::string sts_endpoint_from_environment(const Environment& environment);

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;  // 2 to 64 characters of [\w+=,.@-]
  std::string external_id;   // empty: not sent
  std::optional<int> duration_seconds;  // empty: STS's default (one hour)
};

// Temporary credentials and the identity they carry.
struct AssumedRole {
  Credentials credentials;  // with expiration; `provider` left empty for the caller
  std::string assumed_role_arn;  // arn:aws:sts::123456789012:assumed-role/name/session
};

struct CallerIdentity {
  std::string arn;
  std::string account;
  std::string user_id;
};

class StsClient {
 public:
  explicit StsClient(StsOptions options);

  // POST Action=AssumeRole&RoleArn=...&RoleSessionName=...&Version=2011-06-15,
  // signed with `caller`. Network I/O. Errors carry operation "AssumeRole"
  // and, for AccessDenied, a hint about the trust policy and external ID.
  Result<AssumedRole> assume_role(const AssumeRoleRequest& request, const Credentials& caller) const;

  // POST Action=AssumeRoleWithWebIdentity&RoleArn=...&WebIdentityToken=...,
  // unsigned: the token is the proof of identity. Network I/O.
  Result<AssumedRole> assume_role_with_web_identity(const std::string& role_arn, const std::string& session_name,
                                                    const std::string& web_identity_token) const;

  // POST Action=GetCallerIdentity, signed with `caller`. Needs no IAM
  // permission. Network I/O.
  Result<CallerIdentity> get_caller_identity(const Credentials& caller) const;

  // The URL requests go to, for messages.
  std::string endpoint_description() const;

 private:
  struct Call;
  Result<HttpResponse> send(const Call& call, const Credentials* caller) const;

  StsOptions options_;
};

// Parses an AssumeRoleResponse or AssumeRoleWithWebIdentityResponse (the root
// element is named by `operation` + "Response"). Malformed XML or missing
// credentials is a kService error.
Result<AssumedRole> parse_assume_role_response(const std::string& body, const std::string& operation);

// Parses a GetCallerIdentityResponse.
Result<CallerIdentity> parse_caller_identity_response(const std::string& body);

}  // namespace s3cat::s3
