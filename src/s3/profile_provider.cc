// The shared-files source of the default chain: one profile of
// ~/.aws/credentials and ~/.aws/config, giving static keys, an assumed role
// or a credential_process.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <set>

#include "s3/credential_providers.h"
#include "s3/shared_config.h"

namespace s3cat::s3 {
namespace {

// Source profiles may chain roles; a longer chain is a configuration mistake.
constexpr int kMaxProfileDepth = 5;

std::string variable(const Environment& environment, const char* name) {
  const auto it = environment.find(name);
  return it == environment.end() ? std::string() : it->second;
}

std::string setting(const Profile& profile, const char* name) {
  const auto it = profile.settings.find(name);
  return it == profile.settings.end() ? std::string() : it->second;
}

bool has_keys(const Profile& profile) {
  return !setting(profile, "aws_access_key_id").empty() && !setting(profile, "aws_secret_access_key").empty();
}

S3Error profile_error(const std::string& profile, const std::string& message) {
  S3Error error;
  error.context = "reading profile \"" + profile + "\" of the shared config files";
  error.message = message;
  error.category = ErrorCategory::kConfiguration;
  error.hint = "fix the profile in ~/.aws/config or ~/.aws/credentials (or the files AWS_CONFIG_FILE and "
               "AWS_SHARED_CREDENTIALS_FILE name), or select another one with AWS_PROFILE";
  return error;
}

Credentials keys_of(const Profile& profile) {
  Credentials credentials;
  credentials.access_key_id = setting(profile, "aws_access_key_id");
  credentials.secret_access_key = Secret(setting(profile, "aws_secret_access_key"));
  credentials.session_token = Secret(setting(profile, "aws_session_token"));
  credentials.provider = profile.keys_from;
  return credentials;
}

bool same_keys(const Credentials& a, const Credentials& b) {
  return a.access_key_id == b.access_key_id && a.secret_access_key.reveal() == b.secret_access_key.reveal() &&
         a.session_token.reveal() == b.session_token.reveal();
}

// Static keys of a profile. After an expiry it reads the files again, so keys
// that a rotation script wrote meanwhile are picked up.
class ProfileKeysProvider final : public CredentialsProvider {
 public:
  ProfileKeysProvider(Environment environment, std::string profile, Credentials keys)
      : environment_(std::move(environment)), profile_(std::move(profile)), keys_(std::move(keys)) {}

  Result<Credentials> resolve() override {
    std::lock_guard lock(mutex_);
    return keys_;
  }

  Result<Credentials> refresh_after_expiry(const S3Error& rejection, const Credentials& rejected) override {
    std::lock_guard lock(mutex_);
    if (!same_keys(keys_, rejected)) return keys_;
    const auto profile = SharedConfig::load(environment_).profile(profile_);
    if (!profile || !has_keys(*profile) || same_keys(keys_of(*profile), rejected)) {
      return CredentialsProvider::refresh_after_expiry(rejection, rejected);
    }
    keys_ = keys_of(*profile);
    return keys_;
  }

  std::string name() const override { return "shared files (profile " + profile_ + ")"; }

 private:
  const Environment environment_;
  const std::string profile_;
  std::mutex mutex_;
  Credentials keys_;
};

class ProfileResolver {
 public:
  ProfileResolver(const ProviderOptions& options, const SharedConfig& config) : options_(options), config_(config) {}

  // The provider for a profile that sets role_arn.
  Result<std::shared_ptr<CredentialsProvider>> role_provider(const Profile& profile, int depth) {
    const std::string role_arn = setting(profile, "role_arn");
    if (!setting(profile, "mfa_serial").empty()) {
      return std::unexpected(profile_error(profile.name, "it sets mfa_serial, and s3catalog cannot ask for an MFA code"));
    }

    StsOptions sts;
    sts.endpoint_url = sts_endpoint_from_environment(options_.environment);
    sts.region = sts_region(profile);
    sts.transport = options_.transport;
    sts.clock = options_.clock;

    const std::string token_file = setting(profile, "web_identity_token_file");
    if (!token_file.empty()) {
      WebIdentitySettings settings{role_arn, token_file, setting(profile, "role_session_name")};
      return make_web_identity_provider(std::move(settings), std::move(sts));
    }

    auto base = base_provider(profile, depth);
    if (!base) return std::unexpected(base.error());

    AssumeRoleSettings settings;
    settings.role_arn = role_arn;
    settings.external_id = setting(profile, "external_id");
    settings.session_name = setting(profile, "role_session_name");
    if (const std::string duration = setting(profile, "duration_seconds"); !duration.empty()) {
      int seconds = 0;
      const auto [end, error] = std::from_chars(duration.data(), duration.data() + duration.size(), seconds);
      if (error != std::errc() || end != duration.data() + duration.size() || seconds < 900 || seconds > 43200) {
        return std::unexpected(profile_error(profile.name, "duration_seconds \"" + duration +
                                                               "\" is not a number of seconds from 900 to 43200"));
      }
      settings.duration_seconds = seconds;
    }
    return make_assume_role_provider(*base, std::move(settings), std::move(sts));
  }

  // The provider of a profile that another one names as source_profile. As
  // in the AWS CLI, static keys win over the profile's own role_arn.
  Result<std::shared_ptr<CredentialsProvider>> source_profile_provider(const std::string& name, int depth) {
    if (depth > kMaxProfileDepth) {
      return std::unexpected(profile_error(name, fmt::format("source_profile chains more than {} profiles (a loop?)",
                                                             kMaxProfileDepth)));
    }
    const auto profile = config_.profile(name);
    if (!profile) {
      return std::unexpected(profile_error(name, "the source profile is not defined: " + config_.describe_missing(name)));
    }
    if (has_keys(*profile)) return keys_provider(*profile);
    if (!setting(*profile, "role_arn").empty()) return role_provider(*profile, depth + 1);
    if (const std::string command = setting(*profile, "credential_process"); !command.empty()) {
      return process_provider(*profile, command);
    }
    return std::unexpected(profile_error(name, "the source profile has no keys, role_arn or credential_process"));
  }

  std::shared_ptr<CredentialsProvider> keys_provider(const Profile& profile) {
    return std::make_shared<ProfileKeysProvider>(options_.environment, profile.name, keys_of(profile));
  }

  std::shared_ptr<CredentialsProvider> process_provider(const Profile& profile, const std::string& command) {
    return make_process_provider(command, "profile " + profile.name, options_.environment, options_.clock);
  }

 private:
  // The credentials that call AssumeRole: source_profile or credential_source.
  Result<std::shared_ptr<CredentialsProvider>> base_provider(const Profile& profile, int depth) {
    const std::string source_profile = setting(profile, "source_profile");
    const std::string credential_source = setting(profile, "credential_source");
    if (!source_profile.empty() && !credential_source.empty()) {
      return std::unexpected(profile_error(profile.name, "it sets both source_profile and credential_source"));
    }
    if (!source_profile.empty()) {
      // A profile may name itself to assume its role with its own keys.
      if (source_profile == profile.name) {
        if (!has_keys(profile)) {
          return std::unexpected(profile_error(profile.name, "it is its own source_profile but has no keys"));
        }
        return keys_provider(profile);
      }
      return source_profile_provider(source_profile, depth + 1);
    }
    if (credential_source.empty()) {
      return std::unexpected(profile_error(profile.name, "it sets role_arn without source_profile or credential_source"));
    }

    ChainSource source;
    if (credential_source == "Environment") {
      source = detect_environment_credentials(options_.environment);
    } else if (credential_source == "Ec2InstanceMetadata") {
      source = detect_instance_metadata_credentials(options_);
    } else if (credential_source == "EcsContainer") {
      source = detect_container_credentials(options_);
    } else {
      return std::unexpected(profile_error(
          profile.name, "credential_source \"" + credential_source +
                            "\" is not one of Environment, Ec2InstanceMetadata and EcsContainer"));
    }
    if (source.error) return std::unexpected(*source.error);
    if (!source.provider) {
      return std::unexpected(profile_error(profile.name, "credential_source " + credential_source +
                                                             " gives no credentials: " + source.passed_over));
    }
    return source.provider;
  }

  Region sts_region(const Profile& profile) const {
    std::string region = setting(profile, "region");
    if (region.empty()) region = variable(options_.environment, "AWS_REGION");
    if (region.empty()) region = variable(options_.environment, "AWS_DEFAULT_REGION");
    return region.empty() ? options_.region : Region(region);
  }

  const ProviderOptions& options_;
  const SharedConfig& config_;
};

}  // namespace

ChainSource detect_profile_credentials(const ProviderOptions& options) {
  ChainSource source;
  const SharedConfig config = SharedConfig::load(options.environment);
  const std::string name = SharedConfig::selected_profile(options.environment);
  const auto profile = config.profile(name);
  if (!profile) {
    source.passed_over = fmt::format("profile \"{}\": {}", name, config.describe_missing(name));
    return source;
  }

  ProfileResolver resolver(options, config);
  if (!setting(*profile, "role_arn").empty()) {
    auto provider = resolver.role_provider(*profile, 0);
    if (!provider) {
      source.error = provider.error();
    } else {
      source.provider = *provider;
    }
    return source;
  }
  if (has_keys(*profile)) {
    source.provider = resolver.keys_provider(*profile);
    return source;
  }
  if (const std::string command = setting(*profile, "credential_process"); !command.empty()) {
    source.provider = resolver.process_provider(*profile, command);
    return source;
  }

  for (const char* sso : {"sso_session", "sso_start_url"}) {
    if (profile->settings.contains(sso)) {
      source.passed_over = fmt::format("profile \"{}\" uses {} (IAM Identity Center), which s3catalog does not "
                                       "support; give the profile a credential_process instead",
                                       name, sso);
      return source;
    }
  }
  source.passed_over = fmt::format(
      "profile \"{}\" has no aws_access_key_id and aws_secret_access_key, role_arn or credential_process", name);
  return source;
}

}  // namespace s3cat::s3
