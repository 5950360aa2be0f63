// Turns the JSON body of a source create or update request into a Source,
// validating each field and naming the one at fault. Pure functions;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/types.h"

namespace s3cat::server {

// Applies the fields present in `body` to `source`; absent fields keep their
// value. `create` allows "name" to set the name; on update "name" must equal
// the current one. Credentials follow the rules in docs/api.md (a blank key
// ID and secret select the default chain). Raises ApiError 400 with the
// field at fault.
void apply_source_body(const nlohmann::json& body, catalog::Source& source, bool create);

// Validates a filter list as a save does: 400 naming path_prefixes[INDEX]
// for the first invalid filter. Returns the filters to store, without
// duplicates.
std::vector<std::string> validated_filters(const std::vector<std::string>& filters);

}  // namespace s3cat::server
