// The STS client, the assume-role provider and the refresh rules of
// RefreshingProvider, with a fake transport and a movable clock.
#include "s3/sts.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "fake_transport.h"
#include "s3/credential_providers.h"

namespace s3cat::s3 {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using testing::FakeTransport;
using testing::has_header;
using testing::header_value;
using testing::http_answer;

constexpr char kSts[] = "http://127.0.0.1:5999";

system_clock::time_point fixed_time() { return sys_days(2024y / 5 / 1) + 12h; }

std::string assume_role_answer(const std::string& key_id, const std::string& expiration = "2024-05-01T13:00:00Z") {
  return "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
         "<Credentials><AccessKeyId>" + key_id + "</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey>"
         "<SessionToken>role-token</SessionToken><Expiration>" + expiration + "</Expiration></Credentials>"
         "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/reader/catalog</Arn>"
         "<AssumedRoleId>AROA:catalog</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
         "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></AssumeRoleResponse>";
}

std::string sts_error(const std::string& code, const std::string& message) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>" + code +
         "</Code><Message>" + message + "</Message></Error><RequestId>req-err</RequestId></ErrorResponse>";
}

Credentials caller(const std::string& key_id = "AKIACALLER") {
  Credentials credentials;
  credentials.access_key_id = key_id;
  credentials.secret_access_key = Secret("caller-secret");
  credentials.provider = "static";
  return credentials;
}

StsOptions sts_options(std::shared_ptr<FakeTransport> transport) {
  StsOptions options;
  options.endpoint_url = kSts;
  options.region = Region("eu-west-1");
  options.transport = std::move(transport);
  options.clock = fixed_time;
  options.retry.base_delay = 1ms;
  options.retry.max_delay = 2ms;
  return options;
}

// ---------------------------------------------------------------- StsClient

TEST(StsClient, AssumeRoleSignsFormPost) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIAROLE")));
  const StsClient client(sts_options(transport));

  const auto assumed = client.assume_role(
      {"arn:aws:iam::123456789012:role/reader", "catalog", "ext-1", 3600}, caller());

  ASSERT_TRUE(assumed.has_value()) << assumed.error().describe();
  EXPECT_EQ(assumed->credentials.access_key_id, "ASIAROLE");
  EXPECT_EQ(assumed->credentials.secret_access_key.reveal(), "role-secret");
  EXPECT_EQ(assumed->credentials.session_token.reveal(), "role-token");
  EXPECT_EQ(assumed->credentials.expiration, fixed_time() + 1h);
  EXPECT_EQ(assumed->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/reader/catalog");

  const HttpRequest request = transport->requests().at(0);
  EXPECT_EQ(request.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Freader"
            "&RoleSessionName=catalog&ExternalId=ext-1&DurationSeconds=3600");
  EXPECT_EQ(header_value(request, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(header_value(request, "X-Amz-Date"), "20240501T120000Z");
  const std::string authorization = header_value(request, "Authorization");
  EXPECT_TRUE(authorization.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIACALLER/20240501/eu-west-1/sts/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature="))
      << authorization;
}

TEST(StsClient, SendsCallerSessionToken) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIAROLE")));
  Credentials temporary = caller("ASIACALLER");
  temporary.session_token = Secret("caller-token");

  ASSERT_TRUE(StsClient(sts_options(transport)).assume_role({"arn:aws:iam::1:role/r", "s", "", {}}, temporary));

  EXPECT_EQ(header_value(transport->requests().at(0), "X-Amz-Security-Token"), "caller-token");
}

TEST(StsClient, AccessDeniedNamesTrustPolicy) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("POST", std::string(kSts) + "/",
                http_answer(403, sts_error("AccessDenied", "User is not authorized to perform: sts:AssumeRole")));

  const auto assumed = StsClient(sts_options(transport)).assume_role({"arn:aws:iam::1:role/r", "s", "bad", {}}, caller());

  ASSERT_FALSE(assumed.has_value());
  EXPECT_EQ(assumed.error().category, ErrorCategory::kPermissions);
  EXPECT_EQ(assumed.error().operation, "AssumeRole");
  EXPECT_EQ(assumed.error().code, "AccessDenied");
  EXPECT_EQ(assumed.error().request_id, "req-err");
  EXPECT_NE(assumed.error().context.find("arn:aws:iam::1:role/r"), std::string::npos);
  EXPECT_NE(assumed.error().hint.find("external ID"), std::string::npos);
  EXPECT_EQ(transport->requests().size(), 1u);
}

TEST(StsClient, InvalidClientTokenIsAuthentication) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("POST", std::string(kSts) + "/", http_answer(403, sts_error("InvalidClientTokenId", "bad key")));

  const auto identity = StsClient(sts_options(transport)).get_caller_identity(caller());

  ASSERT_FALSE(identity.has_value());
  EXPECT_EQ(identity.error().category, ErrorCategory::kAuthentication);
}

TEST(StsClient, RetriesThrottling) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("POST", std::string(kSts) + "/", http_answer(400, sts_error("Throttling", "Rate exceeded")));
  transport->on("POST", std::string(kSts) + "/",
                http_answer(200, "<GetCallerIdentityResponse><GetCallerIdentityResult>"
                                 "<Arn>arn:aws:iam::123456789012:user/reader</Arn><UserId>AIDA</UserId>"
                                 "<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"));

  const auto identity = StsClient(sts_options(transport)).get_caller_identity(caller());

  ASSERT_TRUE(identity.has_value()) << identity.error().describe();
  EXPECT_EQ(identity->arn, "arn:aws:iam::123456789012:user/reader");
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_EQ(identity->user_id, "AIDA");
  EXPECT_EQ(transport->requests().size(), 2u);
  EXPECT_EQ(transport->requests()[0].body, "Action=GetCallerIdentity&Version=2011-06-15");
}

TEST(StsClient, DefaultEndpointIsRegional) {
  StsOptions options;
  options.region = Region("eu-central-1");
  EXPECT_EQ(StsClient(options).endpoint_description(), "https://sts.eu-central-1.amazonaws.com");
  options.region = Region("cn-north-1");
  EXPECT_EQ(StsClient(options).endpoint_description(), "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST(StsClient, EndpointFromEnvironment) {
  EXPECT_EQ(sts_endpoint_from_environment({}), "");
  EXPECT_EQ(sts_endpoint_from_environment({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}}), "http://127.0.0.1:1");
  EXPECT_EQ(sts_endpoint_from_environment(
                {{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}, {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:2"}}),
            "http://127.0.0.1:2");
}

TEST(StsClient, InvalidEndpointIsConfiguration) {
  auto transport = std::make_shared<FakeTransport>();
  StsOptions options = sts_options(transport);
  options.endpoint_url = "http://127.0.0.1:1/path";

  const auto identity = StsClient(options).get_caller_identity(caller());

  ASSERT_FALSE(identity.has_value());
  EXPECT_EQ(identity.error().category, ErrorCategory::kConfiguration);
  EXPECT_TRUE(transport->requests().empty());
}

TEST(StsResponses, MalformedIsService) {
  for (const char* body : {"", "<AssumeRoleResponse/>", "<Other/>",
                           "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                           "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
                           "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                           "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                           "<Expiration>tomorrow</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"}) {
    const auto parsed = parse_assume_role_response(body, "AssumeRole");
    ASSERT_FALSE(parsed.has_value()) << body;
    EXPECT_EQ(parsed.error().category, ErrorCategory::kService) << body;
  }
}

// ---------------------------------------------------------------- assume-role provider

// A base provider that hands out key 1, then key 2 after an expiry.
class CountingBase final : public CredentialsProvider {
 public:
  Result<Credentials> resolve() override { return caller("AKIABASE" + std::to_string(generation_)); }
  Result<Credentials> refresh_after_expiry(const S3Error&, const Credentials&) override {
    ++generation_;
    return resolve();
  }
  std::string name() const override { return "counting"; }

 private:
  int generation_ = 1;
};

TEST(AssumeRoleProvider, RefreshesBaseAfterExpiredToken) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("POST", std::string(kSts) + "/", http_answer(400, sts_error("ExpiredToken", "expired")));
  transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIAROLE")));
  const auto provider = make_assume_role_provider(std::make_shared<CountingBase>(),
                                                  {"arn:aws:iam::1:role/r", "", "sess", {}}, sts_options(transport));

  const auto credentials = provider->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->provider, "assume role (static)");
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(header_value(requests[0], "Authorization").find("Credential=AKIABASE1/"), std::string::npos);
  EXPECT_NE(header_value(requests[1], "Authorization").find("Credential=AKIABASE2/"), std::string::npos);
}

TEST(AssumeRoleProvider, BaseErrorIsTheResult) {
  auto transport = std::make_shared<FakeTransport>();
  Credentials empty;
  const auto provider = make_assume_role_provider(make_static_provider(empty), {"arn:aws:iam::1:role/r", "", "", {}},
                                                  sts_options(transport));

  const auto credentials = provider->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().category, ErrorCategory::kAuthentication);
  EXPECT_TRUE(transport->requests().empty());
}

// ---------------------------------------------------------------- refresh rules

// A fetch that returns key N on its N-th call, valid for `lifetime`, and a clock tests move.
struct RefreshFixture {
  system_clock::time_point now = fixed_time();
  std::atomic<int> fetches{0};
  seconds lifetime{3600};
  bool fail = false;

  std::shared_ptr<RefreshingProvider> provider() {
    return std::make_shared<RefreshingProvider>(
        "test",
        [this]() -> Result<Credentials> {
          if (fail) {
            S3Error error;
            error.message = "source down";
            error.category = ErrorCategory::kNetwork;
            return std::unexpected(error);
          }
          const int number = ++fetches;
          Credentials credentials = caller("ASIA" + std::to_string(number));
          credentials.expiration = now + lifetime;
          return credentials;
        },
        [this] { return now; });
  }
};

TEST(RefreshingProvider, CachesUntilFiveMinutesBeforeExpiry) {
  RefreshFixture fixture;
  const auto provider = fixture.provider();

  EXPECT_EQ(provider->resolve()->access_key_id, "ASIA1");
  fixture.now += 54min;
  EXPECT_EQ(provider->resolve()->access_key_id, "ASIA1");
  fixture.now += 2min;  // 4 minutes left
  EXPECT_EQ(provider->resolve()->access_key_id, "ASIA2");
  EXPECT_EQ(fixture.fetches, 2);
}

TEST(RefreshingProvider, ShortLivedFetchesRateLimited) {
  RefreshFixture fixture;
  fixture.lifetime = 60s;
  const auto provider = fixture.provider();

  EXPECT_EQ(provider->resolve()->access_key_id, "ASIA1");
  fixture.now += 5s;
  EXPECT_EQ(provider->resolve()->access_key_id, "ASIA1");
  fixture.now += 6s;
  EXPECT_EQ(provider->resolve()->access_key_id, "ASIA2");
}

TEST(RefreshingProvider, KeepsValidCredentialsWhenRefreshFails) {
  RefreshFixture fixture;
  const auto provider = fixture.provider();
  ASSERT_TRUE(provider->resolve().has_value());

  fixture.fail = true;
  fixture.now += 57min;
  const auto kept = provider->resolve();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->access_key_id, "ASIA1");

  fixture.now += 4min;  // expired
  const auto failed = provider->resolve();
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().category, ErrorCategory::kNetwork);
}

TEST(RefreshingProvider, RefreshAfterExpiryFetchesOncePerRejection) {
  RefreshFixture fixture;
  const auto provider = fixture.provider();
  const Credentials first = *provider->resolve();
  S3Error rejection;
  rejection.code = "ExpiredToken";

  // Several workers report the same rejected keys; one fetch serves them all.
  std::vector<std::thread> workers;
  std::atomic<int> refreshed{0};
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      auto renewed = provider->refresh_after_expiry(rejection, first);
      if (renewed && renewed->access_key_id == "ASIA2") ++refreshed;
    });
  }
  for (auto& worker : workers) worker.join();

  EXPECT_EQ(refreshed, 4);
  EXPECT_EQ(fixture.fetches, 2);
}

TEST(RefreshingProvider, SameKeysAfterExpiryAreAnError) {
  auto provider = std::make_shared<RefreshingProvider>("fixed", [] { return Result<Credentials>(caller()); },
                                                       fixed_time);
  const Credentials first = *provider->resolve();
  S3Error rejection;
  rejection.code = "ExpiredToken";
  rejection.http_status = 400;

  const auto renewed = provider->refresh_after_expiry(rejection, first);

  ASSERT_FALSE(renewed.has_value());
  EXPECT_EQ(renewed.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(renewed.error().code, "ExpiredToken");
}

}  // namespace
}  // namespace s3cat::s3
