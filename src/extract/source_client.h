// Builds the S3 client for a catalog source: endpoint, region, addressing
// style and the credentials provider its settings call for.
#pragma once

#include <memory>

#include "catalog/types.h"
#include "s3/client.h"
#include "s3/error.h"

namespace s3cat::extract {

struct ClientSettings {
  s3::RetryOptions retry;
  s3::CurlTransportOptions transport;
  s3::Environment environment;  // for the default credential chain
};

// Returns a client for the source, or a kConfiguration error naming the
// setting at fault (an invalid endpoint URL or addressing style). No I/O.
s3::Result<std::unique_ptr<s3::Client>> make_source_client(const catalog::Source& source,
                                                           const ClientSettings& settings);

}  // namespace s3cat::extract
