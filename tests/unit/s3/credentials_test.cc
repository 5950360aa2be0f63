#include "s3/credentials.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace s3cat::s3 {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp folder, removed with its contents.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (fs::temp_directory_path() / "s3cat-credentials-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

  fs::path write(const std::string& relative, const std::string& text) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  fs::path path_;
};

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
    "aws_session_token = work-token\n"
    "\n"
    "[assumer]\n"
    "role_arn = arn:aws:iam::123456789012:role/reader\n"
    "source_profile = default\n";

Environment base_environment(const TempDirectory& home) {
  return {{"HOME", home.path().string()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
}

TEST(DefaultChain, PrefersEnvironment) {
  TempDirectory home;
  home.write(".aws/credentials", kCredentialsFile);
  Environment environment = base_environment(home);
  environment["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  environment["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  environment["AWS_SESSION_TOKEN"] = "env-token";

  const auto credentials = make_default_chain_provider(environment)->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(credentials->secret_access_key.reveal(), "env-secret");
  EXPECT_EQ(credentials->session_token.reveal(), "env-token");
  EXPECT_EQ(credentials->provider, "environment");
}

TEST(DefaultChain, ReadsHomeCredentialsFile) {
  TempDirectory home;
  home.write(".aws/credentials", kCredentialsFile);

  const auto credentials = make_default_chain_provider(base_environment(home))->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(credentials->secret_access_key.reveal(), "default-secret");
  EXPECT_TRUE(credentials->session_token.empty());
  EXPECT_EQ(credentials->provider, "shared credentials file");
}

TEST(DefaultChain, HonoursProfileAndFileVariables) {
  TempDirectory home;
  const fs::path file = home.write("elsewhere/creds.ini", kCredentialsFile);
  Environment environment = base_environment(home);
  environment["AWS_SHARED_CREDENTIALS_FILE"] = file.string();
  environment["AWS_PROFILE"] = "work";

  const auto credentials = make_default_chain_provider(environment)->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIAWORK");
  EXPECT_EQ(credentials->session_token.reveal(), "work-token");
}

TEST(DefaultChain, ReadsConfigFileProfile) {
  TempDirectory home;
  home.write(".aws/config",
             "[default]\nregion = eu-west-1\n\n[profile dev]\naws_access_key_id = AKIADEV\n"
             "aws_secret_access_key = dev-secret\n");
  Environment environment = base_environment(home);
  environment["AWS_PROFILE"] = "dev";

  const auto credentials = make_default_chain_provider(environment)->resolve();

  ASSERT_TRUE(credentials.has_value()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIADEV");
  EXPECT_EQ(credentials->provider, "shared config file");
}

TEST(DefaultChain, ReportsEverySourceWhenNothingFound) {
  TempDirectory home;

  const auto credentials = make_default_chain_provider(base_environment(home))->resolve();

  ASSERT_FALSE(credentials.has_value());
  const S3Error& error = credentials.error();
  EXPECT_EQ(error.category, ErrorCategory::kAuthentication);
  EXPECT_FALSE(error.hint.empty());
  const std::string home_path = home.path().string();
  const std::string expected =
      "no credentials found in the default chain: environment (AWS_ACCESS_KEY_ID not set), "
      "shared credentials file (" + home_path + "/.aws/credentials: not found), "
      "shared config file (" + home_path + "/.aws/config: not found), "
      "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set), "
      "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI "
      "not set), instance metadata (disabled by AWS_EC2_METADATA_DISABLED)";
  EXPECT_EQ(error.message, expected);
}

TEST(DefaultChain, ExplainsMissingProfileAndHalfSetEnvironment) {
  TempDirectory home;
  home.write(".aws/credentials", kCredentialsFile);
  Environment environment = base_environment(home);
  environment["AWS_PROFILE"] = "nobody";
  environment["AWS_ACCESS_KEY_ID"] = "AKIAHALF";
  environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";

  const auto credentials = make_default_chain_provider(environment)->resolve();

  ASSERT_FALSE(credentials.has_value());
  const std::string& message = credentials.error().message;
  EXPECT_NE(message.find("environment (AWS_ACCESS_KEY_ID is set, but AWS_SECRET_ACCESS_KEY is not)"),
            std::string::npos) << message;
  EXPECT_NE(message.find("profile \"nobody\" not found"), std::string::npos) << message;
  EXPECT_NE(message.find("web identity (AWS_WEB_IDENTITY_TOKEN_FILE is set, but web identity is not supported yet)"),
            std::string::npos) << message;
}

TEST(DefaultChain, NamesUnsupportedRoleProfile) {
  TempDirectory home;
  home.write(".aws/credentials", kCredentialsFile);
  Environment environment = base_environment(home);
  environment["AWS_PROFILE"] = "assumer";

  const auto credentials = make_default_chain_provider(environment)->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_NE(credentials.error().message.find("profile \"assumer\" uses role_arn, which is not supported yet"),
            std::string::npos) << credentials.error().message;
}

TEST(DefaultChain, MessageNeverContainsSecrets) {
  TempDirectory home;
  home.write(".aws/credentials", "[default]\naws_secret_access_key = very-secret-value\n");
  Environment environment = base_environment(home);
  environment["AWS_SECRET_ACCESS_KEY"] = "another-secret-value";

  const auto credentials = make_default_chain_provider(environment)->resolve();

  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().describe().find("secret-value"), std::string::npos);
}

TEST(DefaultChain, RefreshRereadsTheFile) {
  TempDirectory home;
  home.write(".aws/credentials", "[default]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n");
  const auto provider = make_default_chain_provider(base_environment(home));
  ASSERT_TRUE(provider->resolve().has_value());
  S3Error rejection;
  rejection.http_status = 400;
  rejection.code = "ExpiredToken";

  home.write(".aws/credentials", "[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\n");
  const auto refreshed = provider->refresh_after_expiry(rejection);
  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().describe();
  EXPECT_EQ(refreshed->access_key_id, "AKIANEW");
  EXPECT_EQ(provider->resolve()->access_key_id, "AKIANEW");

  const auto unchanged = provider->refresh_after_expiry(rejection);
  ASSERT_FALSE(unchanged.has_value());
  EXPECT_EQ(unchanged.error().category, ErrorCategory::kAuthentication);
  EXPECT_EQ(unchanged.error().code, "ExpiredToken");
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

  const auto refreshed = make_static_provider(input)->refresh_after_expiry(rejection);

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
