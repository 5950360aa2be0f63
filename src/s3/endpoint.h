// Endpoint URL handling for the S3 client: parsing a validated base URL and
// choosing the host and path of each request by addressing style. Used by
// client.cc and its tests only. Pure functions: thread-safe.
#pragma once

#include <string>

#include "s3/error.h"
#include "s3/types.h"

namespace s3cat::s3 {

struct Endpoint {
  std::string scheme;      // "http" or "https"
  std::string host;        // host, with ":port" only when the port is not the scheme's default
  bool is_aws = false;     // an amazonaws.com host, where virtual-hosted addressing works
  bool from_region = false;  // built from the region, so the host follows a bucket's region
};

// Returns the endpoint for a ClientOptions endpoint_url: an empty URL means
// AWS's https://s3.<region>.amazonaws.com. Errors are those of
// validate_endpoint_url (category kConfiguration).
Result<Endpoint> parse_endpoint(const std::string& endpoint_url, const Region& region);

// Returns the host for requests signed for `region` (only a region-built AWS
// endpoint changes host).
std::string host_for_region(const Endpoint& endpoint, const std::string& region);

// True when `bucket` goes into the host name rather than the path. kAuto picks
// virtual-hosted addressing for AWS endpoints, except for bucket names that
// are not single DNS labels (dots, upper case, underscores), and path-style
// for custom endpoints.
bool use_virtual_hosted(const Endpoint& endpoint, AddressingStyle style, const std::string& bucket);

}  // namespace s3cat::s3
