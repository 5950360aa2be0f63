// The static provider, the environment and the default chain's order, with a
// test Environment map and a fake transport, so no test reads the real
// environment or sends a request.
#include "s3/credentials.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "fake_transport.h"
#include "s3/credential_providers.h"
#include "temp_directory.h"

namespace s3cat::s3 {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using testing::FakeTransport;
using testing::header_value;
using testing::http_answer;
using testing::TempDirectory;

constexpr char kCredentialsFile[] =
    "# comment line\n"
    "[default]\n"
    "aws_access_key_id = AKIADEFAULT\n"
    "aws_secret_access_key=default-secret\n"
    "\n"
    "; another comment\n"
    "[work]\n"
    "aws_access_key_id = AKIAWORK\n"
    "aws_secret_access_key = work-secret\n"
    "aws_session_token = work-token\n";

constexpr char kStsEndpoint[] = "http://127.0.0.1:5999";
constexpr char kContainerUrl[] = "http://127.0.0.1:6001/creds";
constexpr char kMetadataEndpoint[] = "http://127.0.0.1:6002";

system_clock::time_point fixed_time() { return sys_days(2024y / 5 / 1) + 12h; }

std::string json_credentials(const std::string& key_id, const std::string& expiration = "2024-05-01T13:00:00Z") {
  return R"({"AccessKeyId": ")" + key_id + R"(", "SecretAccessKey": "secret-)" + key_id +
         R"(", "Token": "token-)" + key_id + R"(", "Expiration": ")" + expiration + R"("})";
}

std::string web_identity_answer(const std::string& key_id) {
  return "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
         "<AccessKeyId>" + key_id + "</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
         "<SessionToken>t</SessionToken><Expiration>2024-05-01T13:00:00Z</Expiration></Credentials>"
         "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
}

// A chain whose every network source is scripted on one fake transport.
struct ChainHarness {
  TempDirectory home;
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  Environment environment{{"HOME", home.path().string()}, {"AWS_EC2_METADATA_DISABLED", "true"}};

  std::shared_ptr<CredentialsProvider> chain() {
    ProviderOptions options;
    options.environment = environment;
    options.transport = transport;
    options.metadata_transport = transport;
    options.clock = fixed_time;
    return make_default_chain_provider(std::move(options));
  }

  void enable_web_identity(const std::string& key_id) {
    environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = home.write("token", "web-token\n").string();
    environment["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/web";
    environment["AWS_ENDPOINT_URL_STS"] = kStsEndpoint;
    transport->on("POST", std::string(kStsEndpoint) + "/", http_answer(200, web_identity_answer(key_id)));
  }

  void enable_container(const std::string& key_id) {
    environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = kContainerUrl;
    transport->on("GET", kContainerUrl, http_answer(200, json_credentials(key_id)));
  }

  void enable_instance_metadata(const std::string& key_id) {
    environment.erase("AWS_EC2_METADATA_DISABLED");
    environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = kMetadataEndpoint;
    const std::string base = std::string(kMetadataEndpoint) + "/latest/";
    transport->on("PUT", base + "api/token", http_answer(200, "imds-token"));
    transport->on("GET", base + "meta-data/iam/security-credentials/", http_answer(200, "reader\n"));
    transport->on("GET", base + "meta-data/iam/security-credentials/reader", http_answer(200, json_credentials(key_id)));
  }
};

TEST(DefaultChain, PrefersEnvironment) {
  ChainHarness harness;
  harness.home.write(".aws/credentials", kCredentialsFile);
  harness.environment["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  harness.environment["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  harness.environment["AWS_SESSION_TOKEN"] = "env-token";
  harness.enable_container("ASIACONTAINER");

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(credentials->secret_access_key.reveal(), "env-secret");
  EXPECT_EQ(credentials->session_token.reveal(), "env-token");
  EXPECT_EQ(credentials->provider, "environment");
  EXPECT_TRUE(harness.transport->requests().empty());
}

TEST(DefaultChain, ReadsHomeCredentialsFile) {
  ChainHarness harness;
  harness.home.write(".aws/credentials", kCredentialsFile);

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(credentials->secret_access_key.reveal(), "default-secret");
  EXPECT_TRUE(credentials->session_token.empty());
  EXPECT_EQ(credentials->provider, "shared credentials file");
}

TEST(DefaultChain, HonoursProfileAndFileVariables) {
  ChainHarness harness;
  const auto file = harness.home.write("elsewhere/creds.ini", kCredentialsFile);
  harness.environment["AWS_SHARED_CREDENTIALS_FILE"] = file.string();
  harness.environment["AWS_PROFILE"] = "work";

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIAWORK");
  EXPECT_EQ(credentials->session_token.reveal(), "work-token");
}

TEST(DefaultChain, ReadsConfigFileProfile) {
  ChainHarness harness;
  harness.home.write(".aws/config",
                     "[default]\nregion = eu-west-1\n\n[profile dev]\naws_access_key_id = AKIADEV\n"
                     "aws_secret_access_key = dev-secret\n");
  harness.environment["AWS_PROFILE"] = "dev";

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIADEV");
  EXPECT_EQ(credentials->provider, "shared config file");
}

TEST(DefaultChain, ProfileBeatsWebIdentity) {
  ChainHarness harness;
  harness.home.write(".aws/credentials", kCredentialsFile);
  harness.enable_web_identity("ASIAWEB");

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIADEFAULT");
  EXPECT_TRUE(harness.transport->requests().empty());
}

TEST(DefaultChain, WebIdentityBeatsContainer) {
  ChainHarness harness;
  harness.enable_web_identity("ASIAWEB");
  harness.enable_container("ASIACONTAINER");

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAWEB");
  EXPECT_EQ(credentials->provider, "web identity");
  ASSERT_EQ(harness.transport->requests().size(), 1u);
  EXPECT_EQ(harness.transport->requests()[0].method, "POST");
}

TEST(DefaultChain, ContainerBeatsInstanceMetadata) {
  ChainHarness harness;
  harness.enable_container("ASIACONTAINER");
  harness.enable_instance_metadata("ASIAINSTANCE");

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(credentials->provider, "container credentials");
  ASSERT_EQ(harness.transport->requests().size(), 1u);
  EXPECT_EQ(harness.transport->requests()[0].url, kContainerUrl);
}

TEST(DefaultChain, FallsBackToInstanceMetadata) {
  ChainHarness harness;
  harness.enable_instance_metadata("ASIAINSTANCE");

  const auto credentials = harness.chain()->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAINSTANCE");
  EXPECT_EQ(credentials->provider, "instance metadata (role reader)");
  ASSERT_TRUE(credentials->expiration.has_value());
  EXPECT_EQ(*credentials->expiration, fixed_time() + 1h);
}

TEST(DefaultChain, KeepsTheSelectedSource) {
  ChainHarness harness;
  harness.enable_container("ASIACONTAINER");
  const auto chain = harness.chain();
  ASSERT_TRUE(chain->resolve().has_value());

  // A later resolve() calls only the selected provider, which returns its cached keys.
  const auto again = chain->resolve();

  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(harness.transport->requests().size(), 1u);
}

TEST(DefaultChain, ReportsEverySourceWhenNothingFound) {
  ChainHarness harness;

  const auto credentials = harness.chain()->resolve();

  ASSERT_FALSE(credentials.has_value());
  const S3Error& error = credentials.error();
  EXPECT_EQ(error.category, ErrorCategory::kAuthentication);
  EXPECT_FALSE(error.hint.empty());
  const std::string home = harness.home.path().string();
  const std::string expected =
      "no credentials found in the default chain: environment (AWS_ACCESS_KEY_ID not set), "
      "shared credentials and config files (profile \"default\": shared credentials file " + home +
      "/.aws/credentials: not found; shared config file " + home + "/.aws/config: not found), "
      "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set), "
      "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI "
      "not set), instance metadata (disabled by AWS_EC2_METADATA_DISABLED)";
  EXPECT_EQ(error.message, expected);
}

TEST(DefaultChain, ExplainsMissingProfileAndHalfSetEnvironment) {
  ChainHarness harness;
  harness.home.write(".aws/credentials", kCredentialsFile);
  harness.environment["AWS_PROFILE"] = "nobody";
  harness.environment["AWS_ACCESS_KEY_ID"] = "AKIAHALF";
  harness.environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";

  const auto credentials = harness.chain()->resolve();

  ASSERT_FALSE(credentials.has_value());
  const std::string& message = credentials.error().message;
  EXPECT_NE(message.find("environment (AWS_ACCESS_KEY_ID is set, but AWS_SECRET_ACCESS_KEY is not)"),
            std::string::npos) << message;
  EXPECT_NE(message.find("profile \"nobody\" not found"), std::string::npos) << message;
  EXPECT_NE(message.find("web identity (AWS_WEB_IDENTITY_TOKEN_FILE is set, but AWS_ROLE_ARN is not)"),
            std::string::npos) << message;
}

TEST(DefaultChain, UnreachableInstanceMetadataIsPassedOver) {
  ChainHarness harness;
  harness.environment.erase("AWS_EC2_METADATA_DISABLED");
  harness.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = kMetadataEndpoint;
  harness.transport->fail_on("PUT", std::string(kMetadataEndpoint) + "/latest/api/token", TransportFault::kTimeout);

  const auto credentials = harness.chain()->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().category, ErrorCategory::kAuthentication);
  EXPECT_NE(credentials.error().message.find("instance metadata (instance metadata PUT /latest/api/token failed"),
            std::string::npos) << credentials.error().message;
  EXPECT_EQ(harness.transport->requests().size(), 2u) << "one retry";
}

TEST(DefaultChain, FailingConfiguredSourceStopsTheSearch) {
  ChainHarness harness;
  harness.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = kContainerUrl;
  harness.transport->on("GET", kContainerUrl, http_answer(500, "{}"));
  harness.enable_instance_metadata("ASIAINSTANCE");

  const auto credentials = harness.chain()->resolve();

  ASSERT_FALSE(credentials.has_value());
  const S3Error& error = credentials.error();
  EXPECT_EQ(error.category, ErrorCategory::kService);
  EXPECT_EQ(error.http_status, 500);
  EXPECT_NE(error.context.find("using container credentials from the default chain"), std::string::npos)
      << error.describe();
  EXPECT_NE(error.context.find("passed over: environment (AWS_ACCESS_KEY_ID not set)"), std::string::npos)
      << error.describe();
  for (const auto& request : harness.transport->requests()) EXPECT_EQ(request.url, kContainerUrl);
}

TEST(DefaultChain, MessageNeverContainsSecrets) {
  ChainHarness harness;
  harness.home.write(".aws/credentials", "[default]\naws_secret_access_key = very-secret-value\n");
  harness.environment["AWS_SECRET_ACCESS_KEY"] = "another-secret-value";
  harness.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-secret-value";

  const auto credentials = harness.chain()->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().describe().find("secret-value"), std::string::npos);
  EXPECT_EQ(credentials.error().hint.find("secret-value"), std::string::npos);
}

TEST(DefaultChain, RefreshRereadsTheFile) {
  ChainHarness harness;
  harness.home.write(".aws/credentials", "[default]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n");
  const auto provider = harness.chain();
  const auto first = provider->resolve();
  ASSERT_TRUE(first.has_value());
  S3Error rejection;
  rejection.http_status = 400;
  rejection.code = "ExpiredToken";

  harness.home.write(".aws/credentials", "[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\n");
  const auto refreshed = provider->refresh_after_expiry(rejection, *first);
  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().describe();
  EXPECT_EQ(refreshed->access_key_id, "AKIANEW");
  EXPECT_EQ(provider->resolve()->access_key_id, "AKIANEW");

  const auto unchanged = provider->refresh_after_expiry(rejection, *refreshed);
  ASSERT_FALSE(unchanged.has_value());
  EXPECT_EQ(unchanged.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(unchanged.error().code, "ExpiredToken");
}

TEST(DefaultChain, RefreshesTheSelectedContainerSource) {
  ChainHarness harness;
  harness.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = kContainerUrl;
  harness.transport->on("GET", kContainerUrl, http_answer(200, json_credentials("ASIAFIRST")));
  harness.transport->on("GET", kContainerUrl, http_answer(200, json_credentials("ASIASECOND")));
  const auto provider = harness.chain();
  const auto first = provider->resolve();
  ASSERT_TRUE(first.has_value());
  S3Error rejection;
  rejection.code = "ExpiredToken";

  const auto refreshed = provider->refresh_after_expiry(rejection, *first);

  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().describe();
  EXPECT_EQ(refreshed->access_key_id, "ASIASECOND");
}

TEST(EnvironmentCredentials, ReadsSessionToken) {
  const ChainSource source = detect_environment_credentials(
      {{"AWS_ACCESS_KEY_ID", "ASIAENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_SESSION_TOKEN", "t"}});

  ASSERT_TRUE(source.provider);
  const auto credentials = source.provider->resolve();
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->session_token.reveal(), "t");
  EXPECT_EQ(credentials->provider, "environment");
}

TEST(StaticProvider, ReturnsTheKeys) {
  Credentials input;
  input.access_key_id = "AKIASTATIC";
  input.secret_access_key = Secret("static-secret");
  const auto provider = make_static_provider(input);

  const auto credentials = provider->resolve();

  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->access_key_id, "AKIASTATIC");
  EXPECT_EQ(credentials->provider, "static");
  EXPECT_EQ(provider->name(), "static");
}

TEST(StaticProvider, EmptySecretIsAuthenticationError) {
  Credentials input;
  input.access_key_id = "AKIASTATIC";

  const auto credentials = make_static_provider(input)->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().category, ErrorCategory::kAuthentication);
}

TEST(StaticProvider, RefreshReturnsTheRejection) {
  Credentials input;
  input.access_key_id = "AKIASTATIC";
  input.secret_access_key = Secret("static-secret");
  S3Error rejection;
  rejection.operation = "ListObjectsV2";
  rejection.http_status = 400;
  rejection.code = "ExpiredToken";
  rejection.category = ErrorCategory::kAuthentication;

  const auto refreshed = make_static_provider(input)->refresh_after_expiry(rejection, input);

  ASSERT_FALSE(refreshed.has_value());
  EXPECT_EQ(refreshed.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(refreshed.error().code, "ExpiredToken");
  EXPECT_EQ(refreshed.error().operation, "ListObjectsV2");
  EXPECT_FALSE(refreshed.error().hint.empty());
}

TEST(SecretType, PrintsMasked) {
  std::ostringstream out;
  out << Secret("do-not-print");

  EXPECT_EQ(out.str(), "****");
}

TEST(CurrentEnvironment, ReadsProcessVariables) {
  setenv("S3CAT_CREDENTIALS_TEST_VARIABLE", "a=b", 1);

  const Environment environment = current_environment();
  unsetenv("S3CAT_CREDENTIALS_TEST_VARIABLE");

  ASSERT_TRUE(environment.contains("S3CAT_CREDENTIALS_TEST_VARIABLE"));
  EXPECT_EQ(environment.at("S3CAT_CREDENTIALS_TEST_VARIABLE"), "a=b");
}

}  // namespace
}  // namespace s3cat::s3
