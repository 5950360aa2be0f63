#include "server/job_view.h"

#include "server/api_error.h"
#include "server/json_views.h"

namespace s3cat::server {

nlohmann::json job_view(ServerContext& context, const catalog::Job& job) {
  std::optional<LiveJob> live;
  if (job.status == catalog::JobStatus::kRunning) live = context.runner.live(job.id);
  return job_json(job, live ? std::optional(live->progress) : std::nullopt, live && live->cancel_requested);
}

nlohmann::json job_view(ServerContext& context, std::int64_t job_id) {
  return job_view(context, value_or_throw(context.store.get_job(job_id)));
}

}  // namespace s3cat::server
