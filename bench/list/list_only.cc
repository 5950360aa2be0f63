// Lists one bucket through the s3 module's client and parser and stores
// nothing: the listing path of `s3catalog extract` without the catalog.
// Usage:
//   s3bench-list --endpoint-url http://127.0.0.1:PORT --bucket NAME [--workers N]
// Without --workers, one ObjectPaginator walks the bucket page by page. With
// --workers N, the extract's ShardedListing lists it in key ranges with up to
// N requests in flight, under the same request limiter as `s3catalog extract
// --max-requests N`; pages are parsed, counted and dropped. Prints one line
// "objects=N seconds=S requests=R ranges=K workers=W" on standard output,
// where W is the number of ranges listed at once that ShardedListing chose.
// The keys are the fixed dummy pair that the benchmark fixture accepts.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "extract/sharded_listing.h"
#include "s3/client.h"
#include "s3/credentials.h"
#include "s3/http.h"
#include "s3/request_limiter.h"

namespace {

using namespace s3cat;

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "s3bench-list: " << message
            << "\nusage: s3bench-list --endpoint-url URL --bucket NAME [--workers N]\n";
  std::exit(2);
}

// Counts the HTTP requests sent, retries included.
class CountingTransport : public s3::HttpTransport {
 public:
  explicit CountingTransport(std::shared_ptr<s3::HttpTransport> inner) : inner_(std::move(inner)) {}

  s3::Result<s3::HttpResponse> send(const s3::HttpRequest& request) override {
    ++requests_;
    return inner_->send(request);
  }

  std::uint64_t requests() const { return requests_.load(); }

 private:
  std::shared_ptr<s3::HttpTransport> inner_;
  std::atomic<std::uint64_t> requests_{0};
};

struct Listed {
  std::uint64_t objects = 0;
  int ranges = 1;
  int workers = 1;
};

int list_one_stream(s3::Client& client, const std::string& bucket, Listed& listed) {
  s3::ListObjectsRequest request;
  request.bucket = s3::BucketName(bucket);
  s3::ObjectPaginator pages(client, request);
  for (;;) {
    auto page = pages.next();
    if (!page) {
      std::cerr << "s3bench-list: listing failed: " << page.error().describe() << "\n";
      return 1;
    }
    if (!page->has_value()) return 0;
    listed.objects += (*page)->objects.size();
  }
}

int list_sharded(s3::Client& client, const std::string& bucket, int workers, Listed& listed) {
  s3::RequestLimiterOptions limits;
  limits.max_requests = workers;
  client.set_request_limiter(std::make_shared<s3::RequestLimiter>(limits));

  extract::ShardedListingOptions options;
  options.max_workers = workers;
  std::atomic<std::uint64_t> objects{0};
  extract::ShardedListing sharded(
      client, s3::BucketName(bucket), "", options,
      [&](const std::vector<s3::ObjectInfo>& page) {
        objects += page.size();
        return true;
      },
      [] { return false; }, [](const std::string& message) { std::cerr << "s3bench-list: " << message << "\n"; });
  const auto outcome = sharded.run();
  listed.objects = objects.load();
  listed.ranges = outcome.ranges_listed;
  listed.workers = outcome.workers;
  if (outcome.error) {
    std::cerr << "s3bench-list: listing failed: " << outcome.error->describe() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint;
  std::string bucket;
  int workers = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (i + 1 >= argc) usage_error(fmt::format("option {} needs a value", name));
    if (name == "--endpoint-url") {
      endpoint = argv[++i];
    } else if (name == "--bucket") {
      bucket = argv[++i];
    } else if (name == "--workers") {
      const std::string value = argv[++i];
      char* end = nullptr;
      const long parsed = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || parsed < 1 || parsed > 256) {
        usage_error(fmt::format("invalid value '{}' for --workers: expected an integer from 1 to 256", value));
      }
      workers = static_cast<int>(parsed);
    } else {
      usage_error(fmt::format("unknown option {}", name));
    }
  }
  if (endpoint.empty() || bucket.empty()) usage_error("--endpoint-url and --bucket are required");

  s3::ClientOptions options;
  options.endpoint_url = endpoint;
  options.addressing = s3::AddressingStyle::kPath;
  s3::Credentials credentials;
  credentials.access_key_id = "AKIDBENCHMARK";
  credentials.secret_access_key = s3::Secret("benchmark-secret");
  auto transport = std::make_shared<CountingTransport>(s3::make_curl_transport(options.transport));
  s3::Client client(options, s3::make_static_provider(credentials), transport);

  const auto started = std::chrono::steady_clock::now();
  Listed listed;
  const int status = workers > 0 ? list_sharded(client, bucket, workers, listed)
                                 : list_one_stream(client, bucket, listed);
  if (status != 0) return status;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << fmt::format("objects={} seconds={:.3f} requests={} ranges={} workers={}\n", listed.objects, seconds,
                           transport->requests(), listed.ranges, listed.workers);
  return 0;
}
