// The AWS default credential chain: the first configured source wins and is
// kept for the life of the provider.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <mutex>
#include <vector>

#include "s3/credential_providers.h"

namespace s3cat::s3 {
namespace {

constexpr char kNoCredentialsHint[] =
    "enter an access key ID and secret access key for the source, or provide credentials through "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a shared credentials file profile, web identity, "
    "container credentials or an instance role";

struct ChainStep {
  const char* label;
  std::function<ChainSource(const ProviderOptions&)> detect;
  // The instance metadata service is the last resort: when it fails, the
  // chain reports it as passed over rather than as the error, because most
  // machines are not EC2 instances.
  bool failure_passes_over = false;
};

const std::vector<ChainStep>& chain_steps() {
  static const std::vector<ChainStep> steps{
      {"environment", [](const ProviderOptions& options) { return detect_environment_credentials(options.environment); }},
      {"shared credentials and config files", detect_profile_credentials},
      {"web identity", detect_web_identity_credentials},
      {"container credentials", detect_container_credentials},
      {"instance metadata", detect_instance_metadata_credentials, true},
  };
  return steps;
}

class DefaultChainProvider final : public CredentialsProvider {
 public:
  explicit DefaultChainProvider(ProviderOptions options) : options_(with_defaults(std::move(options))) {}

  Result<Credentials> resolve() override {
    std::shared_ptr<CredentialsProvider> selected;
    {
      std::lock_guard lock(mutex_);
      if (!selected_) return select_locked();
      selected = selected_;
    }
    return selected->resolve();
  }

  Result<Credentials> refresh_after_expiry(const S3Error& rejection, const Credentials& rejected) override {
    std::shared_ptr<CredentialsProvider> selected;
    {
      std::lock_guard lock(mutex_);
      selected = selected_;
    }
    if (!selected) return CredentialsProvider::refresh_after_expiry(rejection, rejected);
    return selected->refresh_after_expiry(rejection, rejected);
  }

  std::string name() const override { return "default chain"; }

 private:
  // Tries each source in order and keeps the first that gives credentials.
  // Holds the lock, so concurrent first calls search once.
  Result<Credentials> select_locked() {
    std::vector<std::string> passed_over;
    for (const ChainStep& step : chain_steps()) {
      ChainSource source = step.detect(options_);
      if (source.error) return std::unexpected(chain_error(step, *source.error, passed_over));
      if (!source.provider) {
        passed_over.push_back(fmt::format("{} ({})", step.label, source.passed_over));
        continue;
      }

      auto credentials = source.provider->resolve();
      if (!credentials) {
        if (step.failure_passes_over) {
          passed_over.push_back(fmt::format("{} ({})", step.label, credentials.error().describe()));
          continue;
        }
        return std::unexpected(chain_error(step, credentials.error(), passed_over));
      }

      spdlog::debug("credentials from the default chain: {}, key ID ending {}", credentials->provider,
                    last_four(credentials->access_key_id));
      selected_ = std::move(source.provider);
      return credentials;
    }

    S3Error error;
    error.message = fmt::format("no credentials found in the default chain: {}", fmt::join(passed_over, ", "));
    error.category = ErrorCategory::kAuthentication;
    error.hint = kNoCredentialsHint;
    return std::unexpected(std::move(error));
  }

  // The error of a source that is configured but failed. Its context names
  // the source and the sources passed over before it.
  static S3Error chain_error(const ChainStep& step, S3Error error, const std::vector<std::string>& passed_over) {
    std::string context = fmt::format("using {} from the default chain", step.label);
    if (!passed_over.empty()) context += fmt::format(" (passed over: {})", fmt::join(passed_over, ", "));
    if (!error.context.empty()) context += ", " + error.context;
    error.context = std::move(context);
    return error;
  }

  const ProviderOptions options_;
  std::mutex mutex_;
  std::shared_ptr<CredentialsProvider> selected_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> make_default_chain_provider(ProviderOptions options) {
  return std::make_shared<DefaultChainProvider>(std::move(options));
}

}  // namespace s3cat::s3
