// The web UI's files, embedded in the binary at build time. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace s3cat::server {

struct StaticFile {
  std::string_view data;
  std::string content_type;
};

// The file for a request path ("/" is index.html). A path without a file
// extension that matches no file gets index.html, so the UI can route by
// URL. nullopt for other unknown paths. Without an embedded index.html, a
// built-in page that links to the API description is returned instead.
std::optional<StaticFile> find_static_file(const std::string& path);

// The MIME type for a file name, by extension.
std::string content_type_for(std::string_view path);

}  // namespace s3cat::server
