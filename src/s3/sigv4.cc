#include "s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <string_view>
#include <utility>

namespace s3cat::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kUpperHexDigits[] = "0123456789ABCDEF";

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex.push_back(kHexDigits[data[i] >> 4]);
    hex.push_back(kHexDigits[data[i] & 0x0f]);
  }
  return hex;
}

// Returns the raw (binary) HMAC-SHA256 of data under key.
std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string to_lower(std::string_view value) {
  std::string lower(value);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// SigV4's "trimall": strips leading and trailing white space and turns each
// run of inner white space (including the line breaks of folded header
// values) into one space.
std::string trim_all(std::string_view value) {
  std::string trimmed;
  trimmed.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !trimmed.empty();
      continue;
    }
    if (pending_space) trimmed.push_back(' ');
    pending_space = false;
    trimmed.push_back(c);
  }
  return trimmed;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes then re-encodes one query name or value, so that "a%2Fb", "a/b"
// and "a%2fb" all sign alike. A malformed escape is encoded as is (its '%'
// becomes %25), which is how the server reads it.
std::string canonical_query_component(std::string_view raw) {
  std::string decoded;
  if (!percent_decode(std::string(raw), decoded)) decoded = std::string(raw);
  return uri_encode(decoded, true);
}

// The canonical headers: one sorted map from lower-case name to trimmed
// value. Repeated headers are joined with ',' in the order given.
using HeaderMap = std::map<std::string, std::string>;

void add_header(HeaderMap& headers, std::string_view name, std::string_view value) {
  auto [it, inserted] = headers.try_emplace(to_lower(trim_all(name)), trim_all(value));
  if (!inserted) {
    it->second += ',';
    it->second += trim_all(value);
  }
}

HeaderMap canonical_header_map(const SigningRequest& request, const std::string& amz_date,
                               const Credentials& credentials) {
  HeaderMap headers;
  for (const auto& [name, value] : request.headers) {
    // The signer sets these itself, so a caller's copy would be signed twice.
    const std::string lower = to_lower(trim_all(name));
    if (lower == "host" || lower == "x-amz-date" || lower == "x-amz-security-token" || lower == "authorization") {
      continue;
    }
    add_header(headers, name, value);
  }
  add_header(headers, "host", request.host);
  add_header(headers, "x-amz-date", amz_date);
  if (!credentials.session_token.empty()) {
    add_header(headers, "x-amz-security-token", credentials.session_token.reveal());
  }
  return headers;
}

}  // namespace

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

std::string format_amz_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::floor<std::chrono::seconds>(time));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const std::size_t length = std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return std::string(buffer, length);
}

std::string uri_encode(const std::string& value, bool encode_slash) {
  std::string encoded;
  encoded.reserve(value.size() * 3);
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte) || (byte == '/' && !encode_slash)) {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(kUpperHexDigits[byte >> 4]);
      encoded.push_back(kUpperHexDigits[byte & 0x0f]);
    }
  }
  return encoded;
}

bool percent_decode(const std::string& value, std::string& decoded) {
  std::string result;
  result.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      result.push_back(value[i]);
      continue;
    }
    if (i + 2 >= value.size()) return false;
    const int high = hex_value(value[i + 1]);
    const int low = hex_value(value[i + 2]);
    if (high < 0 || low < 0) return false;
    result.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  decoded = std::move(result);
  return true;
}

std::string canonical_query(const std::string& raw_query) {
  std::vector<std::pair<std::string, std::string>> parameters;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    std::size_t end = raw_query.find('&', start);
    if (end == std::string::npos) end = raw_query.size();
    const std::string_view part(raw_query.data() + start, end - start);
    if (!part.empty()) {
      const std::size_t equals = part.find('=');
      const std::string_view name = part.substr(0, equals);
      const std::string_view value = equals == std::string_view::npos ? std::string_view() : part.substr(equals + 1);
      parameters.emplace_back(canonical_query_component(name), canonical_query_component(value));
    }
    start = end + 1;
  }

  // Sorting the encoded pairs orders by name first, so "Param" precedes "Param-3".
  std::sort(parameters.begin(), parameters.end());

  std::string canonical;
  for (const auto& [name, value] : parameters) {
    if (!canonical.empty()) canonical += '&';
    canonical += name;
    canonical += '=';
    canonical += value;
  }
  return canonical;
}

SignedHeaders sign_request(const SigningRequest& request, const Credentials& credentials) {
  const std::string amz_date = format_amz_date(request.time);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + request.region + "/" + request.service + "/aws4_request";
  const HeaderMap headers = canonical_header_map(request, amz_date, credentials);

  std::string canonical_headers;
  std::string signed_header_names;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_header_names.empty()) signed_header_names += ';';
    signed_header_names += name;
  }

  const std::string payload_hash = request.payload_sha256.empty() ? sha256_hex("") : request.payload_sha256;
  SignedHeaders result;
  result.canonical_request = request.method + "\n" +
                             (request.canonical_uri.empty() ? std::string("/") : request.canonical_uri) + "\n" +
                             canonical_query(request.query) + "\n" + canonical_headers + "\n" +
                             signed_header_names + "\n" + payload_hash;
  result.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" +
                          sha256_hex(result.canonical_request);

  // The signing key chain: date, region, service, then the fixed terminator.
  const std::string date_key = hmac_sha256("AWS4" + credentials.secret_access_key.reveal(), date);
  const std::string region_key = hmac_sha256(date_key, request.region);
  const std::string service_key = hmac_sha256(region_key, request.service);
  const std::string signing_key = hmac_sha256(service_key, "aws4_request");
  const std::string signature = hmac_sha256(signing_key, result.string_to_sign);
  result.signature = to_hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());

  result.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" +
                                                   credentials.access_key_id + "/" + scope +
                                                   ", SignedHeaders=" + signed_header_names +
                                                   ", Signature=" + result.signature);
  result.headers.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    result.headers.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());
  }
  return result;
}

}  // namespace s3cat::s3
