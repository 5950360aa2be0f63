#include "server/json_views.h"

#include <chrono>

namespace s3cat::server {
namespace {

nlohmann::json null_if_empty(const std::string& value) {
  return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
}

std::string last4(const std::string& access_key_id) {
  return access_key_id.size() <= 4 ? access_key_id : access_key_id.substr(access_key_id.size() - 4);
}

// The part of a key after its last '/', ignoring one trailing '/'.
std::string last_segment(const std::string& key) {
  std::string trimmed = key;
  if (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  const std::size_t slash = trimmed.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

}  // namespace

std::string item_path(const std::string& bucket, const std::string& key) {
  return key.empty() ? "/" + bucket : "/" + bucket + "/" + key;
}

nlohmann::json source_json(const catalog::Source& source) {
  nlohmann::json credentials;
  if (source.credentials_mode() == catalog::CredentialsMode::kAccessKey) {
    credentials = {{"mode", "access_key"},
                   {"access_key_id_last4", last4(source.access_key_id)},
                   {"secret_access_key", "set"},
                   {"session_token", source.session_token.empty() ? "not set" : "set"}};
  } else {
    credentials = {{"mode", "default_chain"},
                   {"access_key_id_last4", nullptr},
                   {"secret_access_key", "not set"},
                   {"session_token", "not set"}};
  }
  nlohmann::json schedule = nullptr;
  if (source.schedule_minutes > 0) schedule = {{"interval_minutes", source.schedule_minutes}};

  return {{"name", source.name},
          {"title", source.title},
          {"description", source.description},
          {"type", source.type},
          {"endpoint_url", null_if_empty(source.endpoint_url)},
          {"region", source.region},
          {"addressing", source.addressing},
          {"requester_pays", source.requester_pays},
          {"credentials", credentials},
          {"role_arn", null_if_empty(source.role_arn)},
          {"external_id", null_if_empty(source.external_id)},
          {"role_session_name", null_if_empty(source.role_session_name)},
          {"path_prefixes", source.path_prefixes},
          {"schedule", schedule},
          {"created_at", source.created_at},
          {"updated_at", source.updated_at}};
}

nlohmann::json progress_json(const extract::ProgressSnapshot& progress) {
  return {{"buckets_done", progress.buckets_done},
          {"buckets_total", progress.buckets_total},
          {"objects_listed", progress.objects_listed},
          {"pages_listed", progress.pages_listed},
          {"current_buckets", progress.current_buckets},
          {"objects_per_second", progress.objects_per_second()},
          {"recent_objects_per_second", progress.recent_objects_per_second},
          {"eta_seconds", progress.eta_seconds ? nlohmann::json(*progress.eta_seconds) : nlohmann::json(nullptr)},
          {"elapsed_seconds", std::chrono::duration<double>(progress.elapsed).count()}};
}

nlohmann::json job_json(const catalog::Job& job, const std::optional<extract::ProgressSnapshot>& progress,
                        bool cancel_requested) {
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

  return {{"id", job.id},
          {"source", job.source},
          {"trigger", null_if_empty(job.trigger)},
          {"status", catalog::to_string(job.status)},
          {"cancel_requested", cancel_requested},
          {"error", error},
          {"buckets", buckets},
          {"files_synced", job.files_synced},
          {"files_added", job.files_added},
          {"files_updated", job.files_updated},
          {"files_removed", job.files_removed},
          {"warnings", job.warnings},
          {"summary", job.summary},
          {"started_at", job.started_at},
          {"finished_at", null_if_empty(job.finished_at)},
          {"progress", progress ? progress_json(*progress) : nlohmann::json(nullptr)}};
}

nlohmann::json annotation_json(const std::optional<catalog::Annotation>& annotation) {
  if (!annotation) return nullptr;
  return {{"description", annotation->description},
          {"tags", annotation->tags},
          {"owners", annotation->owners},
          {"updated_by", annotation->updated_by},
          {"updated_at", annotation->updated_at}};
}

nlohmann::json file_json(const catalog::FileEntry& file, const std::optional<catalog::Annotation>& annotation) {
  const catalog::ObjectRecord& object = file.object;
  return {{"name", last_segment(object.key)},
          {"path", item_path(object.bucket, object.key)},
          {"bucket", object.bucket},
          {"key", object.key},
          {"size", object.size},
          {"last_modified", object.last_modified},
          {"etag", object.etag},
          {"storage_class", object.storage_class},
          {"checksum_algorithm", null_if_empty(object.checksum_algorithm)},
          {"present", file.present},
          {"stale", file.stale},
          {"first_seen", file.first_seen},
          {"last_seen", file.last_seen},
          {"annotation", annotation_json(annotation)}};
}

nlohmann::json folder_json(const catalog::FolderEntry& folder, const std::optional<catalog::Annotation>& annotation) {
  return {{"name", last_segment(folder.path)},
          {"path", item_path(folder.bucket, folder.path)},
          {"file_count", folder.file_count},
          {"total_bytes", folder.total_bytes},
          {"newest_modified", folder.newest_modified},
          {"annotation", annotation_json(annotation)}};
}

nlohmann::json bucket_json(const catalog::BucketEntry& bucket, const std::optional<catalog::Annotation>& annotation) {
  return {{"name", bucket.name},
          {"path", item_path(bucket.name, "")},
          {"creation_date", bucket.creation_date},
          {"region", bucket.region},
          {"present", bucket.present},
          {"stale", bucket.stale},
          {"last_synced", bucket.last_synced},
          {"last_status", bucket.last_status},
          {"last_reason", bucket.last_reason},
          {"file_count", bucket.file_count},
          {"total_bytes", bucket.total_bytes},
          {"newest_modified", bucket.newest_modified},
          {"annotation", annotation_json(annotation)}};
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace s3cat::server
