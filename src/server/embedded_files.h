// Files compiled into the binary at build time (see embed_files.cmake): the
// web UI from web/ and the OpenAPI document. Immutable; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace s3cat::server {

struct EmbeddedFile {
  std::string_view path;  // relative to its folder, with '/' separators: "index.html", "css/app.css"
  std::string_view data;
};

// The files of web/, sorted by path.
std::span<const EmbeddedFile> web_files();

// One entry: "openapi.json".
std::span<const EmbeddedFile> openapi_files();

}  // namespace s3cat::server
