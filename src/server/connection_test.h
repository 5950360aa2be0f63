// The "Test connection" routes' check of a source: extract::check_connection
// (credentials and their provider, STS identity, ListBuckets, one small
// listing per bucket in scope) as JSON. Network I/O; writes nothing.
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/types.h"
#include "extract/source_client.h"

namespace s3cat::server {

// Maximum number of buckets probed; the result counts the others as not checked.
inline constexpr std::size_t kMaxProbedBuckets = 100;

// Returns the result of POST /api/sources/{name}/test-connection
// (docs/api.md). Requests are retried at most twice each, so a dead endpoint
// fails within seconds rather than after a job's full retry budget.
nlohmann::json test_connection(const catalog::Source& source, const extract::ClientSettings& settings);

}  // namespace s3cat::server
