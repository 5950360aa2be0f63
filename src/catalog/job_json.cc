#include "catalog/job_json.h"

#include <nlohmann/json.hpp>

namespace s3cat::catalog {

using nlohmann::json;

std::string job_result_to_json(const Job& job) {
  json result = {
      {"status", to_string(job.status)},
      {"started_at", job.started_at},
      {"finished_at", job.finished_at},
      {"error", nullptr},
      {"buckets", json::array()},
      {"files_synced", job.files_synced},
      {"files_added", job.files_added},
      {"files_updated", job.files_updated},
      {"files_removed", job.files_removed},
      {"warnings", job.warnings},
      {"summary", job.summary},
  };
  if (job.error) {
    result["error"] = {{"category", job.error->category}, {"message", job.error->message}, {"hint", job.error->hint}};
  }
  for (const BucketResult& bucket : job.buckets) {
    result["buckets"].push_back({{"name", bucket.name},
                                 {"status", bucket.status},
                                 {"reason", bucket.reason},
                                 {"category", bucket.category},
                                 {"message", bucket.message},
                                 {"hint", bucket.hint},
                                 {"files", bucket.files}});
  }
  return result.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool job_result_from_json(const std::string& text, Job& job) {
  const json result = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!result.is_object()) return false;
  try {
    if (auto status = job_status_from_string(result.at("status").get<std::string>())) job.status = *status;
    job.started_at = result.at("started_at").get<std::string>();
    job.finished_at = result.at("finished_at").get<std::string>();

    const json& error = result.at("error");
    if (error.is_object()) {
      job.error = JobError{error.at("category").get<std::string>(), error.at("message").get<std::string>(),
                           error.at("hint").get<std::string>()};
    } else {
      job.error.reset();
    }

    job.buckets.clear();
    for (const json& bucket : result.at("buckets")) {
      BucketResult entry;
      entry.name = bucket.at("name").get<std::string>();
      entry.status = bucket.at("status").get<std::string>();
      entry.reason = bucket.at("reason").get<std::string>();
      entry.category = bucket.value("category", "");
      entry.message = bucket.at("message").get<std::string>();
      entry.hint = bucket.value("hint", "");
      entry.files = bucket.at("files").get<std::uint64_t>();
      job.buckets.push_back(std::move(entry));
    }

    job.files_synced = result.at("files_synced").get<std::uint64_t>();
    job.files_added = result.at("files_added").get<std::uint64_t>();
    job.files_updated = result.at("files_updated").get<std::uint64_t>();
    job.files_removed = result.at("files_removed").get<std::uint64_t>();
    job.warnings = result.at("warnings").get<std::vector<std::string>>();
    job.summary = result.value("summary", "");
  } catch (const json::exception&) {
    // Missing fields or wrong types: the caller reports a malformed result.
    return false;
  }
  return true;
}

}  // namespace s3cat::catalog
