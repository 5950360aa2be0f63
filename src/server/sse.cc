#include "server/sse.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "server/job_view.h"
#include "server/json_views.h"

namespace s3cat::server {
namespace {

constexpr auto kInterval = std::chrono::milliseconds(500);

// Sleeps for the interval in short steps, so a stopping server is not kept
// waiting. Returns false when the server is stopping.
bool wait_interval(const std::atomic<bool>& stopping) {
  const auto until = std::chrono::steady_clock::now() + kInterval;
  while (std::chrono::steady_clock::now() < until) {
    if (stopping) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !stopping;
}

}  // namespace

std::string sse_event(const std::string& event, const std::string& data) {
  return "event: " + event + "\ndata: " + data + "\n\n";
}

void stream_job_events(ServerContext& context, std::int64_t job_id, httplib::Response& response) {
  response.set_header("Cache-Control", "no-cache");
  // Proxies such as nginx would otherwise hold events back in their buffers.
  response.set_header("X-Accel-Buffering", "no");
  response.set_chunked_content_provider(
      "text/event-stream", [&context, job_id, first = true](std::size_t, httplib::DataSink& sink) mutable {
        if (!first && !wait_interval(context.stopping)) {
          sink.done();
          return true;
        }
        first = false;

        auto job = context.store.get_job(job_id);
        if (!job) {
          // The job's source was removed meanwhile, or the store failed.
          spdlog::warn("event stream of job {} ended: {}", job_id, job.error().message);
          sink.done();
          return true;
        }
        const bool finished = job->status != catalog::JobStatus::kRunning;
        const std::string event = sse_event(finished ? "result" : "progress", dump_json(job_view(context, *job)));
        if (!sink.write(event.data(), event.size())) return false;  // the client went away
        if (finished) sink.done();
        return true;
      });
}

}  // namespace s3cat::server
