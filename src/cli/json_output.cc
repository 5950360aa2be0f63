#include "cli/json_output.h"

namespace s3cat::cli {
namespace {

nlohmann::json null_if_empty(const std::string& value) {
  return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
}

}  // namespace

std::string object_path(const std::string& bucket, const std::string& key) { return "/" + bucket + "/" + key; }

std::string key_id_last4(const std::string& access_key_id) {
  return access_key_id.size() <= 4 ? access_key_id : access_key_id.substr(access_key_id.size() - 4);
}

nlohmann::json source_json(const catalog::Source& source) {
  nlohmann::json credentials;
  if (source.credentials_mode() == catalog::CredentialsMode::kAccessKey) {
    credentials = {{"mode", "access_key"},
                   {"access_key_id_last4", key_id_last4(source.access_key_id)},
                   {"secret_access_key", source.secret_access_key.empty() ? "not set" : "set"},
                   {"session_token", source.session_token.empty() ? "not set" : "set"}};
  } else {
    credentials = {{"mode", "default_chain"}, {"access_key_id_last4", nullptr}};
  }
  if (!source.role_arn.empty()) {
    credentials["role_arn"] = source.role_arn;
    credentials["external_id"] = null_if_empty(source.external_id);
    credentials["role_session_name"] = null_if_empty(source.role_session_name);
  }

  return {{"name", source.name},
          {"title", source.title},
          {"description", source.description},
          {"type", source.type},
          {"endpoint_url", null_if_empty(source.endpoint_url)},
          {"region", source.region},
          {"addressing", source.addressing},
          {"requester_pays", source.requester_pays},
          {"credentials", credentials},
          {"path_prefixes", source.path_prefixes},
          {"created_at", source.created_at},
          {"updated_at", source.updated_at}};
}

nlohmann::json job_json(const catalog::Job& job) {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& bucket : job.buckets) {
    buckets.push_back({{"name", bucket.name},
                       {"status", bucket.status},
                       {"reason", null_if_empty(bucket.reason)},
                       {"category", null_if_empty(bucket.category)},
                       {"message", null_if_empty(bucket.message)},
                       {"hint", null_if_empty(bucket.hint)},
                       {"files", bucket.files}});
  }

  nlohmann::json error = nullptr;
  if (job.error) {
    error = {{"category", job.error->category}, {"message", job.error->message}, {"hint", job.error->hint}};
  }

  return {{"source", job.source},
          {"job_id", job.id},
          {"status", catalog::to_string(job.status)},
          {"error", error},
          {"buckets", buckets},
          {"files_synced", job.files_synced},
          {"files_added", job.files_added},
          {"files_updated", job.files_updated},
          {"files_removed", job.files_removed},
          {"warnings", job.warnings},
          {"summary", job.summary},
          {"started_at", job.started_at},
          {"finished_at", null_if_empty(job.finished_at)}};
}

nlohmann::json file_json(const catalog::ObjectRecord& object) {
  return {{"path", object_path(object.bucket, object.key)},
          {"bucket", object.bucket},
          {"key", object.key},
          {"size", object.size},
          {"last_modified", object.last_modified},
          {"etag", object.etag},
          {"storage_class", object.storage_class},
          {"checksum_algorithm", null_if_empty(object.checksum_algorithm)}};
}

}  // namespace s3cat::cli
