// Builds the S3 client for a catalog source: endpoint, region, addressing
// style and the credentials provider its settings call for (stored keys or
// the default chain, under an assumed role when the source sets one).
#pragma once

#include <memory>
#include <string>

#include "catalog/types.h"
#include "s3/client.h"
#include "s3/credentials.h"
#include "s3/error.h"

namespace s3cat::extract {

struct ClientSettings {
  s3::RetryOptions retry;
  s3::CurlTransportOptions transport;
  // The default chain's variables, and the STS and metadata endpoint overrides.
  s3::Environment environment;
};

// Returns the STS endpoint for the source's role: AWS_ENDPOINT_URL_STS, else
// AWS_ENDPOINT_URL, else the source's own endpoint URL when it has one
// (MinIO, Ceph RGW and moto serve STS on their S3 endpoint), else an empty
// string for AWS's regional endpoint.
std::string sts_endpoint_for(const catalog::Source& source, const s3::Environment& environment);

// Returns the source's credentials provider: its stored keys or the default
// chain, wrapped in an assume-role provider when it sets a role ARN. STS and
// the chain's network sources use `transport`. No I/O until resolve().
std::shared_ptr<s3::CredentialsProvider> make_source_credentials(const catalog::Source& source,
                                                                 const ClientSettings& settings,
                                                                 std::shared_ptr<s3::HttpTransport> transport);

// Returns the client options for the source: endpoint, region, addressing
// style, requester pays, retries and transport. Errors (kConfiguration) name
// the setting at fault (an invalid endpoint URL or addressing style). No I/O.
s3::Result<s3::ClientOptions> source_client_options(const catalog::Source& source, const ClientSettings& settings);

// Returns a client for the source, with the options above and the source's
// credentials provider, or the options' error. No I/O.
s3::Result<std::unique_ptr<s3::Client>> make_source_client(const catalog::Source& source,
                                                           const ClientSettings& settings);

}  // namespace s3cat::extract
