// JSON form of a finished job's result, stored in jobs.result.
#pragma once

#include <string>

#include "catalog/types.h"

namespace s3cat::catalog {

// Serializes status, times, error, bucket results, counts, warnings and
// summary.
// Bytes that are not valid UTF-8 are replaced with U+FFFD, so finishing a job
// never fails on a server message that is not UTF-8.
std::string job_result_to_json(const Job& job);

// Fills the result fields of `job` from job_result_to_json's output. Returns
// false when `json` is malformed; `job` may then be partly filled.
bool job_result_from_json(const std::string& json, Job& job);

}  // namespace s3cat::catalog
