// Container credentials, the instance metadata service and web identity,
// against the fake transport: the requests they send and how they parse.
#include <gtest/gtest.h>

#include <string>

#include "fake_transport.h"
#include "s3/credential_providers.h"
#include "temp_directory.h"

namespace s3cat::s3 {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using testing::FakeTransport;
using testing::has_header;
using testing::header_value;
using testing::http_answer;
using testing::TempDirectory;

system_clock::time_point fixed_time() { return sys_days(2024y / 5 / 1) + 12h; }

std::string json_credentials(const std::string& key_id) {
  return R"({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": ")" + key_id +
         R"(", "SecretAccessKey": "secret", "Token": "token", "Expiration": "2024-05-01T18:00:00Z"})";
}

ProviderOptions options_with(Environment environment, std::shared_ptr<FakeTransport> transport) {
  ProviderOptions options;
  options.environment = std::move(environment);
  options.transport = transport;
  options.metadata_transport = transport;
  options.clock = fixed_time;
  return options;
}

// ---------------------------------------------------------------- container credentials

TEST(ContainerCredentials, SendsTokenFromFile) {
  TempDirectory folder;
  const auto token_file = folder.write("token", "file-token\n");
  auto transport = std::make_shared<FakeTransport>();
  transport->on("GET", "http://127.0.0.1:7000/v1/credentials", http_answer(200, json_credentials("ASIACONT")));

  const ChainSource source = detect_container_credentials(options_with(
      {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:7000/v1/credentials"},
       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "variable-token"},
       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.string()}},
      transport));
  ASSERT_TRUE(source.provider);
  const auto credentials = source.provider->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIACONT");
  EXPECT_EQ(credentials->session_token.reveal(), "token");
  EXPECT_EQ(credentials->provider, "container credentials");
  ASSERT_EQ(transport->requests().size(), 1u);
  EXPECT_EQ(header_value(transport->requests()[0], "Authorization"), "file-token");
}

TEST(ContainerCredentials, SendsTokenFromVariable) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("GET", "http://localhost:7000/creds", http_answer(200, json_credentials("ASIACONT")));

  const ChainSource source = detect_container_credentials(options_with(
      {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:7000/creds"},
       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "variable-token"}},
      transport));
  ASSERT_TRUE(source.provider);
  ASSERT_TRUE(source.provider->resolve().has_value());

  EXPECT_EQ(header_value(transport->requests().at(0), "Authorization"), "variable-token");
}

TEST(ContainerCredentials, RelativeUriGoesToEcsAgent) {
  // Only the URL is checked: the fake transport responds, and nothing is sent.
  auto transport = std::make_shared<FakeTransport>();
  transport->on("GET", "http://169.254.170.2/v2/credentials/abc", http_answer(200, json_credentials("ASIAECS")));

  const ChainSource source = detect_container_credentials(options_with(
      {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
       {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:7000/ignored"}},
      transport));
  ASSERT_TRUE(source.provider);
  const auto credentials = source.provider->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_FALSE(has_header(transport->requests().at(0), "Authorization"));
}

TEST(ContainerCredentials, FullUriHostRules) {
  const std::vector<std::pair<std::string, bool>> cases{
      {"http://127.0.0.1:7000/creds", true},
      {"http://127.5.6.7/creds", true},
      {"http://[::1]:7000/creds", true},
      {"http://localhost/creds", true},
      {"http://169.254.170.2/creds", true},
      {"http://169.254.170.23/v1/credentials", true},
      {"http://[fd00:ec2::23]/v1/credentials", true},
      {"https://credentials.example.com/creds", true},
      {"http://credentials.example.com/creds", false},
      {"http://10.0.0.1/creds", false},
      {"http://169.254.169.254/creds", false},
      {"ftp://127.0.0.1/creds", false},
      {"http://user@127.0.0.1/creds", false},
      {"not a url", false},
  };
  for (const auto& [uri, allowed] : cases) {
    const ChainSource source = detect_container_credentials(
        options_with({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", uri}}, std::make_shared<FakeTransport>()));
    EXPECT_EQ(source.provider != nullptr, allowed) << uri;
    EXPECT_EQ(source.error.has_value(), !allowed) << uri;
    if (source.error) {
      EXPECT_EQ(source.error->category, ErrorCategory::kConfiguration) << uri;
    }
  }
}

TEST(ContainerCredentials, PassedOverWithoutVariables) {
  const ChainSource source = detect_container_credentials(options_with({}, std::make_shared<FakeTransport>()));

  EXPECT_FALSE(source.provider);
  EXPECT_FALSE(source.error);
  EXPECT_EQ(source.passed_over,
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set");
}

TEST(ContainerCredentials, RetriesOnceThenReportsStatus) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("GET", "http://127.0.0.1:7000/c", http_answer(503, "busy"));
  const auto provider = make_container_provider({"http://127.0.0.1:7000/c", "", ""}, transport, fixed_time);

  const auto credentials = provider->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().http_status, 503);
  EXPECT_EQ(credentials.error().operation, "container credentials GET");
  EXPECT_EQ(transport->requests().size(), 2u);
}

TEST(ContainerCredentials, ForbiddenIsAuthentication) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("GET", "http://127.0.0.1:7000/c", http_answer(401, "{\"message\": \"bad token\"}"));
  const auto provider = make_container_provider({"http://127.0.0.1:7000/c", "wrong", ""}, transport, fixed_time);

  const auto credentials = provider->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(transport->requests().size(), 1u) << "a 4xx is not retried";
  EXPECT_EQ(credentials.error().describe().find("wrong"), std::string::npos);
}

// ---------------------------------------------------------------- instance metadata

struct MetadataScript {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::string base;

  explicit MetadataScript(std::string endpoint) : base(std::move(endpoint) + "/latest/") {
    transport->on("PUT", base + "api/token", http_answer(200, "session-token"));
    transport->on("GET", base + "meta-data/iam/security-credentials/", http_answer(200, "catalog-role\nother\n"));
    transport->on("GET", base + "meta-data/iam/security-credentials/catalog-role",
                  http_answer(200, json_credentials("ASIAIMDS")));
  }
};

TEST(InstanceMetadata, UsesSessionTokenOnEveryGet) {
  MetadataScript script("http://127.0.0.1:7100");
  const ChainSource source = detect_instance_metadata_credentials(
      options_with({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:7100/"}}, script.transport));
  ASSERT_TRUE(source.provider);

  const auto credentials = source.provider->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAIMDS");
  EXPECT_EQ(credentials->provider, "instance metadata (role catalog-role)");
  const auto requests = script.transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(header_value(requests[0], "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_FALSE(has_header(requests[0], "X-aws-ec2-metadata-token"));
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].method, "GET");
    EXPECT_EQ(header_value(requests[i], "X-aws-ec2-metadata-token"), "session-token") << requests[i].url;
  }
}

TEST(InstanceMetadata, DefaultEndpoints) {
  // Only the URLs are checked: the fake transport responds, and nothing is sent.
  MetadataScript ipv4("http://169.254.169.254");
  auto source = detect_instance_metadata_credentials(options_with({}, ipv4.transport));
  ASSERT_TRUE(source.provider);
  EXPECT_TRUE(source.provider->resolve().has_value());

  MetadataScript ipv6("http://[fd00:ec2::254]");
  source = detect_instance_metadata_credentials(
      options_with({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}, ipv6.transport));
  ASSERT_TRUE(source.provider);
  EXPECT_TRUE(source.provider->resolve().has_value());
}

TEST(InstanceMetadata, DisabledIsPassedOver) {
  auto transport = std::make_shared<FakeTransport>();
  for (const char* value : {"true", "TRUE", "True"}) {
    const ChainSource source =
        detect_instance_metadata_credentials(options_with({{"AWS_EC2_METADATA_DISABLED", value}}, transport));
    EXPECT_FALSE(source.provider) << value;
    EXPECT_EQ(source.passed_over, "disabled by AWS_EC2_METADATA_DISABLED");
  }
  EXPECT_TRUE(transport->requests().empty());
}

TEST(InstanceMetadata, TokenRefusalIsReported) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("PUT", "http://127.0.0.1:7100/latest/api/token", http_answer(405, ""));
  const auto provider = make_instance_metadata_provider("http://127.0.0.1:7100", transport, fixed_time);

  const auto credentials = provider->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_NE(credentials.error().message.find("IMDSv1 is not used"), std::string::npos);
  EXPECT_EQ(transport->requests().size(), 1u);
}

TEST(InstanceMetadata, NoRoleIsReported) {
  auto transport = std::make_shared<FakeTransport>();
  transport->on("PUT", "http://127.0.0.1:7100/latest/api/token", http_answer(200, "t"));
  transport->on("GET", "http://127.0.0.1:7100/latest/meta-data/iam/security-credentials/", http_answer(404, ""));
  const auto provider = make_instance_metadata_provider("http://127.0.0.1:7100", transport, fixed_time);

  const auto credentials = provider->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_NE(credentials.error().message.find("no IAM role"), std::string::npos);
}

TEST(InstanceMetadata, RetriesTimeoutOnce) {
  auto transport = std::make_shared<FakeTransport>();
  transport->fail_on("PUT", "http://127.0.0.1:7100/latest/api/token", TransportFault::kTimeout);
  const auto provider = make_instance_metadata_provider("http://127.0.0.1:7100", transport, fixed_time);

  const auto credentials = provider->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().category, ErrorCategory::kNetwork);
  EXPECT_EQ(credentials.error().attempts, 2);
  EXPECT_EQ(transport->requests().size(), 2u);
}

// ---------------------------------------------------------------- web identity

std::string web_identity_answer() {
  return "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
         "<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
         "<Expiration>2024-05-01T13:00:00Z</Expiration></Credentials>"
         "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
}

TEST(WebIdentity, SendsUnsignedRequestWithToken) {
  TempDirectory folder;
  const auto token_file = folder.write("token", "eyJ.token.value\n");
  auto transport = std::make_shared<FakeTransport>();
  transport->on("POST", "http://127.0.0.1:7200/", http_answer(200, web_identity_answer()));

  const ChainSource source = detect_web_identity_credentials(
      options_with({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file.string()},
                    {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
                    {"AWS_ROLE_SESSION_NAME", "pod-session"},
                    {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:7200"}},
                   transport));
  ASSERT_TRUE(source.provider);
  const auto credentials = source.provider->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAWEB");
  EXPECT_EQ(credentials->provider, "web identity");
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(has_header(requests[0], "Authorization"));
  EXPECT_EQ(requests[0].body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb"
            "&RoleSessionName=pod-session&WebIdentityToken=eyJ.token.value");
}

TEST(WebIdentity, UnreadableTokenIsAuthentication) {
  auto transport = std::make_shared<FakeTransport>();
  WebIdentitySettings settings{"arn:aws:iam::1:role/web", "/nonexistent/token", ""};
  StsOptions sts;
  sts.endpoint_url = "http://127.0.0.1:7200";
  sts.transport = transport;
  sts.clock = fixed_time;

  const auto credentials = make_web_identity_provider(settings, sts)->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().category, ErrorCategory::kAuthentication);
  EXPECT_TRUE(transport->requests().empty());
}

TEST(WebIdentity, DefaultSessionNameIsValid) {
  EXPECT_EQ(default_session_name(fixed_time()), "s3catalog-1714564800");
}

// ---------------------------------------------------------------- JSON documents

TEST(CredentialsJson, AcceptsBothTokenNames) {
  const auto container = parse_credentials_json(R"({"AccessKeyId": "A", "SecretAccessKey": "s", "Token": "t"})",
                                                "test", false);
  const auto process = parse_credentials_json(
      R"({"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": "t"})", "test", false);

  ASSERT_TRUE(container.has_value());
  ASSERT_TRUE(process.has_value());
  EXPECT_EQ(container->session_token.reveal(), "t");
  EXPECT_EQ(process->session_token.reveal(), "t");
}

TEST(CredentialsJson, RejectsIncompleteDocuments) {
  for (const char* body : {"", "[]", "{\"SecretAccessKey\": \"s\"}", "{\"AccessKeyId\": \"A\"}",
                           "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\", \"Expiration\": \"soon\"}"}) {
    const auto credentials = parse_credentials_json(body, "test", false);
    EXPECT_FALSE(credentials.has_value()) << body;
  }
  EXPECT_FALSE(parse_credentials_json(R"({"AccessKeyId": "A", "SecretAccessKey": "s"})", "test", true).has_value());
}

}  // namespace
}  // namespace s3cat::s3
