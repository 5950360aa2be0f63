// HttpTransport on libcurl's easy interface. Idle easy handles wait in a pool
// and each send() borrows one, so a handle (and the connections it keeps
// open) is reused without ever serving two threads at once.
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "s3/http.h"
#include "s3/metadata_http.h"

namespace s3cat::s3 {
namespace {

void initialise_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

TransportFault fault_for(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportFault::kDnsFailure;
    case CURLE_COULDNT_CONNECT:
      return TransportFault::kConnectionRefused;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return TransportFault::kConnectionReset;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportFault::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return TransportFault::kTlsFailure;
    case CURLE_PARTIAL_FILE:
      return TransportFault::kTruncatedBody;
    default:
      return TransportFault::kOther;
  }
}

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// The state that the curl callbacks fill in during one transfer.
struct Transfer {
  HttpResponse response;
  std::size_t max_body_bytes = 0;
  bool body_too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->response.body.size() + bytes > transfer->max_body_bytes) {
    transfer->body_too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);

  // A new status line starts a new header block (after "100 Continue", say),
  // so only the final response's headers remain.
  if (line.starts_with("HTTP/")) {
    transfer->response.headers.clear();
    return bytes;
  }

  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  const std::string name = to_lower(trim(line.substr(0, colon)));
  const std::string value(trim(line.substr(colon + 1)));
  auto [it, inserted] = transfer->response.headers.try_emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return bytes;
}

class HandlePool {
 public:
  HandlePool() = default;
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  ~HandlePool() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  CURL* acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* handle) {
    std::lock_guard lock(mutex_);
    idle_.push_back(handle);
  }

 private:
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

// Returns a borrowed handle to its pool when the send() that took it ends.
class HandleLease {
 public:
  explicit HandleLease(HandlePool& pool) : pool_(pool), handle_(pool.acquire()) {}
  HandleLease(const HandleLease&) = delete;
  HandleLease& operator=(const HandleLease&) = delete;
  ~HandleLease() {
    if (handle_ != nullptr) pool_.release(handle_);
  }
  CURL* get() const { return handle_; }

 private:
  HandlePool& pool_;
  CURL* handle_;
};

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// Splits "a,b,c" into its non-empty parts.
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view part = trim(text.substr(0, comma));
    if (!part.empty()) parts.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const CurlTransportOptions& options) : options_(options) {
    initialise_curl_once();
    if (options_.ca_bundle.empty()) {
      if (const char* bundle = std::getenv("AWS_CA_BUNDLE"); bundle != nullptr) options_.ca_bundle = bundle;
    }
    if (options_.resolve.empty()) {
      if (const char* resolve = std::getenv("S3CATALOG_TEST_RESOLVE"); resolve != nullptr) {
        options_.resolve = split_list(resolve);
      }
    }
    for (const std::string& entry : loopback_resolve_entries(options_.resolve)) resolve_.add(entry);
    if (resolve_.list != nullptr) {
      static std::once_flag logged;
      std::call_once(logged, [] { spdlog::warn("test hook: host names are mapped to loopback addresses (S3CATALOG_TEST_RESOLVE)"); });
    }
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    HandleLease lease(pool_);
    CURL* handle = lease.get();
    if (handle == nullptr) return std::unexpected(failure(TransportFault::kOther, "curl_easy_init failed"));

    // Reset clears the previous request's options but keeps open connections.
    curl_easy_reset(handle);
    Transfer transfer;
    transfer.max_body_bytes = options_.max_response_bytes;
    char error_buffer[CURL_ERROR_SIZE] = {};
    HeaderList headers;
    configure(handle, request, transfer, headers, error_buffer);

    const CURLcode code = curl_easy_perform(handle);
    if (code != CURLE_OK) {
      std::string message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
      TransportFault fault = fault_for(code);
      if (transfer.body_too_large) {
        fault = TransportFault::kOther;
        message = "response body larger than " + std::to_string(options_.max_response_bytes) + " bytes";
      }
      spdlog::trace("HTTP {} {} failed: {}", request.method, request.url, message);
      return std::unexpected(failure(fault, message));
    }

    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    spdlog::trace("HTTP {} {} -> {} ({} bytes)", request.method, request.url, status,
                  transfer.response.body.size());
    return std::move(transfer.response);
  }

 private:
  void configure(CURL* handle, const HttpRequest& request, Transfer& transfer, HeaderList& headers,
                 char* error_buffer) const {
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    // Proxy variables in the environment are ignored, so requests go exactly
    // where the endpoint says (tests stay on loopback).
    curl_easy_setopt(handle, CURLOPT_NOPROXY, "*");

    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit_bytes_per_second);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!options_.ca_bundle.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    if (resolve_.list != nullptr) curl_easy_setopt(handle, CURLOPT_RESOLVE, resolve_.list);

    if (request.method == "GET") {
      curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    for (const auto& [name, value] : request.headers) {
      // curl drops "Name:" with no value; "Name;" sends the header empty.
      headers.add(value.empty() ? name + ";" : name + ": " + value);
    }
    headers.add("Expect:");  // never wait for "100 Continue"
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.list);

    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  }

  static S3Error failure(TransportFault fault, const std::string& message) {
    S3Error error;
    error.transport = fault;
    error.message = message;
    error.category = categorize(0, "", fault);
    error.hint = hint_for(error.category, "", "");
    return error;
  }

  CurlTransportOptions options_;
  HeaderList resolve_;  // CURLOPT_RESOLVE entries; read-only after construction
  HandlePool pool_;
};

}  // namespace

std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options) {
  return std::make_shared<CurlTransport>(options);
}

// The test hook must never send a request elsewhere, so only loopback
// addresses are kept.
std::vector<std::string> loopback_resolve_entries(const std::vector<std::string>& entries) {
  std::vector<std::string> kept;
  for (const std::string& entry : entries) {
    const std::size_t first = entry.find(':');
    const std::size_t second = first == std::string::npos ? std::string::npos : entry.find(':', first + 1);
    std::string address = second == std::string::npos ? std::string() : entry.substr(second + 1);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
      address = address.substr(1, address.size() - 2);
    }
    if (address.empty() || address == "localhost" || !is_loopback_host(address)) {
      spdlog::warn("ignoring resolve entry \"{}\": expected host:port:address with a loopback address", entry);
      continue;
    }
    kept.push_back(entry);
  }
  return kept;
}

}  // namespace s3cat::s3
