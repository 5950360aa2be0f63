#include "s3/credentials.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

extern char** environ;

namespace s3cat::s3 {
namespace {

constexpr char kNoCredentialsHint[] =
    "enter an access key ID and secret access key for the source, or provide credentials through "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a shared credentials file profile";

S3Error authentication_error(std::string message, std::string hint) {
  S3Error error;
  error.message = std::move(message);
  error.category = ErrorCategory::kAuthentication;
  error.hint = std::move(hint);
  return error;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials credentials) : credentials_(std::move(credentials)) {
    if (credentials_.provider.empty()) credentials_.provider = "static";
  }

  Result<Credentials> resolve() override {
    if (credentials_.access_key_id.empty() || credentials_.secret_access_key.empty()) {
      return std::unexpected(authentication_error(
          credentials_.access_key_id.empty() ? "the access key ID is empty" : "the secret access key is empty",
          "re-enter the credentials"));
    }
    return credentials_;
  }

  std::string name() const override { return "static"; }

 private:
  Credentials credentials_;
};

// One profile of an INI file: lower-case setting names and their values.
using Profile = std::map<std::string, std::string>;

// Parses the AWS shared-file INI dialect: "[section]" headers, "name = value"
// settings, and '#' or ';' comment lines. Indented lines of nested settings
// ("s3 =" blocks) are read as plain settings, which no caller looks up.
std::map<std::string, Profile> parse_ini(std::istream& input) {
  std::map<std::string, Profile> sections;
  Profile* current = nullptr;
  std::string raw_line;
  while (std::getline(input, raw_line)) {
    const std::string_view line = trim(raw_line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[' && line.back() == ']') {
      current = &sections[std::string(trim(line.substr(1, line.size() - 2)))];
      continue;
    }

    const std::size_t equals = line.find('=');
    if (current == nullptr || equals == std::string_view::npos) continue;
    (*current)[to_lower(trim(line.substr(0, equals)))] = std::string(trim(line.substr(equals + 1)));
  }
  return sections;
}

// Returns the setting that gives a profile its credentials when it has no
// static keys (role_arn, credential_process, ...), or an empty string.
std::string unsupported_profile_source(const Profile& profile) {
  for (const char* setting : {"role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"}) {
    if (profile.contains(setting)) return setting;
  }
  return "";
}

class DefaultChainProvider final : public CredentialsProvider {
 public:
  explicit DefaultChainProvider(Environment environment) : environment_(std::move(environment)) {}

  Result<Credentials> resolve() override {
    std::lock_guard lock(mutex_);
    if (cached_) return *cached_;

    auto found = search();
    if (found) {
      spdlog::debug("credentials from the default chain: {}, key ID ending {}", found->provider,
                    last_four(found->access_key_id));
      cached_ = *found;
    }
    return found;
  }

  // Reads the chain again, because the shared files may hold newer keys (the
  // environment map is fixed at construction). Unchanged keys cannot help, so
  // they give the rejection back.
  Result<Credentials> refresh_after_expiry(const S3Error& rejection) override {
    std::lock_guard lock(mutex_);
    auto found = search();
    if (!found) return found;
    if (cached_ && cached_->access_key_id == found->access_key_id &&
        cached_->secret_access_key.reveal() == found->secret_access_key.reveal() &&
        cached_->session_token.reveal() == found->session_token.reveal()) {
      return CredentialsProvider::refresh_after_expiry(rejection);
    }
    cached_ = *found;
    return found;
  }

  std::string name() const override { return "default chain"; }

 private:
  static std::string last_four(const std::string& key_id) {
    return key_id.size() <= 4 ? key_id : key_id.substr(key_id.size() - 4);
  }

  std::string variable(const std::string& name) const {
    const auto it = environment_.find(name);
    return it == environment_.end() ? std::string() : it->second;
  }

  Result<Credentials> search() const {
    std::vector<std::string> passed_over;

    if (auto credentials = from_environment(passed_over)) return *credentials;
    if (auto credentials = from_shared_file(false, passed_over)) return *credentials;
    if (auto credentials = from_shared_file(true, passed_over)) return *credentials;

    // NOTE: these sources are recognised but not implemented, and the chain
    // never contacts a metadata or container endpoint.
    passed_over.push_back(variable("AWS_WEB_IDENTITY_TOKEN_FILE").empty()
                              ? "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)"
                              : "web identity (AWS_WEB_IDENTITY_TOKEN_FILE is set, but web identity is not "
                                "supported yet)");
    if (!variable("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty() ||
        !variable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty()) {
      passed_over.push_back("container credentials (set, but not supported yet)");
    } else {
      passed_over.push_back(
          "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI "
          "not set)");
    }
    passed_over.push_back(to_lower(variable("AWS_EC2_METADATA_DISABLED")) == "true"
                              ? "instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"
                              : "instance metadata (not supported yet)");

    return std::unexpected(authentication_error(
        "no credentials found in the default chain: " + fmt::format("{}", fmt::join(passed_over, ", ")),
        kNoCredentialsHint));
  }

  std::optional<Credentials> from_environment(std::vector<std::string>& passed_over) const {
    const std::string key_id = variable("AWS_ACCESS_KEY_ID");
    const std::string secret = variable("AWS_SECRET_ACCESS_KEY");
    if (key_id.empty()) {
      passed_over.push_back("environment (AWS_ACCESS_KEY_ID not set)");
      return std::nullopt;
    }
    if (secret.empty()) {
      passed_over.push_back("environment (AWS_ACCESS_KEY_ID is set, but AWS_SECRET_ACCESS_KEY is not)");
      return std::nullopt;
    }

    Credentials credentials;
    credentials.access_key_id = key_id;
    credentials.secret_access_key = Secret(secret);
    credentials.session_token = Secret(variable("AWS_SESSION_TOKEN"));
    credentials.provider = "environment";
    return credentials;
  }

  std::string profile_name() const {
    const std::string profile = variable("AWS_PROFILE");
    return profile.empty() ? "default" : profile;
  }

  // Returns the file's path, or an empty string and a reason when there is none.
  std::string shared_file_path(bool config_file, std::string& reason) const {
    const std::string override_path = variable(config_file ? "AWS_CONFIG_FILE" : "AWS_SHARED_CREDENTIALS_FILE");
    const std::string home = variable("HOME");
    if (!override_path.empty()) {
      if (override_path.starts_with("~/") && !home.empty()) return home + override_path.substr(1);
      return override_path;
    }
    if (home.empty()) {
      reason = "HOME not set";
      return "";
    }
    return home + (config_file ? "/.aws/config" : "/.aws/credentials");
  }

  // The shared credentials file names profiles "[name]", while the shared
  // config file names them "[profile name]", except for "[default]".
  std::optional<Credentials> from_shared_file(bool config_file, std::vector<std::string>& passed_over) const {
    const char* label = config_file ? "shared config file" : "shared credentials file";
    std::string reason;
    const std::string path = shared_file_path(config_file, reason);
    if (path.empty()) {
      passed_over.push_back(fmt::format("{} ({})", label, reason));
      return std::nullopt;
    }

    std::error_code status_error;
    if (!std::filesystem::exists(path, status_error)) {
      passed_over.push_back(fmt::format("{} ({}: not found)", label, path));
      return std::nullopt;
    }
    std::ifstream input(path);
    if (!input) {
      passed_over.push_back(fmt::format("{} ({}: cannot be read: {})", label, path, std::strerror(errno)));
      return std::nullopt;
    }

    const std::string profile = profile_name();
    const std::string section = config_file && profile != "default" ? "profile " + profile : profile;
    const auto sections = parse_ini(input);
    const auto found = sections.find(section);
    if (found == sections.end()) {
      passed_over.push_back(fmt::format("{} ({}: profile \"{}\" not found)", label, path, profile));
      return std::nullopt;
    }

    const Profile& settings = found->second;
    const auto key_id = settings.find("aws_access_key_id");
    const auto secret = settings.find("aws_secret_access_key");
    if (key_id == settings.end() || key_id->second.empty() || secret == settings.end() || secret->second.empty()) {
      const std::string source = unsupported_profile_source(settings);
      passed_over.push_back(
          source.empty()
              ? fmt::format("{} ({}: profile \"{}\" has no aws_access_key_id and aws_secret_access_key)", label,
                            path, profile)
              : fmt::format("{} ({}: profile \"{}\" uses {}, which is not supported yet)", label, path, profile,
                            source));
      return std::nullopt;
    }

    Credentials credentials;
    credentials.access_key_id = key_id->second;
    credentials.secret_access_key = Secret(secret->second);
    if (const auto token = settings.find("aws_session_token"); token != settings.end()) {
      credentials.session_token = Secret(token->second);
    }
    credentials.provider = label;
    return credentials;
  }

  const Environment environment_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
};

}  // namespace

Result<Credentials> CredentialsProvider::refresh_after_expiry(const S3Error& rejection) {
  S3Error error = rejection;
  error.category = ErrorCategory::kAuthentication;
  error.hint = "the session token has expired and the " + name() +
               " credentials cannot be refreshed: re-enter the credentials, or check the role that issues them";
  return std::unexpected(error);
}

std::shared_ptr<CredentialsProvider> make_static_provider(Credentials credentials) {
  return std::make_shared<StaticProvider>(std::move(credentials));
}

Environment current_environment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return environment;
}

std::shared_ptr<CredentialsProvider> make_default_chain_provider(Environment environment) {
  return std::make_shared<DefaultChainProvider>(std::move(environment));
}

}  // namespace s3cat::s3
