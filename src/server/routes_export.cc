// GET /api/sources/{name}/export.csv and export.jsonl: every present file,
// streamed from the store in path order.
#include <spdlog/spdlog.h>

#include "server/api_error.h"
#include "server/context.h"
#include "server/export_format.h"
#include "server/http_support.h"

namespace s3cat::server {
namespace {

// Bytes gathered before each write to the socket.
constexpr std::size_t kChunkBytes = 64 * 1024;

enum class Format { kCsv, kJsonLines };

void stream_export(ServerContext& context, const httplib::Request& request, httplib::Response& response,
                   Format format) {
  const catalog::Source source = value_or_throw(context.store.get_source_without_secrets(path_parameter(request, 1)));
  const std::string prefix = query_string(request, "prefix").value_or("");
  if (!prefix.empty() && prefix.front() != '/') {
    throw_bad_request("invalid prefix \"" + prefix + "\": it starts with \"/\", as in /bucket/folder/", "prefix");
  }

  const bool csv = format == Format::kCsv;
  response.set_header("Content-Disposition", "attachment; filename=\"" + source.name + "-files." +
                                                 (csv ? "csv" : "jsonl") + "\"");
  response.set_chunked_content_provider(
      csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
      [&context, source, prefix, csv](std::size_t, httplib::DataSink& sink) {
        std::string buffer = csv ? csv_header() : std::string();
        bool client_gone = false;
        auto scanned = context.store.visit_files(
            source.id, catalog::FileScan{.path_prefix = prefix}, [&](const catalog::FileEntry& file) {
              buffer += csv ? csv_row(file) : jsonl_row(file);
              if (buffer.size() < kChunkBytes) return true;
              client_gone = !sink.write(buffer.data(), buffer.size());
              buffer.clear();
              return !client_gone && !context.stopping;
            });
        // A stopping server ends the stream without its last chunk, so the
        // client sees a broken download rather than a short file.
        if (client_gone || context.stopping) return false;
        if (!scanned) {
          // The status line has gone out already, so the stream ends early.
          spdlog::error("export of source {} ended early: {}", source.name, scanned.error().message);
          return false;
        }
        if (!buffer.empty() && !sink.write(buffer.data(), buffer.size())) return false;
        sink.done();
        return true;
      });
}

}  // namespace

void register_export_routes(Router& router, ServerContext& context) {
  router.add("GET", "/api/sources/{name}/export.csv", [&context](const httplib::Request& request, httplib::Response& response) {
    stream_export(context, request, response, Format::kCsv);
  });
  router.add("GET", "/api/sources/{name}/export.jsonl", [&context](const httplib::Request& request, httplib::Response& response) {
    stream_export(context, request, response, Format::kJsonLines);
  });
}

}  // namespace s3cat::server
