#include "s3/endpoint.h"

#include <charconv>
#include <string_view>

#include "s3/client.h"

namespace s3cat::s3 {
namespace {

constexpr char kExpectedForm[] =
    "expected http://host[:port] or https://host[:port] with no path, for example http://127.0.0.1:9000";

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool is_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

S3Error invalid_endpoint(const std::string& shown_url, const std::string& reason) {
  S3Error error;
  error.context = "checking the endpoint URL";
  error.message = "invalid endpoint URL" + (shown_url.empty() ? std::string() : " \"" + shown_url + "\"") + ": " +
                  reason + "; " + kExpectedForm;
  error.category = ErrorCategory::kConfiguration;
  error.hint = "set the endpoint URL to http(s)://host[:port], or leave it empty for AWS";
  return error;
}

// Checks a host name or IPv4 address: dot-separated labels of letters,
// digits, '-' and '_' (container host names use '_').
bool is_valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label_length = 0;
  for (char c : host) {
    if (c == '.') {
      if (label_length == 0) return false;
      label_length = 0;
      continue;
    }
    if (!is_alphanumeric(c) && c != '-' && c != '_') return false;
    ++label_length;
  }
  return label_length != 0 || host.size() > 1;  // a trailing dot (FQDN) is allowed
}

bool is_valid_ipv6_literal(std::string_view address) {
  if (address.empty()) return false;
  for (char c : address) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != ':' && c != '.') return false;
  }
  return address.find(':') != std::string_view::npos;
}

// The parts of a URL that validation accepted.
struct UrlParts {
  std::string scheme;
  std::string host;  // including the brackets of an IPv6 literal
  int port = 0;      // 0 when the URL has none
};

Result<UrlParts> split_url(const std::string& url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return std::unexpected(invalid_endpoint("", "it contains white space or a control character"));
    }
  }
  if (url.empty()) return std::unexpected(invalid_endpoint("", "it is empty (leave the setting unset for AWS)"));

  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::unexpected(invalid_endpoint(url, "it has no http:// or https://"));
  UrlParts parts;
  parts.scheme = to_lower(std::string_view(url).substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return std::unexpected(invalid_endpoint(url, "the scheme must be http or https"));
  }

  const std::string_view rest = std::string_view(url).substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  // Never echo a URL with user info: it may carry a password.
  if (authority.find('@') != std::string_view::npos) {
    return std::unexpected(invalid_endpoint(
        "", "it contains user info; put credentials in the source's credential settings, not in the URL"));
  }
  if (authority_end != std::string_view::npos) {
    const std::string_view tail = rest.substr(authority_end);
    if (tail.front() == '?') return std::unexpected(invalid_endpoint(url, "it has a query"));
    if (tail.front() == '#') return std::unexpected(invalid_endpoint(url, "it has a fragment"));
    if (tail != "/") return std::unexpected(invalid_endpoint(url, "it has a path"));
  }

  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || !is_valid_ipv6_literal(authority.substr(1, close - 1))) {
      return std::unexpected(invalid_endpoint(url, "the IPv6 address is invalid"));
    }
    parts.host = std::string(authority.substr(0, close + 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::unexpected(invalid_endpoint(url, "the host is invalid"));
      port_text = after.substr(1);
      if (port_text.empty()) return std::unexpected(invalid_endpoint(url, "the port is empty"));
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    parts.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::unexpected(invalid_endpoint(url, "the port is empty"));
    }
    if (parts.host.empty()) return std::unexpected(invalid_endpoint(url, "it has no host"));
    if (!is_valid_host_name(parts.host)) return std::unexpected(invalid_endpoint(url, "the host is invalid"));
  }

  if (!port_text.empty()) {
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), parts.port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || parts.port < 1 || parts.port > 65535) {
      return std::unexpected(invalid_endpoint(url, "the port must be a number from 1 to 65535"));
    }
  }
  return parts;
}

// A bucket name that can be the first label of a host name.
bool is_dns_label(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

}  // namespace

Result<void> validate_endpoint_url(const std::string& url) {
  auto parts = split_url(url);
  if (!parts) return std::unexpected(parts.error());
  return {};
}

Result<Endpoint> parse_endpoint(const std::string& endpoint_url, const Region& region) {
  Endpoint endpoint;
  if (endpoint_url.empty()) {
    endpoint.scheme = "https";
    endpoint.is_aws = true;
    endpoint.from_region = true;
    endpoint.host = host_for_region(endpoint, region.str());
    return endpoint;
  }

  auto parts = split_url(endpoint_url);
  if (!parts) return std::unexpected(parts.error());
  endpoint.scheme = parts->scheme;
  endpoint.host = parts->host;
  // curl leaves a default port out of the Host header, so the signed host must too.
  const int default_port = endpoint.scheme == "https" ? 443 : 80;
  if (parts->port != 0 && parts->port != default_port) endpoint.host += ":" + std::to_string(parts->port);

  const std::string lower_host = to_lower(parts->host);
  endpoint.is_aws = lower_host.ends_with(".amazonaws.com") || lower_host.ends_with(".amazonaws.com.cn");
  return endpoint;
}

std::string host_for_region(const Endpoint& endpoint, const std::string& region) {
  if (!endpoint.from_region) return endpoint.host;
  const std::string suffix = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  return "s3." + region + suffix;
}

bool use_virtual_hosted(const Endpoint& endpoint, AddressingStyle style, const std::string& bucket) {
  switch (style) {
    case AddressingStyle::kPath:
      return false;
    case AddressingStyle::kVirtualHosted:
      return true;
    case AddressingStyle::kAuto:
      // A dotted name would not match the endpoint's single-level wildcard certificate.
      return endpoint.is_aws && is_dns_label(bucket);
  }
  return false;
}

}  // namespace s3cat::s3
