// Rows of the file export: CSV (RFC 4180) and JSON Lines. Pure functions;
// thread-safe.
#pragma once

#include <string>

#include "catalog/types.h"

namespace s3cat::server {

// The CSV header line, ending in CRLF.
std::string csv_header();

// One CSV line for the file, ending in CRLF. A field that contains a comma,
// a double quote, CR or LF is quoted, with its quotes doubled.
std::string csv_row(const catalog::FileEntry& file);

// One JSON object and '\n'. Bytes that are not UTF-8 become U+FFFD.
std::string jsonl_row(const catalog::FileEntry& file);

// `field` quoted for CSV when it needs quoting, else unchanged.
std::string csv_field(const std::string& field);

}  // namespace s3cat::server
