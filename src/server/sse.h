// Server-sent events of a job's live status (GET /api/jobs/{id}/events).
#pragma once

#include <httplib.h>

#include <string>

#include "server/context.h"

namespace s3cat::server {

// One event in the text/event-stream format. `data` must be one line.
std::string sse_event(const std::string& event, const std::string& data);

// Responds with a stream of "progress" events about every 500 ms while the
// job runs, then one "result" event with the final job, and closes. The
// stream also ends when the client goes away or the server stops. The job
// must exist.
void stream_job_events(ServerContext& context, std::int64_t job_id, httplib::Response& response);

}  // namespace s3cat::server
