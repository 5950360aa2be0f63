#include "server/static_files.h"

#include <array>
#include <utility>

#include "server/embedded_files.h"

namespace s3cat::server {
namespace {

constexpr std::string_view kPlaceholderPage = R"html(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>s3catalog</title></head>
<body>
<h1>s3catalog</h1>
<p>This build has no web UI files. The REST API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body>
</html>
)html";

std::optional<std::string_view> embedded(std::string_view relative) {
  for (const EmbeddedFile& file : web_files()) {
    if (file.path == relative) return file.data;
  }
  return std::nullopt;
}

}  // namespace

std::string content_type_for(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return std::string(type);
  }
  return "application/octet-stream";
}

std::optional<StaticFile> find_static_file(const std::string& path) {
  std::string_view relative = path;
  while (relative.starts_with('/')) relative.remove_prefix(1);
  if (relative.empty()) relative = "index.html";

  if (const auto data = embedded(relative)) return StaticFile{*data, content_type_for(relative)};

  const std::size_t last_slash = relative.rfind('/');
  const std::string_view name = last_slash == std::string_view::npos ? relative : relative.substr(last_slash + 1);
  if (name.find('.') != std::string_view::npos) return std::nullopt;
  const auto index = embedded("index.html");
  return StaticFile{index.value_or(kPlaceholderPage), "text/html; charset=utf-8"};
}

}  // namespace s3cat::server
