// `s3catalog source test NAME [--json]`: the "Test connection" check of a
// source, run in this process. Changes nothing in the catalog.
#include <iostream>

#include "cli/commands.h"
#include "extract/connection_check.h"
#include "s3/credentials.h"

namespace s3cat::cli {
namespace {

void print_problem(const std::optional<extract::CheckProblem>& problem) {
  if (!problem) return;
  std::cout << "    " << problem->category << ": " << problem->message << "\n";
  if (!problem->hint.empty()) std::cout << "    hint: " << problem->hint << "\n";
}

void print_permission(const extract::PermissionCheck& check, const std::string& detail) {
  std::cout << check.action << " on " << check.resource << ": " << check.status << detail << "\n";
  print_problem(check.problem);
}

void print_report_text(const extract::ConnectionReport& report) {
  std::cout << "source " << report.source << ": " << report.status << "\n";

  const extract::CredentialsCheck& credentials = report.credentials;
  std::cout << "credentials: " << (credentials.mode == "access_key" ? "stored access key" : "default chain");
  if (!credentials.provider.empty()) std::cout << "; provider " << credentials.provider;
  if (!credentials.access_key_id_last4.empty()) std::cout << "; key ID ending " << credentials.access_key_id_last4;
  if (!credentials.expires_at.empty()) std::cout << "; expires " << credentials.expires_at;
  std::cout << "\n";
  if (!credentials.role_arn.empty()) std::cout << "role: " << credentials.role_arn << "\n";
  print_problem(credentials.problem);

  const extract::IdentityCheck& identity = report.identity;
  std::cout << "identity (STS GetCallerIdentity";
  if (!identity.endpoint.empty()) std::cout << " at " << identity.endpoint;
  std::cout << "): ";
  if (identity.status == "ok") {
    std::cout << identity.arn << " (account " << identity.account << ")\n";
  } else {
    std::cout << identity.status << "\n";
    print_problem(identity.problem);
  }

  if (report.list_all_my_buckets.status != "skipped") {
    const std::string detail = report.list_all_my_buckets.status == "allowed"
                                   ? " (" + std::to_string(report.bucket_count) + " buckets)"
                                   : "";
    print_permission(report.list_all_my_buckets, detail);
  }
  for (const extract::BucketCheck& bucket : report.buckets) {
    std::string detail;
    if (!bucket.prefix.empty()) detail += " (prefix " + bucket.prefix + ")";
    if (!bucket.in_bucket_list) detail += " (not returned by ListBuckets)";
    print_permission(bucket.list_bucket, detail);
  }
  if (report.buckets_not_checked > 0) std::cout << report.buckets_not_checked << " more buckets not checked\n";
  for (const std::string& warning : report.warnings) std::cout << "warning: " << warning << "\n";
  std::cout << report.summary << "\n";
}

}  // namespace

void register_source_test_command(CLI::App& source, CommandContext& context) {
  static std::string name;
  static bool json = false;
  auto* test = source.add_subcommand(
      "test", "check the credentials and which buckets they can list, without changing the catalog");
  test->add_option("NAME", name, "source name")->required();
  test->add_flag("--json", json, "print the report as one JSON object");
  test->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto found = (*store)->get_source(name);
      if (!found) return std::unexpected(from_store_error(found.error()));

      extract::ClientSettings settings;
      settings.environment = s3::current_environment();
      const extract::ConnectionReport report = extract::check_connection(*found, settings);
      if (json) {
        print_json_line(extract::connection_report_json(report));
      } else {
        print_report_text(report);
      }
      return report.status == "failed" ? kExitFailed : kExitOk;
    });
  });
}

}  // namespace s3cat::cli
