// Quoting of untrusted text (object keys, filters) for error messages and logs.
#pragma once

#include <string>
#include <string_view>

namespace s3cat::catalog {

// Returns `text` in double quotes with '"', '\\' and bytes below 0x20 or equal
// to 0x7F escaped (\n, \r, \t, \xNN), so a message stays on one line and shows
// the exact bytes.
std::string quote_for_message(std::string_view text);

}  // namespace s3cat::catalog
