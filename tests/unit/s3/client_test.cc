// The client and the paginator against a scripted in-test transport that
// records every request and returns canned responses.
#include "s3/client.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "s3/sigv4.h"

namespace s3cat::s3 {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

HttpResponse answer(int status, const std::string& body, std::map<std::string, std::string> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = body;
  response.headers = std::move(headers);
  return response;
}

std::string listing_page(const std::vector<std::string>& keys, bool truncated, const std::string& token) {
  std::string body = "<ListBucketResult><EncodingType>url</EncodingType>";
  body += "<KeyCount>" + std::to_string(keys.size()) + "</KeyCount>";
  body += truncated ? "<IsTruncated>true</IsTruncated>" : "<IsTruncated>false</IsTruncated>";
  if (!token.empty()) body += "<NextContinuationToken>" + token + "</NextContinuationToken>";
  for (const auto& key : keys) body += "<Contents><Key>" + key + "</Key><Size>1</Size></Contents>";
  return body + "</ListBucketResult>";
}

std::string error_body(const std::string& code, const std::string& extra = "") {
  return "<Error><Code>" + code + "</Code><Message>message for " + code + "</Message>" + extra + "</Error>";
}

class ScriptedTransport final : public HttpTransport {
 public:
  Result<HttpResponse> send(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (script_.empty()) return answer(200, listing_page({}, false, ""));
    auto next = script_.front();
    script_.pop_front();
    return next;
  }

  void then(Result<HttpResponse> response) { script_.push_back(std::move(response)); }
  void then_fault(TransportFault fault) {
    S3Error error;
    error.transport = fault;
    error.message = "scripted fault";
    error.category = categorize(0, "", fault);
    script_.push_back(std::unexpected(error));
  }

  const std::vector<HttpRequest>& requests() const { return requests_; }

 private:
  std::mutex mutex_;
  std::deque<Result<HttpResponse>> script_;
  std::vector<HttpRequest> requests_;
};

std::string header_of(const HttpRequest& request, const std::string& name) {
  for (const auto& [header, value] : request.headers) {
    if (header == name) return value;
  }
  return "";
}

Credentials test_credentials(const std::string& key_id = "AKIATEST", const std::string& token = "") {
  Credentials credentials;
  credentials.access_key_id = key_id;
  credentials.secret_access_key = Secret("test-secret-" + key_id);
  credentials.session_token = Secret(token);
  return credentials;
}

system_clock::time_point fixed_time() { return sys_days(2024y / 5 / 1) + 12h; }

ClientOptions fast_options(const std::string& endpoint = "http://127.0.0.1:9000") {
  ClientOptions options;
  options.endpoint_url = endpoint;
  options.retry.base_delay = 1ms;
  options.retry.max_delay = 2ms;
  return options;
}

struct Harness {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::unique_ptr<Client> client;

  explicit Harness(ClientOptions options = fast_options(),
                   std::shared_ptr<CredentialsProvider> provider = make_static_provider(test_credentials())) {
    client = std::make_unique<Client>(std::move(options), std::move(provider), transport);
    client->set_clock(fixed_time);
  }
};

ListObjectsRequest listing(const std::string& bucket) {
  ListObjectsRequest request;
  request.bucket = BucketName(bucket);
  return request;
}

std::string url_for(ClientOptions options, const std::string& bucket) {
  Harness harness(std::move(options));
  const auto page = harness.client->list_objects_page(listing(bucket));
  EXPECT_TRUE(page.has_value()) << page.error().describe();
  return harness.transport->requests().at(0).url;
}

// ---------------------------------------------------------------- URLs

TEST(ClientUrl, AwsDefaultEndpointIsVirtualHosted) {
  ClientOptions options = fast_options("");
  options.region = Region("eu-west-1");

  EXPECT_EQ(url_for(options, "logs"), "https://logs.s3.eu-west-1.amazonaws.com/?list-type=2&encoding-type=url&max-keys=1000");
}

TEST(ClientUrl, AwsDottedBucketIsPathStyle) {
  EXPECT_EQ(url_for(fast_options(""), "logs.example.test"),
            "https://s3.us-east-1.amazonaws.com/logs.example.test?list-type=2&encoding-type=url&max-keys=1000");
}

TEST(ClientUrl, AwsLegacyBucketNameIsPathStyle) {
  EXPECT_EQ(url_for(fast_options(""), "Legacy_Bucket"),
            "https://s3.us-east-1.amazonaws.com/Legacy_Bucket?list-type=2&encoding-type=url&max-keys=1000");
}

TEST(ClientUrl, CustomEndpointIsPathStyle) {
  EXPECT_EQ(url_for(fast_options("http://127.0.0.1:9000"), "logs"),
            "http://127.0.0.1:9000/logs?list-type=2&encoding-type=url&max-keys=1000");
  EXPECT_EQ(url_for(fast_options("https://s3.test:8443/"), "logs.example.test"),
            "https://s3.test:8443/logs.example.test?list-type=2&encoding-type=url&max-keys=1000");
}

TEST(ClientUrl, ForcedStylesWin) {
  ClientOptions virtual_options = fast_options("http://s3.test:9000");
  virtual_options.addressing = AddressingStyle::kVirtualHosted;
  EXPECT_EQ(url_for(virtual_options, "logs"), "http://logs.s3.test:9000/?list-type=2&encoding-type=url&max-keys=1000");

  ClientOptions path_options = fast_options("");
  path_options.addressing = AddressingStyle::kPath;
  EXPECT_EQ(url_for(path_options, "logs"),
            "https://s3.us-east-1.amazonaws.com/logs?list-type=2&encoding-type=url&max-keys=1000");
}

TEST(ClientUrl, ExplicitAwsEndpointIsVirtualHosted) {
  EXPECT_EQ(url_for(fast_options("https://s3.eu-central-1.amazonaws.com"), "logs"),
            "https://logs.s3.eu-central-1.amazonaws.com/?list-type=2&encoding-type=url&max-keys=1000");
}

TEST(ClientUrl, DefaultPortIsDropped) {
  EXPECT_EQ(url_for(fast_options("https://s3.test:443"), "logs"),
            "https://s3.test/logs?list-type=2&encoding-type=url&max-keys=1000");
}

TEST(ClientUrl, ListBucketsGoesToRoot) {
  Harness harness;
  harness.transport->then(answer(200, "<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"));

  ASSERT_TRUE(harness.client->list_buckets().has_value());

  EXPECT_EQ(harness.transport->requests().at(0).url, "http://127.0.0.1:9000/");
}

// ---------------------------------------------------------------- requests

TEST(ClientRequest, QueryCarriesEveryParameterEncoded) {
  Harness harness;
  ListObjectsRequest request = listing("logs");
  request.prefix = "a/b c+%";
  request.delimiter = "/";
  request.start_after = "a/b c+%/0";
  request.continuation_token = "tok/en+=";
  request.max_keys = 2;

  ASSERT_TRUE(harness.client->list_objects_page(request).has_value());

  EXPECT_EQ(harness.transport->requests().at(0).url,
            "http://127.0.0.1:9000/logs?list-type=2&continuation-token=tok%2Fen%2B%3D&delimiter=%2F"
            "&encoding-type=url&max-keys=2&prefix=a%2Fb%20c%2B%25&start-after=a%2Fb%20c%2B%25%2F0");
}

TEST(ClientRequest, SignsWithContentHash) {
  ClientOptions options = fast_options("");
  options.region = Region("eu-west-1");
  Harness harness(options);
  ListObjectsRequest request = listing("logs");
  request.prefix = "a/";

  ASSERT_TRUE(harness.client->list_objects_page(request).has_value());

  const HttpRequest& sent = harness.transport->requests().at(0);
  EXPECT_EQ(header_of(sent, "x-amz-content-sha256"), kEmptySha256);
  EXPECT_EQ(header_of(sent, "X-Amz-Date"), "20240501T120000Z");
  EXPECT_EQ(header_of(sent, "X-Amz-Security-Token"), "");
  EXPECT_EQ(header_of(sent, "x-amz-request-payer"), "");

  // Recompute the signature independently from what went on the wire.
  SigningRequest expected;
  expected.method = "GET";
  expected.host = "logs.s3.eu-west-1.amazonaws.com";
  expected.canonical_uri = "/";
  expected.query = "list-type=2&encoding-type=url&max-keys=1000&prefix=a%2F";
  expected.headers = {{"x-amz-content-sha256", kEmptySha256}};
  expected.payload_sha256 = kEmptySha256;
  expected.region = "eu-west-1";
  expected.service = "s3";
  expected.time = fixed_time();
  const SignedHeaders signed_headers = sign_request(expected, test_credentials());
  EXPECT_EQ(header_of(sent, "Authorization"), signed_headers.headers.at(0).second);
  EXPECT_NE(header_of(sent, "Authorization").find("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
            std::string::npos);
  EXPECT_NE(header_of(sent, "Authorization").find("/20240501/eu-west-1/s3/aws4_request"), std::string::npos);
}

TEST(ClientRequest, SendsSessionTokenAndRequesterPays) {
  ClientOptions options = fast_options();
  options.requester_pays = true;
  Harness harness(options, make_static_provider(test_credentials("AKIATEMP", "session-token")));

  ASSERT_TRUE(harness.client->list_objects_page(listing("rp")).has_value());

  const HttpRequest& sent = harness.transport->requests().at(0);
  EXPECT_EQ(header_of(sent, "X-Amz-Security-Token"), "session-token");
  EXPECT_EQ(header_of(sent, "x-amz-request-payer"), "requester");
  EXPECT_NE(header_of(sent, "Authorization")
                .find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-request-payer;x-amz-security-token,"),
            std::string::npos)
      << header_of(sent, "Authorization");
}

TEST(ClientRequest, EmptyBucketNameIsConfigurationError) {
  Harness harness;

  const auto page = harness.client->list_objects_page(listing(""));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kConfiguration);
  EXPECT_TRUE(harness.transport->requests().empty());
}

TEST(ClientRequest, InvalidEndpointIsConfigurationError) {
  Harness harness(fast_options("ftp://127.0.0.1:21"));

  const auto buckets = harness.client->list_buckets();

  ASSERT_FALSE(buckets.has_value());
  EXPECT_EQ(buckets.error().category, ErrorCategory::kConfiguration);
  EXPECT_EQ(buckets.error().operation, "ListBuckets");
  EXPECT_TRUE(harness.transport->requests().empty());
}

// ---------------------------------------------------------------- retries

TEST(ClientRetry, RetriesServerErrorsThenSucceeds) {
  Harness harness;
  harness.transport->then(answer(503, error_body("SlowDown")));
  harness.transport->then(answer(500, error_body("InternalError")));
  harness.transport->then(answer(200, listing_page({"a"}, false, "")));

  const auto page = harness.client->list_objects_page(listing("logs"));

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(harness.transport->requests().size(), 3u);
}

TEST(ClientRetry, SignsEachAttemptAnew) {
  Harness harness;
  int ticks = 0;
  harness.client->set_clock([&ticks] { return fixed_time() + seconds(ticks++); });
  harness.transport->then(answer(503, error_body("SlowDown")));

  ASSERT_TRUE(harness.client->list_objects_page(listing("logs")).has_value());

  ASSERT_EQ(harness.transport->requests().size(), 2u);
  EXPECT_EQ(header_of(harness.transport->requests()[0], "X-Amz-Date"), "20240501T120000Z");
  EXPECT_EQ(header_of(harness.transport->requests()[1], "X-Amz-Date"), "20240501T120001Z");
  EXPECT_NE(header_of(harness.transport->requests()[0], "Authorization"),
            header_of(harness.transport->requests()[1], "Authorization"));
}

TEST(ClientRetry, GivesUpAfterMaxAttempts) {
  Harness harness;
  for (int i = 0; i < 10; ++i) harness.transport->then(answer(503, error_body("SlowDown")));

  const auto page = harness.client->list_objects_page(listing("logs"));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(harness.transport->requests().size(), 4u);
  EXPECT_EQ(page.error().category, ErrorCategory::kService);
  EXPECT_EQ(page.error().code, "SlowDown");
  EXPECT_EQ(page.error().attempts, 4);
  EXPECT_EQ(page.error().operation, "ListObjectsV2");
  EXPECT_EQ(page.error().context, "listing bucket logs");
}

TEST(ClientRetry, RetriesResetAndTruncatedBody) {
  Harness harness;
  harness.transport->then_fault(TransportFault::kConnectionReset);
  harness.transport->then_fault(TransportFault::kTruncatedBody);

  const auto page = harness.client->list_objects_page(listing("logs"));

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(harness.transport->requests().size(), 3u);
}

TEST(ClientRetry, DoesNotRetryPermanentFailures) {
  struct Case {
    Result<HttpResponse> response;
    ErrorCategory category;
  };
  S3Error dns;
  dns.transport = TransportFault::kDnsFailure;
  dns.category = ErrorCategory::kNetwork;
  const std::vector<Case> cases = {
      {answer(403, error_body("AccessDenied")), ErrorCategory::kPermissions},
      {answer(403, error_body("InvalidAccessKeyId")), ErrorCategory::kAuthentication},
      {answer(404, error_body("NoSuchBucket")), ErrorCategory::kNotFound},
      {answer(400, error_body("InvalidArgument")), ErrorCategory::kConfiguration},
      {std::unexpected(dns), ErrorCategory::kNetwork},
  };

  for (const Case& test_case : cases) {
    Harness harness;
    harness.transport->then(test_case.response);

    const auto page = harness.client->list_objects_page(listing("logs"));

    ASSERT_FALSE(page.has_value());
    SCOPED_TRACE(page.error().describe());
    EXPECT_EQ(page.error().category, test_case.category);
    EXPECT_EQ(harness.transport->requests().size(), 1u);
  }
}

TEST(ClientRetry, StopsAtMaxTotalTime) {
  ClientOptions options = fast_options();
  options.retry.max_total_time = 0ms;
  Harness harness(options);
  harness.transport->then(answer(503, error_body("SlowDown")));

  const auto page = harness.client->list_objects_page(listing("logs"));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(ClientRetry, MalformedListingIsNotRetried) {
  Harness harness;
  HttpResponse broken = answer(200, "<ListBucketResult><Contents><Key>a\x01</Key>");
  broken.headers["x-amz-request-id"] = "REQ1";
  harness.transport->then(broken);

  const auto page = harness.client->list_objects_page(listing("alpha"));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kService);
  EXPECT_EQ(page.error().http_status, 200);
  EXPECT_EQ(page.error().request_id, "REQ1");
  EXPECT_EQ(page.error().context, "listing bucket alpha");
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

// ---------------------------------------------------------------- credentials

// Hands out key A, then key B after an expiry, and counts the refreshes.
class KeySwitchingProvider final : public CredentialsProvider {
 public:
  Result<Credentials> resolve() override { return test_credentials(refreshes_ == 0 ? "AKIAFIRST" : "AKIASECOND"); }
  Result<Credentials> refresh_after_expiry(const S3Error&, const Credentials&) override {
    ++refreshes_;
    return test_credentials("AKIASECOND");
  }
  std::string name() const override { return "refreshing"; }
  int refreshes() const { return refreshes_; }

 private:
  int refreshes_ = 0;
};

class FailingProvider final : public CredentialsProvider {
 public:
  Result<Credentials> resolve() override {
    S3Error error;
    error.message = "no credentials found in the default chain: environment (AWS_ACCESS_KEY_ID not set)";
    error.category = ErrorCategory::kAuthentication;
    return std::unexpected(error);
  }
  std::string name() const override { return "failing"; }
};

TEST(ClientCredentials, ExpiredTokenRefreshesAndRetriesOnce) {
  auto provider = std::make_shared<KeySwitchingProvider>();
  Harness harness(fast_options(), provider);
  harness.transport->then(answer(400, error_body("ExpiredToken")));
  ListObjectsRequest request = listing("big");
  request.continuation_token = "T1";

  const auto page = harness.client->list_objects_page(request);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(provider->refreshes(), 1);
  ASSERT_EQ(harness.transport->requests().size(), 2u);
  EXPECT_NE(header_of(harness.transport->requests()[1], "Authorization").find("Credential=AKIASECOND/"),
            std::string::npos);
  EXPECT_EQ(harness.transport->requests()[0].url, harness.transport->requests()[1].url);
}

TEST(ClientCredentials, SecondExpiryIsReturned) {
  auto provider = std::make_shared<KeySwitchingProvider>();
  Harness harness(fast_options(), provider);
  harness.transport->then(answer(403, error_body("ExpiredToken")));
  harness.transport->then(answer(403, error_body("ExpiredToken")));

  const auto page = harness.client->list_objects_page(listing("big"));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(provider->refreshes(), 1);
  EXPECT_EQ(harness.transport->requests().size(), 2u);
}

TEST(ClientCredentials, FixedCredentialsCannotRefresh) {
  Harness harness(fast_options(), make_static_provider(test_credentials("AKIATEMP", "old-token")));
  harness.transport->then(answer(400, error_body("ExpiredToken")));

  const auto page = harness.client->list_objects_page(listing("big"));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(page.error().code, "ExpiredToken");
  EXPECT_EQ(page.error().operation, "ListObjectsV2");
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(ClientCredentials, ProviderErrorIsTheResult) {
  Harness harness(fast_options(), std::make_shared<FailingProvider>());

  const auto buckets = harness.client->list_buckets();

  ASSERT_FALSE(buckets.has_value());
  EXPECT_EQ(buckets.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(buckets.error().operation, "ListBuckets");
  EXPECT_NE(buckets.error().describe().find("no credentials found"), std::string::npos);
  EXPECT_TRUE(harness.transport->requests().empty());
}

// ---------------------------------------------------------------- clock skew

std::string skew_body(const std::string& server_time) {
  return error_body("RequestTimeTooSkewed",
                    "<RequestTime>20240501T120000Z</RequestTime><ServerTime>" + server_time +
                        "</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>");
}

TEST(ClientClockSkew, CorrectsClockFromDateHeaderAndRetries) {
  Harness harness;
  harness.transport->then(answer(403, skew_body("2024-05-01T12:20:00Z"), {{"date", "Wed, 01 May 2024 12:20:00 GMT"}}));

  const auto page = harness.client->list_objects_page(listing("alpha"));

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(harness.transport->requests().size(), 2u);
  EXPECT_EQ(header_of(harness.transport->requests()[0], "X-Amz-Date"), "20240501T120000Z");
  EXPECT_EQ(header_of(harness.transport->requests()[1], "X-Amz-Date"), "20240501T122000Z");

  // The correction stays for later requests.
  ASSERT_TRUE(harness.client->list_objects_page(listing("beta")).has_value());
  EXPECT_EQ(header_of(harness.transport->requests()[2], "X-Amz-Date"), "20240501T122000Z");
}

TEST(ClientClockSkew, UsesServerTimeWithoutDateHeader) {
  Harness harness;
  harness.transport->then(answer(403, skew_body("2024-05-01T11:30:00Z")));

  const auto page = harness.client->list_objects_page(listing("alpha"));

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(header_of(harness.transport->requests()[1], "X-Amz-Date"), "20240501T113000Z");
}

TEST(ClientClockSkew, ServerTimeNearSigningTimeIsNotRetried) {
  Harness harness;
  // The Date header agrees with the signing clock, so a correction cannot help.
  harness.transport->then(answer(403, skew_body("2024-05-01T12:20:00Z"), {{"date", "Wed, 01 May 2024 12:00:10 GMT"}}));

  const auto page = harness.client->list_objects_page(listing("alpha"));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kAuthentication);
  EXPECT_NE(page.error().message.find("clock"), std::string::npos) << page.error().message;
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(ClientClockSkew, SecondRejectionIsAuthenticationNamingTheClock) {
  Harness harness;
  const std::map<std::string, std::string> headers{{"date", "Wed, 01 May 2024 12:20:00 GMT"}};
  harness.transport->then(answer(403, skew_body("2024-05-01T12:20:00Z"), headers));
  harness.transport->then(answer(403, skew_body("2024-05-01T12:40:00Z"), {{"date", "Wed, 01 May 2024 12:40:00 GMT"}}));

  const auto buckets = harness.client->list_buckets();

  ASSERT_FALSE(buckets.has_value());
  EXPECT_EQ(buckets.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(buckets.error().code, "RequestTimeTooSkewed");
  EXPECT_NE(buckets.error().message.find("clock corrected"), std::string::npos) << buckets.error().message;
  EXPECT_NE(buckets.error().hint.find("clock"), std::string::npos);
  EXPECT_EQ(harness.transport->requests().size(), 2u);
}

// ---------------------------------------------------------------- regions

TEST(ClientRegion, FollowsRedirectToBucketRegion) {
  Harness harness(fast_options(""));
  harness.transport->then(answer(301, error_body("PermanentRedirect"), {{"x-amz-bucket-region", "eu-west-1"}}));

  ASSERT_TRUE(harness.client->list_objects_page(listing("logs")).has_value());
  ASSERT_TRUE(harness.client->list_objects_page(listing("logs")).has_value());

  const auto& requests = harness.transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].url.rfind("https://logs.s3.eu-west-1.amazonaws.com/?", 0), 0u) << requests[1].url;
  EXPECT_NE(header_of(requests[1], "Authorization").find("/eu-west-1/s3/aws4_request"), std::string::npos);
  EXPECT_EQ(requests[2].url, requests[1].url);
}

TEST(ClientRegion, FollowsAuthorizationHeaderMalformedOnCustomEndpoint) {
  Harness harness;
  harness.transport->then(answer(400, error_body("AuthorizationHeaderMalformed", "<Region>eu-north-1</Region>")));

  ASSERT_TRUE(harness.client->list_objects_page(listing("logs")).has_value());

  const auto& requests = harness.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].url, requests[0].url);
  EXPECT_NE(header_of(requests[1], "Authorization").find("/eu-north-1/s3/aws4_request"), std::string::npos);
}

TEST(ClientRegion, RedirectWithoutRegionIsConfigurationError) {
  Harness harness(fast_options(""));
  harness.transport->then(answer(301, error_body("PermanentRedirect")));

  const auto page = harness.client->list_objects_page(listing("logs"));

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kConfiguration);
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(ClientRegion, ListBucketsRecordsBucketRegions) {
  Harness harness(fast_options(""));
  harness.transport->then(answer(200,
                                 "<ListAllMyBucketsResult><Buckets><Bucket><Name>far</Name>"
                                 "<BucketRegion>ap-southeast-2</BucketRegion></Bucket></Buckets>"
                                 "</ListAllMyBucketsResult>"));

  ASSERT_TRUE(harness.client->list_buckets().has_value());
  ASSERT_TRUE(harness.client->list_objects_page(listing("far")).has_value());

  EXPECT_EQ(harness.transport->requests().at(1).url.rfind("https://far.s3.ap-southeast-2.amazonaws.com/?", 0), 0u);
}

// ---------------------------------------------------------------- ListBuckets

std::string buckets_page(const std::vector<std::string>& names, const std::string& token) {
  std::string body = "<ListAllMyBucketsResult><Buckets>";
  for (const auto& name : names) {
    body += "<Bucket><Name>" + name + "</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket>";
  }
  body += "</Buckets>";
  if (!token.empty()) body += "<ContinuationToken>" + token + "</ContinuationToken>";
  return body + "</ListAllMyBucketsResult>";
}

TEST(ClientListBuckets, FollowsContinuationTokens) {
  Harness harness;
  harness.transport->then(answer(200, buckets_page({"a", "b"}, "next/1=")));
  harness.transport->then(answer(200, buckets_page({"c"}, "")));

  const auto buckets = harness.client->list_buckets();

  ASSERT_TRUE(buckets.has_value()) << buckets.error().describe();
  ASSERT_EQ(buckets->size(), 3u);
  EXPECT_EQ((*buckets)[2].name.str(), "c");
  EXPECT_EQ((*buckets)[0].creation_date, "2024-01-01T00:00:00Z");
  ASSERT_EQ(harness.transport->requests().size(), 2u);
  EXPECT_EQ(harness.transport->requests()[1].url, "http://127.0.0.1:9000/?continuation-token=next%2F1%3D");
}

TEST(ClientListBuckets, RepeatedTokenIsServiceError) {
  Harness harness;
  harness.transport->then(answer(200, buckets_page({"a"}, "T")));
  harness.transport->then(answer(200, buckets_page({"a"}, "T")));
  harness.transport->then(answer(200, buckets_page({"a"}, "T")));

  const auto buckets = harness.client->list_buckets();

  ASSERT_FALSE(buckets.has_value());
  EXPECT_EQ(buckets.error().category, ErrorCategory::kService);
  EXPECT_EQ(buckets.error().message, "repeated continuation token");
  EXPECT_EQ(harness.transport->requests().size(), 2u);
}

TEST(ClientListBuckets, AccessDeniedIsPermissions) {
  Harness harness;
  harness.transport->then(answer(403, error_body("AccessDenied")));

  const auto buckets = harness.client->list_buckets();

  ASSERT_FALSE(buckets.has_value());
  EXPECT_EQ(buckets.error().category, ErrorCategory::kPermissions);
  EXPECT_NE(buckets.error().hint.find("s3:ListAllMyBuckets"), std::string::npos);
}

// ---------------------------------------------------------------- paginator

TEST(ObjectPaginator, ContinuesThroughEmptyPage) {
  Harness harness;
  harness.transport->then(answer(200, listing_page({"a", "b", "c"}, true, "T1")));
  harness.transport->then(answer(200, listing_page({}, true, "T2")));
  harness.transport->then(answer(200, listing_page({"d", "e"}, false, "")));
  ObjectPaginator pages(*harness.client, listing("holes"));

  std::size_t objects = 0;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = pages.next();
    ASSERT_TRUE(page.has_value()) << page.error().describe();
    if (!page->has_value()) break;
    objects += (*page)->objects.size();
  }

  EXPECT_EQ(objects, 5u);
  EXPECT_EQ(pages.pages_fetched(), 3);
  const auto& requests = harness.transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url.find("continuation-token"), std::string::npos);
  EXPECT_NE(requests[1].url.find("continuation-token=T1"), std::string::npos);
  EXPECT_NE(requests[2].url.find("continuation-token=T2"), std::string::npos);
  for (const auto& request : requests) EXPECT_NE(request.url.find("encoding-type=url"), std::string::npos);
}

TEST(ObjectPaginator, EmptyBucketEndsAfterOnePage) {
  Harness harness;
  harness.transport->then(answer(200, listing_page({}, false, "")));
  ObjectPaginator pages(*harness.client, listing("void"));

  auto first = pages.next();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_value());
  EXPECT_TRUE((*first)->objects.empty());

  auto end = pages.next();
  ASSERT_TRUE(end.has_value());
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(ObjectPaginator, TruncatedWithoutTokenStopsAfterPage) {
  Harness harness;
  harness.transport->then(answer(200, listing_page({"k1", "k2"}, true, "")));
  ObjectPaginator pages(*harness.client, listing("ceph1"));

  auto first = pages.next();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->objects.size(), 2u);

  auto failure = pages.next();
  ASSERT_FALSE(failure.has_value());
  EXPECT_EQ(failure.error().category, ErrorCategory::kService);
  EXPECT_NE(failure.error().message.find("truncated listing without a continuation token"), std::string::npos);
  EXPECT_EQ(failure.error().context, "listing bucket ceph1");

  auto again = pages.next();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().message, failure.error().message);
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(ObjectPaginator, RepeatedTokenStopsWithinTwoRequests) {
  Harness harness;
  harness.transport->then(answer(200, listing_page({"k1"}, true, "T")));
  harness.transport->then(answer(200, listing_page({"k1"}, true, "T")));
  harness.transport->then(answer(200, listing_page({"k1"}, true, "T")));
  ObjectPaginator pages(*harness.client, listing("wasabi1"));

  int pages_seen = 0;
  S3Error failure;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = pages.next();
    if (!page) {
      failure = page.error();
      break;
    }
    ASSERT_TRUE(page->has_value());
    ++pages_seen;
  }

  EXPECT_EQ(pages_seen, 2);
  EXPECT_EQ(failure.category, ErrorCategory::kService);
  EXPECT_NE(failure.message.find("repeated continuation token"), std::string::npos);
  EXPECT_EQ(harness.transport->requests().size(), 2u);
}

TEST(ObjectPaginator, ResumedTokenCountsAsSeen) {
  Harness harness;
  harness.transport->then(answer(200, listing_page({"k"}, true, "START")));
  ListObjectsRequest request = listing("b");
  request.continuation_token = "START";
  ObjectPaginator pages(*harness.client, request);

  ASSERT_TRUE(pages.next().has_value());
  EXPECT_FALSE(pages.next().has_value());
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(ObjectPaginator, ErrorIsSticky) {
  Harness harness;
  harness.transport->then(answer(403, error_body("AccessDenied")));
  ObjectPaginator pages(*harness.client, listing("secret"));

  auto first = pages.next();
  auto second = pages.next();

  ASSERT_FALSE(first.has_value());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().category, ErrorCategory::kPermissions);
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

// ---------------------------------------------------------------- endpoint URLs

TEST(EndpointValidation, AcceptsBaseUrls) {
  for (const std::string url : {"http://127.0.0.1:9000", "https://s3.test", "https://s3.test:8443/",
                                "http://[::1]:9000", "HTTPS://S3.Example.COM", "http://minio_1:9000",
                                "https://s3.eu-west-1.amazonaws.com"}) {
    SCOPED_TRACE(url);
    const auto valid = validate_endpoint_url(url);
    EXPECT_TRUE(valid.has_value()) << valid.error().message;
  }
}

TEST(EndpointValidation, RejectsOtherForms) {
  for (const std::string url :
       {"", "127.0.0.1:9000", "ftp://host", "http://", "http://host/path", "http://host/bucket/", "http://host?x=1",
        "http://host#frag", "http://host:0", "http://host:99999", "http://host:", "http://host:12ab", "http://ho st",
        "http://[zz]:1", "http://a..b", "http://.a", "http://host\n"}) {
    SCOPED_TRACE(url);
    const auto valid = validate_endpoint_url(url);
    ASSERT_FALSE(valid.has_value());
    EXPECT_EQ(valid.error().category, ErrorCategory::kConfiguration);
    EXPECT_NE(valid.error().message.find("invalid endpoint URL"), std::string::npos);
    EXPECT_NE(valid.error().message.find("expected http://host[:port]"), std::string::npos);
  }
}

TEST(EndpointValidation, NamesTheValue) {
  const auto valid = validate_endpoint_url("http://host/path");

  ASSERT_FALSE(valid.has_value());
  EXPECT_NE(valid.error().message.find("\"http://host/path\""), std::string::npos);
  EXPECT_NE(valid.error().message.find("path"), std::string::npos);
}

TEST(EndpointValidation, NeverEchoesUserInfo) {
  const auto valid = validate_endpoint_url("http://admin:hunter2@127.0.0.1:9000");

  ASSERT_FALSE(valid.has_value());
  EXPECT_EQ(valid.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(valid.error().message.find("user info"), std::string::npos);
}

}  // namespace
}  // namespace s3cat::s3
