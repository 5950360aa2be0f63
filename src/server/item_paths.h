// Catalog paths in requests: "/bucket" names a bucket, "/bucket/folder/" a
// folder and "/bucket/key" a file, with the key exactly as stored (a key
// that starts with '/' gives "/bucket//key"). Pure functions; thread-safe.
#pragma once

#include <string>

#include "catalog/queries.h"

namespace s3cat::server {

// Parses the query parameter `field`. "/bucket/" is the bucket. Raises
// ApiError 400 naming `field` for a path without a leading '/' or with an
// invalid bucket name.
catalog::ItemRef parse_item_path(const std::string& path, const std::string& field);

// "bucket", "folder" or "file".
const char* item_kind(const catalog::ItemRef& item);

// Opaque cursor text for the next page of a folder listing, and its parser.
// The cursor records the sort order, so it cannot be used with another.
std::string encode_cursor(const catalog::FileCursor& cursor, catalog::FileSort sort, bool descending);
// Raises ApiError 400 naming "cursor" when the text is not a cursor of this
// sort order.
catalog::FileCursor decode_cursor(const std::string& text, catalog::FileSort sort, bool descending);

}  // namespace s3cat::server
