#include "extract/connection_check.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "catalog/path_filter.h"
#include "extract/job_state.h"
#include "extract/scope.h"
#include "s3/client.h"
#include "s3/sts.h"

namespace s3cat::extract {
namespace {

constexpr char kListAllMyBuckets[] = "s3:ListAllMyBuckets";
constexpr char kListBucket[] = "s3:ListBucket";

std::string format_utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

CheckProblem problem_from(const s3::S3Error& error) {
  CheckProblem problem;
  problem.category = category_name(error.category);
  problem.code = error.code;
  problem.message = error.describe();
  problem.hint = error.hint.empty() ? s3::hint_for(error.category, error.code, error.operation) : error.hint;
  return problem;
}

CheckProblem configuration_problem(const std::string& message, const std::string& hint) {
  return CheckProblem{"configuration", "", message, hint};
}

// Records the outcome of the one request that needs `check`'s permission.
void record_failure(PermissionCheck& check, const s3::S3Error& error) {
  CheckProblem problem = problem_from(error);
  if (error.category == s3::ErrorCategory::kPermissions) {
    check.status = "denied";
    problem.message = fmt::format("{} on {} was denied: {}", check.action, check.resource, problem.message);
  } else {
    check.status = "failed";
  }
  check.problem = std::move(problem);
}

// Checks run with few retries, so a dead endpoint fails fast.
ClientSettings quick_settings(const ClientSettings& settings) {
  ClientSettings quick = settings;
  quick.retry.max_attempts = std::min(quick.retry.max_attempts, 2);
  quick.retry.max_total_time = std::min(quick.retry.max_total_time, std::chrono::milliseconds(10000));
  quick.transport.request_timeout = std::min(quick.transport.request_timeout, std::chrono::milliseconds(15000));
  return quick;
}

IdentityCheck check_identity(const catalog::Source& source, const ClientSettings& settings,
                             std::shared_ptr<s3::HttpTransport> transport, const s3::Credentials& credentials) {
  s3::StsOptions options;
  options.endpoint_url = sts_endpoint_for(source, settings.environment);
  options.region = s3::Region(source.region.empty() ? "us-east-1" : source.region);
  options.transport = std::move(transport);
  options.retry = settings.retry;
  const s3::StsClient sts(std::move(options));

  IdentityCheck identity;
  identity.endpoint = sts.endpoint_description();
  auto caller = sts.get_caller_identity(credentials);
  if (caller) {
    identity.status = "ok";
    identity.arn = caller->arn;
    identity.account = caller->account;
    identity.user_id = caller->user_id;
    return identity;
  }
  // Only an authentication error is about the keys. Anything else (no STS at
  // that endpoint, a network fault) leaves the verdict to the S3 checks.
  identity.status = caller.error().category == s3::ErrorCategory::kAuthentication ? "failed" : "unavailable";
  identity.problem = problem_from(caller.error());
  return identity;
}

// The prefix a bucket's probe lists: the job's first prefix, cut back to its
// folder for a directory bucket, which rejects prefixes not ending in '/'.
std::string probe_prefix(const BucketScope& scope) {
  std::string prefix = scope.prefixes.empty() ? std::string() : scope.prefixes.front();
  if (scope.bucket.ends_with("--x-s3") && !prefix.empty() && !prefix.ends_with('/')) {
    const std::size_t slash = prefix.rfind('/');
    prefix = slash == std::string::npos ? std::string() : prefix.substr(0, slash + 1);
  }
  return prefix;
}

// Lists each bucket once with max-keys=1, `concurrency` at a time. Stops
// starting new requests after an authentication error.
void check_buckets(s3::Client& client, std::vector<BucketCheck>& checks, std::vector<char>& done,
                   int concurrency, std::optional<s3::S3Error>& stop_error) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;

  auto worker = [&] {
    for (;;) {
      const std::size_t index = next++;
      if (index >= checks.size() || stop) return;
      BucketCheck& check = checks[index];

      s3::ListObjectsRequest request;
      request.bucket = s3::BucketName(check.name);
      request.prefix = check.prefix;
      request.max_keys = 1;
      auto page = client.list_objects_page(request);
      if (page) {
        check.list_bucket.status = "allowed";
      } else {
        record_failure(check.list_bucket, page.error());
        if (page.error().category == s3::ErrorCategory::kAuthentication) {
          std::lock_guard lock(mutex);
          if (!stop_error) stop_error = page.error();
          stop = true;
        }
      }
      done[index] = 1;
    }
  };

  const int threads = std::clamp<int>(concurrency, 1, std::max<int>(1, static_cast<int>(checks.size())));
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back(worker);
  for (auto& thread : workers) thread.join();
}

// "as arn:aws:iam::1:user/u (credentials: container credentials)".
std::string describe_credentials(const ConnectionReport& report) {
  const std::string provider = "credentials: " + report.credentials.provider;
  if (report.identity.status == "ok") return "as " + report.identity.arn + " (" + provider + ")";
  return "(" + provider + ")";
}

void finish(ConnectionReport& report) {
  std::vector<std::string> unreadable;
  std::size_t readable = 0;
  for (const BucketCheck& bucket : report.buckets) {
    if (bucket.list_bucket.status == "allowed") {
      ++readable;
    } else {
      unreadable.push_back(bucket.name);
    }
  }

  if (report.error) {
    report.status = "failed";
    report.summary = "The connection test failed: " + report.error->message;
  } else {
    const bool complete = unreadable.empty() && report.list_all_my_buckets.status == "allowed" &&
                          report.warnings.empty() && report.buckets_not_checked == 0;
    report.status = complete ? "ok" : "warnings";
    report.summary = fmt::format("Connected {}. ", describe_credentials(report));
    if (report.list_all_my_buckets.status == "allowed") {
      report.summary += fmt::format("{} allowed ({} buckets). ", kListAllMyBuckets, report.bucket_count);
    } else {
      report.summary += fmt::format("{} denied; the buckets the path filters name were checked directly. ",
                                    kListAllMyBuckets);
    }
    report.summary += fmt::format("{} of {} buckets readable", readable, report.buckets.size());
    report.summary += unreadable.empty() ? std::string(".")
                                         : fmt::format("; {} denied or failed on {}.", kListBucket,
                                                       fmt::join(unreadable, ", "));
  }
  spdlog::info("connection test of source {}: {}", report.source, report.summary);
}

nlohmann::json problem_json(const std::optional<CheckProblem>& problem) {
  if (!problem) return nullptr;
  return {{"category", problem->category},
          {"code", problem->code.empty() ? nlohmann::json(nullptr) : nlohmann::json(problem->code)},
          {"message", problem->message},
          {"hint", problem->hint}};
}

nlohmann::json null_if_empty(const std::string& value) {
  return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
}

}  // namespace

std::string bucket_arn(const std::string& bucket, const std::string& region) {
  std::string partition = "aws";
  if (region.starts_with("cn-")) partition = "aws-cn";
  if (region.starts_with("us-gov-")) partition = "aws-us-gov";
  return "arn:" + partition + ":s3:::" + bucket;
}

ConnectionReport check_connection(const catalog::Source& source, const ClientSettings& settings,
                                  const ConnectionCheckOptions& options) {
  ConnectionReport report;
  report.source = source.name;
  report.checked_at = format_utc(std::chrono::system_clock::now());
  report.credentials.mode =
      source.credentials_mode() == catalog::CredentialsMode::kAccessKey ? "access_key" : "default_chain";
  report.credentials.role_arn = source.role_arn;
  report.identity.status = "skipped";
  report.list_all_my_buckets.action = kListAllMyBuckets;
  report.list_all_my_buckets.resource = "*";

  // Settings first: nothing is sent when they cannot work.
  const ClientSettings quick = quick_settings(settings);
  auto filters = catalog::parse_path_filters(source.path_prefixes);
  if (!filters) {
    report.error = configuration_problem(filters.error(), "fix the path filter in the source settings");
    finish(report);
    return report;
  }
  auto client_options = source_client_options(source, quick);
  if (!client_options) {
    report.error = problem_from(client_options.error());
    finish(report);
    return report;
  }

  // Credentials, resolved once and shared with the S3 client.
  auto transport = s3::make_curl_transport(quick.transport);
  auto provider = make_source_credentials(source, quick, transport);
  auto credentials = provider->resolve();
  if (!credentials) {
    report.credentials.provider = provider->name();
    report.credentials.problem = problem_from(credentials.error());
    report.error = report.credentials.problem;
    finish(report);
    return report;
  }
  report.credentials.provider = credentials->provider;
  report.credentials.access_key_id_last4 = s3::last_four(credentials->access_key_id);
  if (credentials->expiration) report.credentials.expires_at = format_utc(*credentials->expiration);

  report.identity = check_identity(source, quick, transport, *credentials);

  // ListBuckets. When it is denied, the buckets the filters name are
  // checked directly, as a job lists them.
  s3::Client client(*client_options, provider, transport);
  std::optional<std::vector<std::string>> visible;
  std::map<std::string, std::string> regions;
  auto listed = client.list_buckets();
  if (listed) {
    report.list_all_my_buckets.status = "allowed";
    report.bucket_count = listed->size();
    visible.emplace();
    for (const s3::BucketInfo& bucket : *listed) {
      visible->push_back(bucket.name.str());
      regions[bucket.name.str()] = bucket.region;
    }
  } else {
    record_failure(report.list_all_my_buckets, listed.error());
    const bool fall_back = listed.error().category == s3::ErrorCategory::kPermissions && !filters->empty();
    if (!fall_back) {
      report.error = report.list_all_my_buckets.problem;
      finish(report);
      return report;
    }
    report.filter_buckets_listed_directly = true;
    report.warnings.push_back(report.list_all_my_buckets.problem->message +
                              "; only the buckets that the path filters name were checked");
  }

  // One ListObjectsV2 per bucket in scope.
  const ScopePlan plan = plan_scope(visible, *filters);
  for (const BucketScope& scope : plan.buckets) {
    if (report.buckets.size() == options.max_buckets) {
      ++report.buckets_not_checked;
      continue;
    }
    BucketCheck check;
    check.name = scope.bucket;
    check.region = regions.contains(scope.bucket) ? regions[scope.bucket] : std::string();
    check.prefix = probe_prefix(scope);
    check.in_bucket_list = !scope.not_in_bucket_list;
    check.list_bucket.action = kListBucket;
    check.list_bucket.resource = bucket_arn(scope.bucket, check.region.empty() ? source.region : check.region);
    if (scope.not_in_bucket_list && visible) {
      report.warnings.push_back("bucket " + scope.bucket +
                                " is named by a path filter but is not among the buckets the credentials can see");
    }
    report.buckets.push_back(std::move(check));
  }

  std::vector<char> done(report.buckets.size(), 0);
  std::optional<s3::S3Error> stop_error;
  check_buckets(client, report.buckets, done, options.concurrency, stop_error);
  // A redirect or a listing response may have revealed a region that ListBuckets did not send.
  for (BucketCheck& check : report.buckets) {
    if (!check.region.empty()) continue;
    if (auto learned = client.bucket_region(s3::BucketName(check.name))) check.region = learned->str();
  }
  if (stop_error) {
    report.error = problem_from(*stop_error);
    std::vector<BucketCheck> checked;
    for (std::size_t i = 0; i < report.buckets.size(); ++i) {
      if (done[i] != 0) {
        checked.push_back(std::move(report.buckets[i]));
      } else {
        ++report.buckets_not_checked;
      }
    }
    report.buckets = std::move(checked);
  }
  if (report.buckets_not_checked > 0 && !stop_error) {
    report.warnings.push_back(fmt::format("{} more buckets were not checked; the test stops after {}",
                                          report.buckets_not_checked, options.max_buckets));
  }

  finish(report);
  return report;
}

nlohmann::json connection_report_json(const ConnectionReport& report) {
  const auto permission_json = [](const PermissionCheck& check) {
    return nlohmann::json{{"action", check.action},
                          {"resource", check.resource},
                          {"status", check.status},
                          {"error", problem_json(check.problem)}};
  };

  nlohmann::json buckets = nlohmann::json::array();
  for (const BucketCheck& bucket : report.buckets) {
    nlohmann::json entry = permission_json(bucket.list_bucket);
    entry["name"] = bucket.name;
    entry["readable"] = bucket.list_bucket.status == "allowed";
    entry["region"] = null_if_empty(bucket.region);
    entry["prefix"] = bucket.prefix;
    entry["in_bucket_list"] = bucket.in_bucket_list;
    buckets.push_back(std::move(entry));
  }

  // The web UI reads list_buckets as one word.
  std::string list_buckets = "skipped";
  if (report.list_all_my_buckets.status == "allowed") list_buckets = "ok";
  if (report.list_all_my_buckets.status == "denied") {
    list_buckets = report.filter_buckets_listed_directly ? "denied" : "failed";
  }
  if (report.list_all_my_buckets.status == "failed") list_buckets = "failed";

  nlohmann::json list_all = permission_json(report.list_all_my_buckets);
  list_all["bucket_count"] = report.list_all_my_buckets.status == "allowed" ? nlohmann::json(report.bucket_count)
                                                                            : nlohmann::json(nullptr);

  const bool all_readable = std::ranges::all_of(
      report.buckets, [](const BucketCheck& bucket) { return bucket.list_bucket.status == "allowed"; });
  const CredentialsCheck& credentials = report.credentials;
  const IdentityCheck& identity = report.identity;
  return {{"source", report.source},
          {"status", report.status},
          {"ok", !report.error && all_readable},
          {"error", problem_json(report.error)},
          {"credentials",
           {{"mode", credentials.mode},
            {"provider", null_if_empty(credentials.provider)},
            {"access_key_id_last4", null_if_empty(credentials.access_key_id_last4)},
            {"role_arn", null_if_empty(credentials.role_arn)},
            {"expires_at", null_if_empty(credentials.expires_at)},
            {"error", problem_json(credentials.problem)}}},
          {"identity",
           {{"status", identity.status},
            {"endpoint", null_if_empty(identity.endpoint)},
            {"arn", null_if_empty(identity.arn)},
            {"account", null_if_empty(identity.account)},
            {"user_id", null_if_empty(identity.user_id)},
            {"error", problem_json(identity.problem)}}},
          {"list_buckets", list_buckets},
          {"list_all_my_buckets", list_all},
          {"buckets", buckets},
          {"buckets_not_checked", report.buckets_not_checked},
          {"warnings", report.warnings},
          {"summary", report.summary},
          {"checked_at", report.checked_at}};
}

}  // namespace s3cat::extract
