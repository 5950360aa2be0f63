// Lists one bucket through the s3 module's client, paginator and parser, and
// stores nothing: the listing-only path of `s3catalog extract`. Usage:
//   s3bench-list --endpoint-url http://127.0.0.1:PORT --bucket NAME
// Prints "objects=N seconds=S" on standard output. The keys are the fixed
// dummy pair that the benchmark fixture accepts.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "s3/client.h"
#include "s3/credentials.h"
#include "s3/http.h"

namespace {

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "s3bench-list: " << message << "\nusage: s3bench-list --endpoint-url URL --bucket NAME\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace s3cat::s3;
  std::string endpoint;
  std::string bucket;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (i + 1 >= argc) usage_error(fmt::format("option {} needs a value", name));
    if (name == "--endpoint-url") {
      endpoint = argv[++i];
    } else if (name == "--bucket") {
      bucket = argv[++i];
    } else {
      usage_error(fmt::format("unknown option {}", name));
    }
  }
  if (endpoint.empty() || bucket.empty()) usage_error("--endpoint-url and --bucket are required");

  ClientOptions options;
  options.endpoint_url = endpoint;
  options.addressing = AddressingStyle::kPath;
  Credentials credentials;
  credentials.access_key_id = "AKIDBENCHMARK";
  credentials.secret_access_key = Secret("benchmark-secret");
  Client client(options, make_static_provider(credentials), make_curl_transport(options.transport));

  ListObjectsRequest request;
  request.bucket = BucketName(bucket);
  ObjectPaginator pages(client, request);
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t objects = 0;
  for (;;) {
    auto page = pages.next();
    if (!page) {
      std::cerr << "s3bench-list: listing failed: " << page.error().describe() << "\n";
      return 1;
    }
    if (!page->has_value()) break;
    objects += (*page)->objects.size();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << fmt::format("objects={} seconds={:.3f}\n", objects, seconds);
  return 0;
}
