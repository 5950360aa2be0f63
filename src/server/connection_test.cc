#include "server/connection_test.h"

#include "extract/connection_check.h"

namespace s3cat::server {

nlohmann::json test_connection(const catalog::Source& source, const extract::ClientSettings& settings) {
  extract::ConnectionCheckOptions options;
  options.max_buckets = kMaxProbedBuckets;
  return extract::connection_report_json(extract::check_connection(source, settings, options));
}

}  // namespace s3cat::server
