#include "s3/error.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3cat::s3 {
namespace {

struct CategoryCase {
  int status;
  std::string code;
  TransportFault fault;
  ErrorCategory expected;
};

TEST(ErrorCategorize, Table) {
  const std::vector<CategoryCase> cases = {
      // Authentication codes arrive with 403 or 400, and must not read as permissions.
      {403, "InvalidAccessKeyId", TransportFault::kNone, ErrorCategory::kAuthentication},
      {403, "SignatureDoesNotMatch", TransportFault::kNone, ErrorCategory::kAuthentication},
      {400, "ExpiredToken", TransportFault::kNone, ErrorCategory::kAuthentication},
      {403, "ExpiredToken", TransportFault::kNone, ErrorCategory::kAuthentication},
      {400, "InvalidToken", TransportFault::kNone, ErrorCategory::kAuthentication},
      {400, "TokenRefreshRequired", TransportFault::kNone, ErrorCategory::kAuthentication},
      {403, "RequestTimeTooSkewed", TransportFault::kNone, ErrorCategory::kAuthentication},
      {403, "InvalidClientTokenId", TransportFault::kNone, ErrorCategory::kAuthentication},
      {401, "AuthFailure", TransportFault::kNone, ErrorCategory::kAuthentication},
      {400, "MissingSecurityHeader", TransportFault::kNone, ErrorCategory::kAuthentication},
      {401, "", TransportFault::kNone, ErrorCategory::kAuthentication},
      // Authorization refusals.
      {403, "AccessDenied", TransportFault::kNone, ErrorCategory::kPermissions},
      {403, "AllAccessDisabled", TransportFault::kNone, ErrorCategory::kPermissions},
      {403, "AccountProblem", TransportFault::kNone, ErrorCategory::kPermissions},
      {403, "", TransportFault::kNone, ErrorCategory::kPermissions},
      // The bucket went away.
      {404, "NoSuchBucket", TransportFault::kNone, ErrorCategory::kNotFound},
      {404, "", TransportFault::kNone, ErrorCategory::kNotFound},
      // Settings the user chose.
      {400, "InvalidArgument", TransportFault::kNone, ErrorCategory::kConfiguration},
      {400, "InvalidBucketName", TransportFault::kNone, ErrorCategory::kConfiguration},
      {301, "PermanentRedirect", TransportFault::kNone, ErrorCategory::kConfiguration},
      {400, "AuthorizationHeaderMalformed", TransportFault::kNone, ErrorCategory::kConfiguration},
      {301, "", TransportFault::kNone, ErrorCategory::kConfiguration},
      // The server's side.
      {500, "InternalError", TransportFault::kNone, ErrorCategory::kService},
      {503, "SlowDown", TransportFault::kNone, ErrorCategory::kService},
      {503, "", TransportFault::kNone, ErrorCategory::kService},
      {502, "", TransportFault::kNone, ErrorCategory::kService},
      {429, "", TransportFault::kNone, ErrorCategory::kService},
      {400, "RequestTimeout", TransportFault::kNone, ErrorCategory::kService},
      {400, "SomethingNew", TransportFault::kNone, ErrorCategory::kService},
      {405, "MethodNotAllowed", TransportFault::kNone, ErrorCategory::kService},
      {200, "", TransportFault::kNone, ErrorCategory::kService},
      // Below HTTP, TLS included.
      {0, "", TransportFault::kDnsFailure, ErrorCategory::kNetwork},
      {0, "", TransportFault::kConnectionRefused, ErrorCategory::kNetwork},
      {0, "", TransportFault::kConnectionReset, ErrorCategory::kNetwork},
      {0, "", TransportFault::kTimeout, ErrorCategory::kNetwork},
      {0, "", TransportFault::kTlsFailure, ErrorCategory::kNetwork},
      {0, "", TransportFault::kTruncatedBody, ErrorCategory::kNetwork},
      {0, "", TransportFault::kOther, ErrorCategory::kNetwork},
      {0, "", TransportFault::kNone, ErrorCategory::kInternal},
  };

  for (const CategoryCase& test_case : cases) {
    SCOPED_TRACE(testing::Message() << test_case.status << " " << test_case.code << " "
                                    << to_string(test_case.fault));
    EXPECT_EQ(categorize(test_case.status, test_case.code, test_case.fault), test_case.expected);
  }
}

TEST(ErrorHint, AuthenticationMentionsCredentials) {
  const std::string hint = hint_for(ErrorCategory::kAuthentication, "InvalidAccessKeyId", "ListBuckets");
  EXPECT_NE(hint.find("re-enter the credentials"), std::string::npos);
}

TEST(ErrorHint, ClockSkewMentionsClock) {
  const std::string hint = hint_for(ErrorCategory::kAuthentication, "RequestTimeTooSkewed", "ListBuckets");
  EXPECT_NE(hint.find("clock"), std::string::npos);
}

TEST(ErrorHint, ListingSignatureMismatchNamesServerCanonicalisation) {
  // ListBuckets already worked with the same keys when a listing fails so.
  const std::string listing = hint_for(ErrorCategory::kAuthentication, "SignatureDoesNotMatch", "ListObjectsV2");
  EXPECT_NE(listing.find("if the same keys list the buckets"), std::string::npos);
  const std::string buckets = hint_for(ErrorCategory::kAuthentication, "SignatureDoesNotMatch", "ListBuckets");
  EXPECT_EQ(buckets.find("if the same keys list the buckets"), std::string::npos);
}

TEST(ErrorHint, PermissionsNameTheActions) {
  const std::string buckets_hint = hint_for(ErrorCategory::kPermissions, "AccessDenied", "ListBuckets");
  EXPECT_NE(buckets_hint.find("s3:ListAllMyBuckets"), std::string::npos);
  EXPECT_NE(buckets_hint.find("s3:ListBucket "), std::string::npos);

  const std::string listing_hint = hint_for(ErrorCategory::kPermissions, "AccessDenied", "ListObjectsV2");
  EXPECT_NE(listing_hint.find("s3:ListBucket"), std::string::npos);
  EXPECT_NE(listing_hint.find("requester pays"), std::string::npos);
}

TEST(ErrorHint, MissingStsIsNotAMissingBucket) {
  const std::string identity = hint_for(ErrorCategory::kNotFound, "", "GetCallerIdentity");
  EXPECT_NE(identity.find("does not serve STS"), std::string::npos);
  EXPECT_EQ(identity.find("bucket"), std::string::npos);
  EXPECT_NE(hint_for(ErrorCategory::kNotFound, "", "AssumeRole").find("does not serve STS"), std::string::npos);
  EXPECT_NE(hint_for(ErrorCategory::kNotFound, "NoSuchBucket", "ListObjectsV2").find("no longer exists"),
            std::string::npos);
}

TEST(ErrorHint, NetworkAndService) {
  EXPECT_NE(hint_for(ErrorCategory::kNetwork, "", "ListBuckets").find("check that the server can reach the endpoint"),
            std::string::npos);
  EXPECT_NE(hint_for(ErrorCategory::kService, "SlowDown", "ListBuckets").find("try again later"),
            std::string::npos);
}

TEST(ErrorDescribe, HttpError) {
  S3Error error;
  error.operation = "ListObjectsV2";
  error.context = "listing bucket logs";
  error.http_status = 403;
  error.code = "AccessDenied";
  error.message = "Access Denied";
  error.request_id = "R123";

  EXPECT_EQ(error.describe(),
            "ListObjectsV2 failed while listing bucket logs: HTTP 403 AccessDenied: Access Denied (request id R123)");
}

TEST(ErrorDescribe, TransportErrorWithAttempts) {
  S3Error error;
  error.operation = "ListBuckets";
  error.transport = TransportFault::kConnectionRefused;
  error.message = "Could not connect to server";
  error.attempts = 4;

  EXPECT_EQ(error.describe(), "ListBuckets failed: connection refused: Could not connect to server after 4 attempts");
}

TEST(ErrorDescribe, StaysOnOneLine) {
  S3Error error;
  error.operation = "ListBuckets";
  error.http_status = 500;
  error.message = "line one\r\nline two";

  EXPECT_EQ(error.describe().find('\n'), std::string::npos);
  EXPECT_EQ(error.describe().find('\r'), std::string::npos);
}

TEST(ErrorCategoryNames, MatchTheJobResultVocabulary) {
  EXPECT_STREQ(to_string(ErrorCategory::kAuthentication), "authentication");
  EXPECT_STREQ(to_string(ErrorCategory::kPermissions), "permissions");
  EXPECT_STREQ(to_string(ErrorCategory::kNetwork), "network");
  EXPECT_STREQ(to_string(ErrorCategory::kConfiguration), "configuration");
  EXPECT_STREQ(to_string(ErrorCategory::kService), "service");
  EXPECT_STREQ(to_string(ErrorCategory::kInternal), "internal");
}

}  // namespace
}  // namespace s3cat::s3
