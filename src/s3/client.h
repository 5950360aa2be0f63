// The S3 client: the few S3 calls the catalog needs (ListBuckets,
// ListObjectsV2), signed with SigV4 and retried by the module's one retry
// policy. It knows nothing of the catalog. Thread-safe: one client serves all
// listing workers of a job.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "s3/credentials.h"
#include "s3/error.h"
#include "s3/http.h"
#include "s3/request_limiter.h"
#include "s3/retry.h"
#include "s3/types.h"

namespace s3cat::s3 {

struct ClientOptions {
  // Empty means AWS: https://s3.<region>.amazonaws.com. Otherwise a base URL such
  // as http://127.0.0.1:9000, with no path, query or credentials in it.
  std::string endpoint_url;
  Region region{"us-east-1"};
  AddressingStyle addressing = AddressingStyle::kAuto;
  bool requester_pays = false;  // sends x-amz-request-payer: requester on listings
  RetryOptions retry;
  CurlTransportOptions transport;
};

// Checks an endpoint URL: scheme http or https, a host, an optional port, no
// path (a lone trailing '/' is accepted), query, fragment or user info. Returns the error (category
// kConfiguration) naming the value and the expected form.
Result<void> validate_endpoint_url(const std::string& url);

struct BucketInfo {
  BucketName name;
  std::string creation_date;  // RFC 3339 UTC, whole seconds; empty when absent
  std::string region;         // BucketRegion from ListBuckets, when the server sends it
};

struct ObjectInfo {
  ObjectKey key;              // exact bytes, decoded only if the response declared EncodingType url
  std::uint64_t size = 0;
  std::string last_modified;  // RFC 3339 UTC, whole seconds: 2024-05-01T12:00:00Z
  std::string etag;           // without the surrounding quotes
  std::string storage_class;  // empty when the element is absent
  std::string checksum_algorithm;  // empty when absent
};

struct ListObjectsRequest {
  BucketName bucket;
  std::string prefix;          // raw key prefix; empty lists the whole bucket
  std::string continuation_token;
  std::string start_after;
  std::string delimiter;       // empty for a flat listing
  int max_keys = 1000;
};

struct ListObjectsPage {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;  // decoded like keys
  bool is_truncated = false;
  std::string next_continuation_token;
  int key_count = 0;
  std::string encoding_type;  // the <EncodingType> the server declared ("url"), empty when absent
};

struct ListBucketsPage {
  std::vector<BucketInfo> buckets;
  std::string continuation_token;  // empty on the last page
};

class Client {
 public:
  Client(ClientOptions options, std::shared_ptr<CredentialsProvider> credentials,
         std::shared_ptr<HttpTransport> transport);

  // Tests inject a fixed clock; the default is the system clock.
  void set_clock(std::function<std::chrono::system_clock::time_point()> clock);

  // Records the region a bucket lives in, so its requests are signed for (and,
  // on AWS's default endpoint, sent to) that region from the first attempt.
  // list_buckets() records the BucketRegion values it receives, and a region
  // redirect (301, AuthorizationHeaderMalformed) records the region it names.
  void set_bucket_region(const BucketName& bucket, const Region& region);
  // The region recorded for the bucket by set_bucket_region, ListBuckets or a
  // redirect; std::nullopt when none was, and requests use options().region.
  std::optional<Region> bucket_region(const BucketName& bucket) const;

  // Makes every later request, retries included, take a slot of `limiter`
  // while it is on the wire, and report whether S3 throttled it. Call before
  // the first request; nullptr removes the limit.
  void set_request_limiter(std::shared_ptr<RequestLimiter> limiter);

  // GET / (ListBuckets), following ContinuationToken pages to the end.
  // Network I/O; retried per options.retry. Errors carry operation "ListBuckets";
  // a repeated token or more than 10,000 pages is a kService error.
  Result<std::vector<BucketInfo>> list_buckets();

  // GET /<bucket>?list-type=2&encoding-type=url&... : one page of ListObjectsV2.
  // Network I/O; each attempt is signed anew and retried per options.retry.
  // After an ExpiredToken response the provider refreshes, and the page is
  // requested once more.
  // A region redirect that names the bucket's region is followed once. A
  // RequestTimeTooSkewed response moves the signing clock to the server's time
  // (its Date header, else <ServerTime>) and retries once, logging a warning
  // with the offset; the offset then applies to every later request.
  // Malformed XML is an error of category kService, never a short page.
  Result<ListObjectsPage> list_objects_page(const ListObjectsRequest& request);

  // Returns the credentials the next request is signed with, resolving them
  // through the provider when needed (the provider's I/O). Errors are the
  // provider's.
  Result<Credentials> resolve_credentials();

  const ClientOptions& options() const { return options_; }

 private:
  struct Impl;
  ClientOptions options_;
  std::shared_ptr<Impl> impl_;
};

// Walks a ListObjectsV2 listing page by page and guards against broken
// pagination: IsTruncated without a NextContinuationToken, or a token the
// server already returned, ends the walk with a kService error. Not thread-safe;
// one paginator per listing.
class ObjectPaginator {
 public:
  ObjectPaginator(Client& client, ListObjectsRequest first_request);

  // Returns the next page, std::nullopt once the listing is complete, or the
  // error that ended it. After an error or the end, keeps returning the same.
  // A page with a broken continuation (no token, or a token seen before) is
  // still returned, and the following call returns the kService error
  // without sending another request.
  Result<std::optional<ListObjectsPage>> next();

  int pages_fetched() const { return pages_fetched_; }

 private:
  Client& client_;
  ListObjectsRequest request_;
  std::unordered_set<std::string> seen_tokens_;
  std::optional<S3Error> final_error_;
  bool done_ = false;
  int pages_fetched_ = 0;
};

}  // namespace s3cat::s3
