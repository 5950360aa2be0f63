// Profiles of the shared files: merging, role_arn with source_profile or
// credential_source, and credential_process (run for real through /bin/sh).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "fake_transport.h"
#include "s3/credential_providers.h"
#include "s3/shared_config.h"
#include "temp_directory.h"

namespace s3cat::s3 {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using testing::FakeTransport;
using testing::header_value;
using testing::http_answer;
using testing::TempDirectory;

constexpr char kSts[] = "http://127.0.0.1:5999";

system_clock::time_point fixed_time() { return sys_days(2024y / 5 / 1) + 12h; }

std::string assume_role_answer(const std::string& key_id) {
  return "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
         "<Credentials><AccessKeyId>" + key_id + "</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey>"
         "<SessionToken>role-token</SessionToken><Expiration>2024-05-01T13:00:00Z</Expiration></Credentials>"
         "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/reader/s</Arn></AssumedRoleUser>"
         "</AssumeRoleResult></AssumeRoleResponse>";
}

struct ProfileHarness {
  TempDirectory home;
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  Environment environment{{"HOME", home.path().string()},
                          {"AWS_EC2_METADATA_DISABLED", "true"},
                          {"AWS_ENDPOINT_URL_STS", kSts},
                          {"PATH", "/usr/bin:/bin"}};

  ProviderOptions options() const {
    ProviderOptions result;
    result.environment = environment;
    result.transport = transport;
    result.metadata_transport = transport;
    result.clock = fixed_time;
    return result;
  }

  Result<Credentials> resolve() {
    const ChainSource source = detect_profile_credentials(options());
    if (source.error) return std::unexpected(*source.error);
    if (!source.provider) {
      S3Error error;
      error.message = "passed over: " + source.passed_over;
      return std::unexpected(error);
    }
    return source.provider->resolve();
  }
};

TEST(SharedConfig, CredentialsFileWinsOverConfigFile) {
  TempDirectory home;
  home.write(".aws/config", "[profile dev]\nregion = eu-west-1\naws_access_key_id = AKIACONFIG\n");
  home.write(".aws/credentials", "[dev]\naws_access_key_id = AKIACREDS\n");

  const SharedConfig config = SharedConfig::load({{"HOME", home.path().string()}});
  const auto profile = config.profile("dev");

  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ(profile->settings.at("aws_access_key_id"), "AKIACREDS");
  EXPECT_EQ(profile->settings.at("region"), "eu-west-1");
  EXPECT_EQ(profile->keys_from, "shared credentials file");
  EXPECT_FALSE(config.profile("other").has_value());
}

TEST(SharedConfig, ConfigFileNeedsProfilePrefix) {
  TempDirectory home;
  home.write(".aws/config", "[dev]\naws_access_key_id = AKIAWRONG\n[profile default]\nregion = us-west-2\n");

  const SharedConfig config = SharedConfig::load({{"HOME", home.path().string()}});

  EXPECT_FALSE(config.profile("dev").has_value());
  ASSERT_TRUE(config.profile("default").has_value());
  EXPECT_EQ(config.profile("default")->settings.at("region"), "us-west-2");
}

TEST(SharedConfig, SelectedProfileFromEnvironment) {
  EXPECT_EQ(SharedConfig::selected_profile({}), "default");
  EXPECT_EQ(SharedConfig::selected_profile({{"AWS_DEFAULT_PROFILE", "old"}}), "old");
  EXPECT_EQ(SharedConfig::selected_profile({{"AWS_PROFILE", "new"}, {"AWS_DEFAULT_PROFILE", "old"}}), "new");
}

TEST(ProfileRole, AssumesRoleWithSourceProfileKeys) {
  ProfileHarness harness;
  harness.home.write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n");
  harness.home.write(".aws/config",
                     "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = base\n"
                     "external_id = ext-42\nrole_session_name = catalog-session\nregion = eu-west-1\n");
  harness.environment["AWS_PROFILE"] = "reader";
  harness.transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIAROLE")));

  const auto credentials = harness.resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAROLE");
  EXPECT_EQ(credentials->session_token.reveal(), "role-token");
  EXPECT_EQ(credentials->provider, "assume role (shared credentials file)");
  const auto requests = harness.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& body = requests[0].body;
  EXPECT_NE(body.find("Action=AssumeRole&Version=2011-06-15"), std::string::npos) << body;
  EXPECT_NE(body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Freader"), std::string::npos) << body;
  EXPECT_NE(body.find("RoleSessionName=catalog-session"), std::string::npos) << body;
  EXPECT_NE(body.find("ExternalId=ext-42"), std::string::npos) << body;
  const std::string authorization = header_value(requests[0], "Authorization");
  EXPECT_NE(authorization.find("Credential=AKIABASE/20240501/eu-west-1/sts/aws4_request"), std::string::npos)
      << authorization;
}

TEST(ProfileRole, SelfReferenceUsesOwnKeys) {
  ProfileHarness harness;
  harness.home.write(".aws/credentials",
                     "[default]\naws_access_key_id = AKIASELF\naws_secret_access_key = s\n"
                     "role_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = default\n");
  harness.transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIAROLE")));

  const auto credentials = harness.resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAROLE");
  EXPECT_NE(header_value(harness.transport->requests().at(0), "Authorization").find("Credential=AKIASELF/"),
            std::string::npos);
}

TEST(ProfileRole, ChainsRolesThroughSourceProfiles) {
  ProfileHarness harness;
  harness.home.write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = s\n");
  harness.home.write(".aws/config",
                     "[profile first]\nrole_arn = arn:aws:iam::1:role/first\nsource_profile = base\n"
                     "[profile second]\nrole_arn = arn:aws:iam::2:role/second\nsource_profile = first\n");
  harness.environment["AWS_PROFILE"] = "second";
  harness.transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIAFIRST")));
  harness.transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIASECOND")));

  const auto credentials = harness.resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIASECOND");
  const auto requests = harness.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].body.find("role%2Ffirst"), std::string::npos);
  EXPECT_NE(header_value(requests[0], "Authorization").find("Credential=AKIABASE/"), std::string::npos);
  EXPECT_NE(requests[1].body.find("role%2Fsecond"), std::string::npos);
  EXPECT_NE(header_value(requests[1], "Authorization").find("Credential=ASIAFIRST/"), std::string::npos);
}

TEST(ProfileRole, CredentialSourceEnvironment) {
  ProfileHarness harness;
  harness.home.write(".aws/config",
                     "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n");
  harness.environment["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  harness.environment["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  harness.transport->on("POST", std::string(kSts) + "/", http_answer(200, assume_role_answer("ASIAROLE")));

  const auto credentials = harness.resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->provider, "assume role (environment)");
}

TEST(ProfileRole, LoopIsConfigurationError) {
  ProfileHarness harness;
  harness.home.write(".aws/config",
                     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
                     "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
  harness.environment["AWS_PROFILE"] = "a";

  const auto credentials = harness.resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().category, ErrorCategory::kConfiguration);
  EXPECT_TRUE(harness.transport->requests().empty());
}

TEST(ProfileRole, RejectsUnusableSettings) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"role_arn = arn:aws:iam::1:role/r\n", "without source_profile or credential_source"},
      {"role_arn = arn:aws:iam::1:role/r\nsource_profile = nowhere\n", "source profile is not defined"},
      {"role_arn = arn:aws:iam::1:role/r\ncredential_source = Somewhere\n", "is not one of"},
      {"role_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n", "gives no credentials"},
      {"role_arn = arn:aws:iam::1:role/r\nsource_profile = default\nmfa_serial = arn:aws:iam::1:mfa/u\n",
       "MFA"},
      {"role_arn = arn:aws:iam::1:role/r\nsource_profile = default\nduration_seconds = 60\n",
       "duration_seconds"},
  };
  for (const auto& [settings, expected] : cases) {
    ProfileHarness harness;
    harness.home.write(".aws/config", "[default]\naws_access_key_id = A\naws_secret_access_key = s\n" + settings);

    const auto credentials = harness.resolve();

    ASSERT_FALSE(credentials.has_value()) << settings;
    EXPECT_EQ(credentials.error().category, ErrorCategory::kConfiguration) << settings;
    EXPECT_NE(credentials.error().message.find(expected), std::string::npos)
        << settings << ": " << credentials.error().message;
  }
}

TEST(ProfileSources, SsoProfileIsPassedOver) {
  ProfileHarness harness;
  harness.home.write(".aws/config", "[default]\nsso_session = corp\n");

  const ChainSource source = detect_profile_credentials(harness.options());

  EXPECT_FALSE(source.provider);
  EXPECT_NE(source.passed_over.find("sso_session"), std::string::npos) << source.passed_over;
}

TEST(CredentialProcess, ParsesVersionOneOutput) {
  ProfileHarness harness;
  harness.home.write(".aws/config",
                     "[default]\ncredential_process = printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", "
                     "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"proc-token\", "
                     "\"Expiration\": \"2024-05-01T12:30:00Z\"}'\n");

  const auto credentials = harness.resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAPROC");
  EXPECT_EQ(credentials->secret_access_key.reveal(), "proc-secret");
  EXPECT_EQ(credentials->session_token.reveal(), "proc-token");
  ASSERT_TRUE(credentials->expiration.has_value());
  EXPECT_EQ(*credentials->expiration, fixed_time() + 30min);
  EXPECT_EQ(credentials->provider, "credential process (profile default)");
}

TEST(CredentialProcess, PassesTheEnvironment) {
  ProfileHarness harness;
  harness.environment["CATALOG_TEST_KEY"] = "AKIAFROMENV";
  harness.home.write(".aws/config",
                     "[default]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                     "\"SecretAccessKey\": \"s\"}' \"$CATALOG_TEST_KEY\"\n");

  const auto credentials = harness.resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIAFROMENV");
  EXPECT_FALSE(credentials->expiration.has_value());
}

TEST(CredentialProcess, RejectsBadOutput) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"printf '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\"}'", "Version"},
      {"printf 'not json'", "JSON object"},
      {"printf '{\"Version\": 1, \"AccessKeyId\": \"A\"}'", "SecretAccessKey is missing"},
      {"echo secret-output-value; exit 3", "exited with status 3"},
  };
  for (const auto& [command, expected] : cases) {
    ProfileHarness harness;
    harness.home.write(".aws/config", "[default]\ncredential_process = " + command + "\n");

    const auto credentials = harness.resolve();

    ASSERT_FALSE(credentials.has_value()) << command;
    EXPECT_EQ(credentials.error().category, ErrorCategory::kAuthentication) << command;
    EXPECT_NE(credentials.error().message.find(expected), std::string::npos)
        << command << ": " << credentials.error().message;
    EXPECT_EQ(credentials.error().describe().find("secret-output-value"), std::string::npos);
  }
}

TEST(CredentialProcess, RunsAgainAfterExpiry) {
  ProfileHarness harness;
  const auto counter = harness.home.path() / "count";
  harness.home.write(".aws/config",
                     "[default]\ncredential_process = echo x >> '" + counter.string() +
                         "'; printf '{\"Version\": 1, \"AccessKeyId\": \"ASIA%s\", \"SecretAccessKey\": \"s\"}' "
                         "$(wc -l < '" + counter.string() + "')\n");
  const ChainSource source = detect_profile_credentials(harness.options());
  ASSERT_TRUE(source.provider);
  const auto first = source.provider->resolve();
  ASSERT_TRUE(first.has_value()) << first.error().describe();
  S3Error rejection;
  rejection.code = "ExpiredToken";

  const auto second = source.provider->refresh_after_expiry(rejection, *first);

  ASSERT_TRUE(second.has_value()) << second.error().describe();
  EXPECT_EQ(first->access_key_id, "ASIA1");
  EXPECT_EQ(second->access_key_id, "ASIA2");
}

}  // namespace
}  // namespace s3cat::s3
