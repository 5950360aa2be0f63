// Parsers for the S3 XML answers the client reads. Pure functions over a
// complete body: no I/O, thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "s3/client.h"
#include "s3/error.h"

namespace s3cat::s3 {

// Parses a ListBucketResult (ListObjectsV2). Keys and common prefixes are
// decoded only when the body contains <EncodingType>url</EncodingType>; the
// decoding turns %XX into bytes and '+' into a space, because S3 encodes a
// space as '+' and a literal '+' as %2B. Raw control characters other than tab,
// CR and LF, malformed XML, a missing root element or an invalid number is a
// kService error (operation "ListObjectsV2"). CR and LF in keys stay as sent.
// Pages in the shape S3 sends are read by a single-pass scanner, and every
// other body by pugixml's DOM, with the same results (list_objects_parsers.h).
Result<ListObjectsPage> parse_list_objects(const std::string& body);

// Parses a ListAllMyBucketsResult.
Result<ListBucketsPage> parse_list_buckets(const std::string& body);

// Fields of an <Error> document; empty fields when the body is not one.
struct ErrorDocument {
  std::string code;
  std::string message;
  std::string request_id;
  std::string region;  // <Region> of AuthorizationHeaderMalformed / PermanentRedirect
  std::string server_time;  // <ServerTime> of RequestTimeTooSkewed
  std::string request_time;  // <RequestTime> of RequestTimeTooSkewed: the time the request claimed
};
ErrorDocument parse_error_document(const std::string& body);

// Parses a timestamp in the forms S3 and STS send: ISO 8601
// ("2024-05-01T12:00:00.000Z", with Z, an offset or no zone), the compact
// X-Amz-Date form ("20240501T120000Z") or an HTTP date ("Wed, 01 May 2024
// 12:00:00 GMT"). Returns UTC whole seconds, or nullopt for other text.
std::optional<std::chrono::sys_seconds> parse_timestamp(const std::string& value);

// Normalises S3 timestamps ("2024-05-01T12:00:00.000Z") to whole-second RFC 3339 UTC.
std::string normalize_timestamp(const std::string& value);

// Turns a non-2xx response into an S3Error with context, operation, status,
// code, message, request id, region, category and hint: the only place where
// that happens.
S3Error make_response_error(const HttpResponse& response, const std::string& operation,
                            const std::string& context);

}  // namespace s3cat::s3
