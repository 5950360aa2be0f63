// The filter preview: what a proposed filter set would select, computed from
// the catalog alone (no S3 request), so it covers only what earlier jobs
// catalogued. Reads the store; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/path_filter.h"
#include "catalog/store.h"

namespace s3cat::server {

// Returns the response body of POST /api/sources/{name}/filters/preview
// (docs/api.md) for `proposed` against the source's current filters. Streams
// the source's files once; memory grows with the number of buckets and the
// 100-path samples, not with the number of files. Raises ApiError when the
// store fails.
nlohmann::json preview_filters(catalog::CatalogStore& store, const catalog::Source& source,
                               const std::vector<catalog::PathFilter>& proposed);

}  // namespace s3cat::server
