// Extraction jobs: start, history, status, cancel, log and live events.
#include "server/api_error.h"
#include "server/context.h"
#include "server/http_support.h"
#include "server/job_view.h"
#include "server/sse.h"

namespace s3cat::server {
namespace {

// Splits a stored log line "TIME LEVEL MESSAGE".
nlohmann::json log_line_json(const std::string& line) {
  const std::size_t first = line.find(' ');
  const std::size_t second = first == std::string::npos ? std::string::npos : line.find(' ', first + 1);
  if (second == std::string::npos) return {{"time", ""}, {"level", ""}, {"message", line}};
  return {{"time", line.substr(0, first)},
          {"level", line.substr(first + 1, second - first - 1)},
          {"message", line.substr(second + 1)}};
}

}  // namespace

void register_job_routes(Router& router, ServerContext& context) {
  router.add("POST", "/api/sources/{name}/jobs", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::string name = path_parameter(request, 1);
    const nlohmann::json body = parse_object_body(request);
    reject_unknown_fields(body, {"concurrency"});
    int concurrency = 4;
    if (const auto found = body.find("concurrency"); found != body.end()) {
      if (!found->is_number_integer() || found->get<std::int64_t>() < 1 || found->get<std::int64_t>() > 64) {
        throw_bad_request("invalid concurrency: expected a whole number of buckets from 1 to 64", "concurrency");
      }
      concurrency = static_cast<int>(found->get<std::int64_t>());
    }

    auto started = context.runner.start(name, "api", concurrency);
    if (!started) throw_store_error(started.error());
    if (started->created) audit(context, "job.start", name, {{"job_id", started->job_id}});
    send_json(response, started->created ? 202 : 200, job_view(context, started->job_id));
  });

  router.add("GET", "/api/sources/{name}/jobs", [&context](const httplib::Request& request, httplib::Response& response) {
    const catalog::Source source = value_or_throw(context.store.get_source_without_secrets(path_parameter(request, 1)));
    const std::size_t limit = query_integer(request, "limit", 1, 1000).value_or(50);
    const std::size_t offset = query_integer(request, "offset", 0, UINT32_MAX).value_or(0);
    const catalog::JobPage page = value_or_throw(context.store.list_jobs_page(source.id, limit, offset));
    nlohmann::json jobs = nlohmann::json::array();
    for (const catalog::Job& job : page.jobs) jobs.push_back(job_view(context, job));
    send_json(response, 200, {{"jobs", jobs}, {"total", page.total}});
  });

  router.add("GET", "/api/jobs/{id}", [&context](const httplib::Request& request, httplib::Response& response) {
    send_json(response, 200, job_view(context, id_parameter(request, 1)));
  });

  router.add("POST", "/api/jobs/{id}/cancel", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::int64_t job_id = id_parameter(request, 1);
    value_or_throw(context.store.get_job(job_id));
    if (!context.runner.cancel(job_id)) {
      // Read after the attempt, so a job that ended meanwhile shows its end.
      const catalog::Job job = value_or_throw(context.store.get_job(job_id));
      const std::string why = job.status == catalog::JobStatus::kRunning
                                  ? "it runs in another process; stop that process (Ctrl-C cancels `s3catalog extract`)"
                                  : std::string("it has ended with status ") + catalog::to_string(job.status);
      throw ApiError(409, "job " + std::to_string(job_id) + " cannot be cancelled: " + why);
    }
    audit(context, "job.cancel", std::to_string(job_id));
    send_json(response, 202, job_view(context, job_id));
  });

  router.add("GET", "/api/jobs/{id}/log", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::int64_t job_id = id_parameter(request, 1);
    nlohmann::json lines = nlohmann::json::array();
    for (const std::string& line : value_or_throw(context.store.job_log(job_id))) lines.push_back(log_line_json(line));
    send_json(response, 200, {{"job_id", job_id}, {"lines", lines}});
  });

  router.add("GET", "/api/jobs/{id}/events", [&context](const httplib::Request& request, httplib::Response& response) {
    const std::int64_t job_id = id_parameter(request, 1);
    value_or_throw(context.store.get_job(job_id));
    stream_job_events(context, job_id, response);
  });
}

}  // namespace s3cat::server
