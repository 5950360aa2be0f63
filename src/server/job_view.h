// The API's view of a job: the stored record merged with the live state of
// the job runner. Reads the store; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "server/context.h"

namespace s3cat::server {

// The job object of docs/api.md. For a job running in this server it
// carries progress and cancel_requested. Raises ApiError 404 for an unknown
// job.
nlohmann::json job_view(ServerContext& context, std::int64_t job_id);

// The same for a job record already read.
nlohmann::json job_view(ServerContext& context, const catalog::Job& job);

}  // namespace s3cat::server
