#include "s3/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <string_view>

namespace s3cat::s3 {
namespace {

bool is_one_of(const std::string& code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// Codes that reject the caller's identity rather than its rights. S3 and STS
// send most of them with HTTP 403, so they are matched before the status.
bool is_authentication_code(const std::string& code) {
  return is_one_of(code, {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
                          "InvalidToken", "TokenRefreshRequired", "RequestTimeTooSkewed", "RequestExpired",
                          "InvalidClientTokenId", "AuthFailure", "MissingSecurityHeader",
                          "MissingAuthenticationToken", "IncompleteSignature", "InvalidSecurity",
                          "UnrecognizedClientException", "InvalidIdentityToken", "IDPRejectedClaim"});
}

bool is_permission_code(const std::string& code) {
  return is_one_of(code, {"AccessDenied", "AccessDeniedException", "AllAccessDisabled", "AccountProblem",
                          "InvalidPayer", "NotSignedUp", "UnauthorizedAccess"});
}

// Codes that follow from a setting the user chose (endpoint, region, bucket
// name in a filter, addressing style, prefix): fixing the setting fixes them.
bool is_configuration_code(const std::string& code) {
  return is_one_of(code, {"InvalidArgument", "InvalidBucketName", "InvalidRequest", "InvalidURI",
                          "PermanentRedirect", "TemporaryRedirect", "AuthorizationHeaderMalformed",
                          "IllegalLocationConstraintException", "InvalidLocationConstraint"});
}

bool is_service_code(const std::string& code) {
  return is_one_of(code, {"SlowDown", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException",
                          "RequestTimeout", "RequestLimitExceeded", "TooManyRequestsException",
                          "NotImplemented", "OperationAborted"});
}

// Replaces control characters, so that a server's message cannot break a log
// line or a terminal.
std::string single_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return line;
}

}  // namespace

std::string S3Error::describe() const {
  std::string text = operation.empty() ? std::string("request") : operation;
  text += " failed";
  if (!context.empty()) text += " while " + context;
  text += ": ";

  if (http_status != 0) {
    text += fmt::format("HTTP {}", http_status);
    if (!code.empty()) text += " " + code;
    if (!message.empty()) text += ": " + message;
  } else if (transport != TransportFault::kNone) {
    text += to_string(transport);
    if (!message.empty()) text += ": " + message;
  } else if (!code.empty()) {
    text += code;
    if (!message.empty()) text += ": " + message;
  } else {
    text += message.empty() ? std::string("unknown error") : message;
  }

  if (!region.empty()) text += " (bucket region " + region + ")";
  if (!request_id.empty()) text += " (request id " + request_id + ")";
  if (attempts > 1) text += fmt::format(" after {} attempts", attempts);
  return single_line(text);
}

const char* to_string(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kAuthentication: return "authentication";
    case ErrorCategory::kPermissions: return "permissions";
    case ErrorCategory::kNetwork: return "network";
    case ErrorCategory::kConfiguration: return "configuration";
    case ErrorCategory::kService: return "service";
    case ErrorCategory::kNotFound: return "not_found";
    case ErrorCategory::kInternal: return "internal";
  }
  return "internal";
}

const char* to_string(TransportFault fault) {
  switch (fault) {
    case TransportFault::kNone: return "no transport fault";
    case TransportFault::kDnsFailure: return "DNS lookup failed";
    case TransportFault::kConnectionRefused: return "connection refused";
    case TransportFault::kConnectionReset: return "connection reset";
    case TransportFault::kTimeout: return "timed out";
    case TransportFault::kTlsFailure: return "TLS failure";
    case TransportFault::kTruncatedBody: return "response body truncated";
    case TransportFault::kOther: return "transport failure";
  }
  return "transport failure";
}

// Codes win over statuses. Decision for the remaining 4xx answers: a code
// that names a setting (InvalidArgument, InvalidBucketName, a region
// redirect, ...) is kConfiguration, because the user fixes it by changing the
// source; any other 4xx is kService, because the request the client built is
// one S3 accepts, so the server behaved unexpectedly.
ErrorCategory categorize(int http_status, const std::string& code, TransportFault fault) {
  if (fault != TransportFault::kNone) return ErrorCategory::kNetwork;

  if (is_authentication_code(code)) return ErrorCategory::kAuthentication;
  if (is_permission_code(code)) return ErrorCategory::kPermissions;
  if (code == "NoSuchBucket") return ErrorCategory::kNotFound;
  if (is_configuration_code(code)) return ErrorCategory::kConfiguration;
  if (is_service_code(code)) return ErrorCategory::kService;

  if (http_status == 401) return ErrorCategory::kAuthentication;
  if (http_status == 403) return ErrorCategory::kPermissions;
  if (http_status == 404) return ErrorCategory::kNotFound;
  // A redirect the client could not follow means the region or endpoint setting is wrong.
  if (http_status == 301 || http_status == 307) return ErrorCategory::kConfiguration;
  if (http_status == 0 && code.empty()) return ErrorCategory::kInternal;
  return ErrorCategory::kService;
}

std::string hint_for(ErrorCategory category, const std::string& code, const std::string& operation) {
  switch (category) {
    case ErrorCategory::kAuthentication:
      if (code == "RequestTimeTooSkewed" || code == "RequestExpired") {
        return "check the clock: this machine's time differs from the server's by more than S3 allows "
               "(15 minutes); synchronise it with NTP";
      }
      if (code == "ExpiredToken" || code == "ExpiredTokenException" || code == "TokenRefreshRequired") {
        return "the session token has expired: re-enter the credentials, or check the role that issues them";
      }
      if (code == "SignatureDoesNotMatch" && operation == "ListObjectsV2") {
        return "re-enter the credentials (the secret access key does not match the key ID), or check the "
               "clock; if the same keys list the buckets, the secret is right and the server computes this "
               "request's signature differently (some S3-compatible servers mishandle '/' in the prefix)";
      }
      if (code == "SignatureDoesNotMatch") {
        return "re-enter the credentials (the secret access key does not match the key ID), or check the clock";
      }
      return "re-enter the credentials, or check the role / the clock";

    case ErrorCategory::kPermissions:
      if (operation == "ListObjectsV2") {
        return "grant s3:ListBucket on this bucket; if it is a requester-pays bucket, turn on requester "
               "pays for the source";
      }
      return "grant s3:ListAllMyBuckets (and s3:ListBucket on the buckets to catalog)";

    case ErrorCategory::kNetwork:
      return "check that the server can reach the endpoint (host name, port, firewall, proxy, TLS "
             "certificate and CA bundle)";

    case ErrorCategory::kConfiguration:
      if (code == "PermanentRedirect" || code == "TemporaryRedirect" || code == "AuthorizationHeaderMalformed" ||
          code == "IllegalLocationConstraintException") {
        return "set the source's region (or endpoint URL) to the bucket's region";
      }
      if (code == "InvalidBucketName") return "fix the bucket name in the source's path filters";
      return "fix the setting named in the message (endpoint URL, region, addressing style or path filters)";

    case ErrorCategory::kService:
      return "try again later; report the server's behaviour";

    case ErrorCategory::kNotFound:
      if (operation.starts_with("AssumeRole") || operation == "GetCallerIdentity") {
        return "the endpoint does not serve STS (many S3-compatible servers do not); listing does not need "
               "it, but an assumed role does, so give such a source keys without a role ARN";
      }
      return "the bucket no longer exists; run the extraction again to drop it from the scope";

    case ErrorCategory::kInternal:
      return "";
  }
  return "";
}

}  // namespace s3cat::s3
