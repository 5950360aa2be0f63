#include "s3/client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "s3/endpoint.h"
#include "s3/sigv4.h"
#include "s3/xml.h"

namespace s3cat::s3 {
namespace {

constexpr char kListBuckets[] = "ListBuckets";
constexpr char kListObjects[] = "ListObjectsV2";
constexpr int kMaxBucketPages = 10000;
constexpr char kUserAgent[] = "s3catalog/0.1";
// A RequestTimeTooSkewed response whose server time is closer than this to the
// signing time cannot be fixed by moving the signing clock, so it is not retried.
constexpr std::chrono::seconds kMinClockCorrection{60};

// One S3 call, before signing: what to request and how to describe it.
struct Call {
  std::string operation;
  std::string context;
  std::string bucket;  // empty for service-level calls (ListBuckets)
  std::string query;   // already percent-encoded
  bool requester_pays = false;
};

std::mt19937_64& thread_random() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

S3Error with_call(S3Error error, const Call& call) {
  if (error.operation.empty()) error.operation = call.operation;
  if (error.context.empty()) error.context = call.context;
  if (error.hint.empty()) error.hint = hint_for(error.category, error.code, error.operation);
  return error;
}

bool is_expired_token(const S3Error& error) {
  return (error.http_status == 400 || error.http_status == 403) &&
         (error.code == "ExpiredToken" || error.code == "ExpiredTokenException" ||
          error.code == "TokenRefreshRequired");
}

// A redirect to the bucket's own region: 301 PermanentRedirect (or 307) with
// x-amz-bucket-region, or 400 AuthorizationHeaderMalformed with <Region>.
bool is_region_redirect(const S3Error& error) {
  if (error.region.empty()) return false;
  return error.http_status == 301 || error.http_status == 307 || error.code == "PermanentRedirect" ||
         error.code == "AuthorizationHeaderMalformed" || error.code == "IllegalLocationConstraintException";
}

S3Error broken_response(const Call& call, const HttpResponse& response, S3Error parse_error) {
  S3Error error = with_call(std::move(parse_error), call);
  error.http_status = response.status;
  error.request_id = response.header("x-amz-request-id");
  return error;
}

// "20 min 3 s" for a clock offset.
std::string describe_duration(std::chrono::seconds duration) {
  long long seconds = duration.count() < 0 ? -duration.count() : duration.count();
  const long long hours = seconds / 3600;
  const long long minutes = seconds % 3600 / 60;
  seconds %= 60;
  if (hours > 0) return fmt::format("{} h {} min {} s", hours, minutes, seconds);
  if (minutes > 0) return fmt::format("{} min {} s", minutes, seconds);
  return fmt::format("{} s", seconds);
}

// The server's time from a RequestTimeTooSkewed response: the Date header, else
// the <ServerTime> element of the error document.
std::optional<std::chrono::sys_seconds> server_time_of(const HttpResponse& response) {
  if (auto date = parse_timestamp(response.header("date"))) return date;
  return parse_timestamp(parse_error_document(response.body).server_time);
}

std::string listing_context(const ListObjectsRequest& request) {
  std::string context = "listing bucket " + request.bucket.str();
  if (!request.prefix.empty()) context += ", prefix " + request.prefix;
  return context;
}

// The query of one ListObjectsV2 request; the signer sorts it.
std::string list_objects_query(const ListObjectsRequest& request) {
  std::string query = "list-type=2";
  if (!request.continuation_token.empty()) query += "&continuation-token=" + uri_encode(request.continuation_token, true);
  if (!request.delimiter.empty()) query += "&delimiter=" + uri_encode(request.delimiter, true);
  // Asking for url encoding is what keeps control characters in keys intact.
  query += "&encoding-type=url";
  if (request.max_keys > 0) query += fmt::format("&max-keys={}", request.max_keys);
  if (!request.prefix.empty()) query += "&prefix=" + uri_encode(request.prefix, true);
  if (!request.start_after.empty()) query += "&start-after=" + uri_encode(request.start_after, true);
  return query;
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::shared_ptr<CredentialsProvider> credentials;
  std::shared_ptr<HttpTransport> transport;
  Result<Endpoint> endpoint;

  std::mutex mutex;  // guards clock, clock_offset and bucket_regions
  std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
  // Added to `clock` when signing, after a RequestTimeTooSkewed response revealed the server's time.
  std::chrono::seconds clock_offset{0};
  std::map<std::string, std::string> bucket_regions;
  std::shared_ptr<RequestLimiter> limiter;  // set before the first request, then read-only

  Impl(ClientOptions client_options, std::shared_ptr<CredentialsProvider> provider,
       std::shared_ptr<HttpTransport> http)
      : options(std::move(client_options)),
        credentials(std::move(provider)),
        transport(std::move(http)),
        endpoint(parse_endpoint(options.endpoint_url, options.region)) {
    if (!transport) transport = make_curl_transport(options.transport);
  }

  // The signing time: the clock plus any correction for the server's clock.
  std::chrono::system_clock::time_point now() {
    std::lock_guard lock(mutex);
    return clock() + clock_offset;
  }

  // Moves the signing clock to the server's time of a RequestTimeTooSkewed
  // response to a request signed at `signed_at`. Returns false, changing
  // nothing, when the response has no server time or one within
  // kMinClockCorrection of `signed_at`.
  bool correct_clock(const HttpResponse& response, std::chrono::system_clock::time_point signed_at) {
    const auto server_time = server_time_of(response);
    if (!server_time) return false;
    const auto skew = std::chrono::duration_cast<std::chrono::seconds>(*server_time - signed_at);
    if (skew < kMinClockCorrection && skew > -kMinClockCorrection) return false;

    std::chrono::seconds offset;
    {
      std::lock_guard lock(mutex);
      clock_offset += skew;
      offset = clock_offset;
    }
    spdlog::warn("the server's clock is {} {} this machine's: signing requests with a clock offset of {:+} s; "
                 "synchronise this machine's clock with NTP",
                 describe_duration(skew), skew.count() > 0 ? "ahead of" : "behind", offset.count());
    return true;
  }

  std::string region_of(const std::string& bucket) {
    std::lock_guard lock(mutex);
    const auto it = bucket.empty() ? bucket_regions.end() : bucket_regions.find(bucket);
    return it == bucket_regions.end() ? options.region.str() : it->second;
  }

  void remember_region(const std::string& bucket, const std::string& region) {
    std::lock_guard lock(mutex);
    bucket_regions[bucket] = region;
  }

  // Builds and signs one attempt. Path-style:
  //   GET http://127.0.0.1:9000/logs?list-type=2&encoding-type=url&max-keys=1000
  // Virtual-hosted:
  //   GET https://logs.s3.eu-west-1.amazonaws.com/?list-type=2&encoding-type=url&max-keys=1000
  HttpRequest build_request(const Call& call, const Credentials& credentials_now,
                            std::chrono::system_clock::time_point signing_time) {
    const std::string region = region_of(call.bucket);
    std::string host = host_for_region(*endpoint, region);
    std::string path = "/";
    if (!call.bucket.empty()) {
      if (use_virtual_hosted(*endpoint, options.addressing, call.bucket)) {
        host = call.bucket + "." + host;
      } else {
        path += uri_encode(call.bucket, true);
      }
    }

    SigningRequest signing;
    signing.method = "GET";
    signing.host = host;
    signing.canonical_uri = path;
    signing.query = call.query;
    signing.payload_sha256 = sha256_hex("");
    signing.headers.emplace_back("x-amz-content-sha256", signing.payload_sha256);
    if (call.requester_pays) signing.headers.emplace_back("x-amz-request-payer", "requester");
    signing.region = region;
    signing.service = "s3";
    signing.time = signing_time;
    const SignedHeaders signed_headers = sign_request(signing, credentials_now);

    HttpRequest request;
    request.method = signing.method;
    request.url = endpoint->scheme + "://" + host + path + (call.query.empty() ? "" : "?" + call.query);
    request.headers = signing.headers;
    request.headers.insert(request.headers.end(), signed_headers.headers.begin(), signed_headers.headers.end());
    request.headers.emplace_back("User-Agent", kUserAgent);
    return request;
  }

  // Records the region a redirect names, and returns true when the request
  // should be sent again there.
  bool follow_region_redirect(const S3Error& error, const Call& call) {
    if (call.bucket.empty() || !is_region_redirect(error)) return false;
    const std::string current = region_of(call.bucket);
    if (error.region == current) return false;
    spdlog::warn("bucket {} is in region {}, not {}: sending its requests there", call.bucket, error.region,
                 current);
    remember_region(call.bucket, error.region);
    return true;
  }

  // Sends one call with signing, retries, one credential refresh after
  // ExpiredToken, one region redirect and one clock correction after
  // RequestTimeTooSkewed. Returns the 2xx response or the final error.
  Result<HttpResponse> execute(const Call& call) {
    if (!endpoint) return std::unexpected(with_call(endpoint.error(), call));
    if (!credentials) {
      S3Error error;
      error.message = "the client has no credentials provider";
      error.category = ErrorCategory::kInternal;
      return std::unexpected(with_call(std::move(error), call));
    }

    const auto started = std::chrono::steady_clock::now();
    std::optional<Credentials> refreshed;
    bool refresh_used = false;
    bool redirect_used = false;
    bool clock_corrected = false;
    int attempt = 0;  // attempts that count against max_attempts
    int sent = 0;

    for (;;) {
      ++attempt;
      Credentials credentials_now;
      if (refreshed) {
        credentials_now = *refreshed;
      } else {
        auto resolved = credentials->resolve();
        if (!resolved) return std::unexpected(with_call(resolved.error(), call));
        credentials_now = std::move(*resolved);
      }

      const auto signing_time = now();
      const HttpRequest request = build_request(call, credentials_now, signing_time);
      ++sent;
      if (limiter) limiter->acquire();
      auto response = transport->send(request);
      const bool succeeded = response && response->status >= 200 && response->status < 300;
      if (succeeded) {
        if (limiter) limiter->release(false, true);
        return response;
      }

      S3Error error = response ? make_response_error(*response, call.operation, call.context)
                               : with_call(response.error(), call);
      if (limiter) limiter->release(is_throttling(error), false);
      const bool skewed = error.code == "RequestTimeTooSkewed";
      if (skewed && !clock_corrected && response && correct_clock(*response, signing_time)) {
        clock_corrected = true;
        --attempt;  // the retry with the corrected clock is extra
        continue;
      }
      if (skewed && clock_corrected) {
        error.message += " (the request was signed with the clock corrected to the server's time, and was "
                         "still rejected)";
      }
      const auto give_up = [sent](S3Error final_error) {
        final_error.attempts = sent;
        return std::unexpected(std::move(final_error));
      };

      if (is_expired_token(error) && !refresh_used) {
        refresh_used = true;
        spdlog::warn("refreshing the {} credentials after: {}", credentials->name(), error.describe());
        auto renewed = credentials->refresh_after_expiry(error, credentials_now);
        if (!renewed) {
          S3Error refresh_error = with_call(renewed.error(), call);
          refresh_error.category = ErrorCategory::kAuthentication;
          return give_up(std::move(refresh_error));
        }
        refreshed = std::move(*renewed);
        --attempt;  // the retry with new credentials is extra
        continue;
      }

      if (!redirect_used && follow_region_redirect(error, call)) {
        redirect_used = true;
        --attempt;
        continue;
      }

      if (!is_retryable(error) || attempt >= options.retry.max_attempts) return give_up(std::move(error));
      const auto delay = backoff_delay(options.retry, attempt + 1, thread_random());
      if (std::chrono::steady_clock::now() - started + delay >= options.retry.max_total_time) {
        return give_up(std::move(error));
      }
      spdlog::warn("attempt {} of {} failed, retrying in {} ms: {}", attempt, options.retry.max_attempts,
                   delay.count(), error.describe());
      std::this_thread::sleep_for(delay);
    }
  }
};

Client::Client(ClientOptions options, std::shared_ptr<CredentialsProvider> credentials,
               std::shared_ptr<HttpTransport> transport)
    : options_(options), impl_(std::make_shared<Impl>(std::move(options), std::move(credentials), std::move(transport))) {}

void Client::set_clock(std::function<std::chrono::system_clock::time_point()> clock) {
  std::lock_guard lock(impl_->mutex);
  impl_->clock = std::move(clock);
}

void Client::set_bucket_region(const BucketName& bucket, const Region& region) {
  if (bucket.empty() || region.empty()) return;
  impl_->remember_region(bucket.str(), region.str());
}

std::optional<Region> Client::bucket_region(const BucketName& bucket) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->bucket_regions.find(bucket.str());
  if (it == impl_->bucket_regions.end()) return std::nullopt;
  return Region(it->second);
}

void Client::set_request_limiter(std::shared_ptr<RequestLimiter> limiter) { impl_->limiter = std::move(limiter); }

Result<Credentials> Client::resolve_credentials() {
  if (!impl_->credentials) {
    S3Error error;
    error.message = "the client has no credentials provider";
    error.category = ErrorCategory::kInternal;
    return std::unexpected(error);
  }
  return impl_->credentials->resolve();
}

Result<std::vector<BucketInfo>> Client::list_buckets() {
  std::vector<BucketInfo> buckets;
  std::set<std::string> seen_tokens;
  std::string token;

  for (int page = 0; page < kMaxBucketPages; ++page) {
    Call call;
    call.operation = kListBuckets;
    call.context = "listing buckets";
    if (!token.empty()) call.query = "continuation-token=" + uri_encode(token, true);

    auto response = impl_->execute(call);
    if (!response) return std::unexpected(response.error());
    auto parsed = parse_list_buckets(response->body);
    if (!parsed) return std::unexpected(broken_response(call, *response, parsed.error()));

    for (BucketInfo& bucket : parsed->buckets) {
      if (!bucket.region.empty()) impl_->remember_region(bucket.name.str(), bucket.region);
      buckets.push_back(std::move(bucket));
    }
    if (parsed->continuation_token.empty()) return buckets;

    if (!seen_tokens.insert(parsed->continuation_token).second) {
      S3Error error = with_call(S3Error{}, call);
      error.message = "repeated continuation token";
      error.category = ErrorCategory::kService;
      error.hint = hint_for(error.category, "", kListBuckets);
      return std::unexpected(error);
    }
    token = parsed->continuation_token;
  }

  Call call{kListBuckets, "listing buckets"};
  S3Error error = with_call(S3Error{}, call);
  error.message = fmt::format("more than {} pages of buckets", kMaxBucketPages);
  error.category = ErrorCategory::kService;
  error.hint = hint_for(error.category, "", kListBuckets);
  return std::unexpected(error);
}

Result<ListObjectsPage> Client::list_objects_page(const ListObjectsRequest& request) {
  Call call;
  call.operation = kListObjects;
  call.context = listing_context(request);
  call.bucket = request.bucket.str();
  call.query = list_objects_query(request);
  call.requester_pays = options_.requester_pays;

  if (request.bucket.empty()) {
    S3Error error = with_call(S3Error{}, call);
    error.message = "the bucket name is empty";
    error.category = ErrorCategory::kConfiguration;
    error.hint = hint_for(error.category, "", kListObjects);
    return std::unexpected(error);
  }

  auto response = impl_->execute(call);
  if (!response) return std::unexpected(response.error());
  // S3 sends the bucket's region in a header of every listing response.
  if (const std::string region = response->header("x-amz-bucket-region"); !region.empty()) {
    impl_->remember_region(call.bucket, region);
  }
  auto page = parse_list_objects(response->body);
  if (!page) return std::unexpected(broken_response(call, *response, page.error()));
  return page;
}

}  // namespace s3cat::s3
