#include "s3/xml.h"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "s3/list_objects_parsers.h"

namespace s3cat::s3 {
namespace {

using detail::parse_number;
using detail::trim;

constexpr char kListObjectsOperation[] = "ListObjectsV2";
constexpr char kListBucketsOperation[] = "ListBuckets";

// The default options minus parse_eol, so that a CR in a key is not turned
// into LF, and plus parse_ws_pcdata, so that a key made only of white space
// survives. Entities and character references are still decoded.
constexpr unsigned int kParseOptions = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_ws_pcdata;

S3Error malformed(const char* operation, const std::string& detail) {
  S3Error error;
  error.operation = operation;
  error.message = "malformed XML: " + detail;
  error.category = ErrorCategory::kService;
  error.hint = hint_for(error.category, "", operation);
  return error;
}

// Parses body into document and returns its root element, checked by name.
Result<pugi::xml_node> load_document(pugi::xml_document& document, const std::string& body,
                                     std::string_view root_name, const char* operation) {
  if (const auto offset = detail::find_forbidden_control_byte(body)) {
    return std::unexpected(malformed(
        operation, fmt::format("control character 0x{:02X} at byte {}", static_cast<unsigned char>(body[*offset]),
                               *offset)));
  }

  const pugi::xml_parse_result parsed =
      document.load_buffer(body.data(), body.size(), kParseOptions, pugi::encoding_utf8);
  if (!parsed) {
    return std::unexpected(
        malformed(operation, fmt::format("{} at byte {}", parsed.description(), parsed.offset)));
  }

  const pugi::xml_node root = document.document_element();
  if (root_name != root.name()) {
    return std::unexpected(malformed(
        operation, fmt::format("expected root element {}, found '{}'", root_name, root.name())));
  }
  return root;
}

// The element's whole text, joining its text and CDATA children byte for byte.
std::string element_text(const pugi::xml_node& element) {
  std::string text;
  for (const pugi::xml_node& child : element.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) text += child.value();
  }
  return text;
}

std::string child_text(const pugi::xml_node& parent, const char* name) {
  const pugi::xml_node child = parent.child(name);
  return child ? element_text(child) : std::string();
}

// Returns true for "true", false for "false" or an absent element, and an
// error for anything else.
Result<bool> parse_flag(const pugi::xml_node& parent, const char* name, const char* operation) {
  const pugi::xml_node child = parent.child(name);
  if (!child) return false;
  const std::string raw = element_text(child);
  if (const auto flag = detail::parse_flag_text(raw)) return *flag;
  return std::unexpected(
      malformed(operation, fmt::format("<{}> is '{}', expected true or false", name, trim(raw))));
}

// Decodes a key or prefix of a listing that declared EncodingType url. %XX
// becomes the byte and '+' a space, because S3 encodes a space as '+' (form
// encoding) and a literal '+' as %2B.
Result<std::string> decode_listed_name(std::string encoded, const char* field) {
  if (const auto invalid = detail::url_decode_in_place(encoded)) {
    return std::unexpected(malformed(kListObjectsOperation,
                                     fmt::format("<{}> is not valid percent-encoding at '{}'", field,
                                                 std::string_view(encoded).substr(*invalid))));
  }
  return encoded;
}

// The first child element of <Contents> with each name the parser reads,
// found in one pass over the children instead of one search per name.
struct ContentsFields {
  pugi::xml_node key;
  pugi::xml_node size;
  pugi::xml_node last_modified;
  pugi::xml_node etag;
  pugi::xml_node storage_class;
  pugi::xml_node checksum_algorithm;
};

ContentsFields find_contents_fields(const pugi::xml_node& contents) {
  ContentsFields fields;
  for (pugi::xml_node child = contents.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = child.name();
    pugi::xml_node* slot = nullptr;
    if (name == "Key") {
      slot = &fields.key;
    } else if (name == "Size") {
      slot = &fields.size;
    } else if (name == "LastModified") {
      slot = &fields.last_modified;
    } else if (name == "ETag") {
      slot = &fields.etag;
    } else if (name == "StorageClass") {
      slot = &fields.storage_class;
    } else if (name == "ChecksumAlgorithm") {
      slot = &fields.checksum_algorithm;
    }
    if (slot != nullptr && !*slot) *slot = child;
  }
  return fields;
}

std::string optional_text(const pugi::xml_node& element) { return element ? element_text(element) : std::string(); }

Result<ObjectInfo> parse_object(const pugi::xml_node& contents, bool url_encoded) {
  ObjectInfo object;
  const ContentsFields fields = find_contents_fields(contents);

  if (!fields.key) return std::unexpected(malformed(kListObjectsOperation, "<Contents> without <Key>"));
  std::string key_text = element_text(fields.key);
  if (url_encoded) {
    auto decoded = decode_listed_name(std::move(key_text), "Key");
    if (!decoded) return std::unexpected(decoded.error());
    key_text = std::move(*decoded);
  }
  object.key = ObjectKey(std::move(key_text));

  if (fields.size) {
    if (!parse_number(element_text(fields.size), object.size)) {
      return std::unexpected(malformed(
          kListObjectsOperation, fmt::format("<Size> '{}' is not a byte count", element_text(fields.size))));
    }
  }

  object.last_modified = normalize_timestamp(optional_text(fields.last_modified));
  object.etag = std::string(detail::strip_etag_quotes(optional_text(fields.etag)));
  object.storage_class = optional_text(fields.storage_class);
  object.checksum_algorithm = optional_text(fields.checksum_algorithm);
  return object;
}

// Civil-time fields read from a timestamp, before conversion to UTC.
struct CivilTime {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_minutes = 0;  // east of UTC
};

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool digits(std::size_t count, int& value) {
    if (text_.size() < count) return false;
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (text_[i] < '0' || text_[i] > '9') return false;
      value = value * 10 + (text_[i] - '0');
    }
    text_.remove_prefix(count);
    return true;
  }

  bool literal(char c) {
    if (text_.empty() || text_.front() != c) return false;
    text_.remove_prefix(1);
    return true;
  }

  bool literal(std::string_view word) {
    if (!text_.starts_with(word)) return false;
    text_.remove_prefix(word.size());
    return true;
  }

  void skip_digits() {
    while (!text_.empty() && text_.front() >= '0' && text_.front() <= '9') text_.remove_prefix(1);
  }

  bool done() const { return text_.empty(); }
  std::string_view rest() const { return text_; }

 private:
  std::string_view text_;
};

// 2024-05-01T12:00:00.000Z, with 't', ' ' or 'T' between date and time and a
// zone of Z, +hh:mm or -hh:mm (none means UTC).
std::optional<CivilTime> parse_iso8601(std::string_view text) {
  Cursor cursor(text);
  CivilTime time;
  int month = 0;
  int day = 0;
  if (!cursor.digits(4, time.year) || !cursor.literal('-') || !cursor.digits(2, month) || !cursor.literal('-') ||
      !cursor.digits(2, day)) {
    return std::nullopt;
  }
  time.month = static_cast<unsigned>(month);
  time.day = static_cast<unsigned>(day);
  if (!(cursor.literal('T') || cursor.literal('t') || cursor.literal(' '))) return std::nullopt;
  if (!cursor.digits(2, time.hour) || !cursor.literal(':') || !cursor.digits(2, time.minute) ||
      !cursor.literal(':') || !cursor.digits(2, time.second)) {
    return std::nullopt;
  }
  if (cursor.literal('.')) cursor.skip_digits();

  if (cursor.done()) return time;
  if (cursor.literal('Z') || cursor.literal('z')) {
    if (!cursor.done()) return std::nullopt;
    return time;
  }
  const bool east = cursor.literal('+');
  if (!east && !cursor.literal('-')) return std::nullopt;
  int hours = 0;
  int minutes = 0;
  if (!cursor.digits(2, hours)) return std::nullopt;
  cursor.literal(':');
  if (!cursor.digits(2, minutes) || !cursor.done()) return std::nullopt;
  time.offset_minutes = (east ? 1 : -1) * (hours * 60 + minutes);
  return time;
}

// 20240501T120000Z, the X-Amz-Date form that RequestTimeTooSkewed echoes back.
std::optional<CivilTime> parse_compact_iso8601(std::string_view text) {
  Cursor cursor(text);
  CivilTime time;
  int month = 0;
  int day = 0;
  if (!cursor.digits(4, time.year) || !cursor.digits(2, month) || !cursor.digits(2, day) || !cursor.literal('T') ||
      !cursor.digits(2, time.hour) || !cursor.digits(2, time.minute) || !cursor.digits(2, time.second) ||
      !cursor.literal('Z') || !cursor.done()) {
    return std::nullopt;
  }
  time.month = static_cast<unsigned>(month);
  time.day = static_cast<unsigned>(day);
  return time;
}

// Wed, 01 May 2024 12:00:00 GMT (the HTTP date form some servers use).
std::optional<CivilTime> parse_rfc1123(std::string_view text) {
  constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto comma = text.find(", ");
  if (comma == std::string_view::npos) return std::nullopt;
  Cursor cursor(text.substr(comma + 2));
  CivilTime time;
  int day = 0;
  if (!cursor.digits(2, day) || !cursor.literal(' ')) return std::nullopt;
  time.day = static_cast<unsigned>(day);
  for (std::size_t i = 0; i < std::size(kMonths); ++i) {
    if (cursor.literal(kMonths[i])) time.month = static_cast<unsigned>(i + 1);
  }
  if (time.month == 0 || !cursor.literal(' ') || !cursor.digits(4, time.year) || !cursor.literal(' ') ||
      !cursor.digits(2, time.hour) || !cursor.literal(':') || !cursor.digits(2, time.minute) ||
      !cursor.literal(':') || !cursor.digits(2, time.second) || !cursor.literal(" GMT") || !cursor.done()) {
    return std::nullopt;
  }
  return time;
}

std::optional<std::chrono::sys_seconds> to_utc(const CivilTime& time) {
  using namespace std::chrono;
  const year_month_day date{year{time.year}, month{time.month}, day{time.day}};
  if (!date.ok() || time.hour > 23 || time.minute > 59 || time.second > 60) return std::nullopt;
  return sys_days(date) + hours(time.hour) + minutes(time.minute) + seconds(time.second) -
         minutes(time.offset_minutes);
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_timestamp(const std::string& value) {
  const std::string_view text = trim(value);
  std::optional<CivilTime> civil = parse_iso8601(text);
  if (!civil) civil = parse_compact_iso8601(text);
  if (!civil) civil = parse_rfc1123(text);
  if (!civil) return std::nullopt;
  return to_utc(*civil);
}

namespace {

// "the server's clock is 20 minutes ahead of this machine's", from the two
// times a RequestTimeTooSkewed document carries.
std::string describe_skew(const ErrorDocument& document) {
  const auto server_time = parse_timestamp(document.server_time);
  const auto request_time = parse_timestamp(document.request_time);
  if (!server_time || !request_time) return "";
  const auto difference = *server_time - *request_time;
  const long long minutes = std::chrono::duration_cast<std::chrono::minutes>(difference).count();
  const long long seconds = difference.count();
  long long magnitude = minutes != 0 ? minutes : seconds;
  if (magnitude < 0) magnitude = -magnitude;
  const char* unit = minutes != 0 ? "minutes" : "seconds";
  return fmt::format("the server's clock is {} {} {} this machine's", magnitude, unit,
                     seconds >= 0 ? "ahead of" : "behind");
}

std::string excerpt(const std::string& body) {
  constexpr std::size_t kMaxExcerpt = 120;
  std::string text = body.substr(0, kMaxExcerpt);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (body.size() > kMaxExcerpt) text += "...";
  return text;
}

}  // namespace

Result<ListObjectsPage> parse_list_objects(const std::string& body) {
  if (auto page = detail::scan_list_objects(body)) return std::move(*page);
  return detail::parse_list_objects_dom(body);
}

namespace detail {

Result<ListObjectsPage> parse_list_objects_dom(const std::string& body) {
  pugi::xml_document document;
  auto root = load_document(document, body, "ListBucketResult", kListObjectsOperation);
  if (!root) return std::unexpected(root.error());

  ListObjectsPage page;
  page.encoding_type = std::string(trim(child_text(*root, "EncodingType")));
  const bool url_encoded = page.encoding_type == "url";

  for (const pugi::xml_node& contents : root->children("Contents")) {
    auto object = parse_object(contents, url_encoded);
    if (!object) return std::unexpected(object.error());
    page.objects.push_back(std::move(*object));
  }

  for (const pugi::xml_node& common : root->children("CommonPrefixes")) {
    for (const pugi::xml_node& prefix : common.children("Prefix")) {
      std::string text = element_text(prefix);
      if (url_encoded) {
        auto decoded = decode_listed_name(std::move(text), "Prefix");
        if (!decoded) return std::unexpected(decoded.error());
        text = std::move(*decoded);
      }
      page.common_prefixes.push_back(std::move(text));
    }
  }

  auto truncated = parse_flag(*root, "IsTruncated", kListObjectsOperation);
  if (!truncated) return std::unexpected(truncated.error());
  page.is_truncated = *truncated;

  // Continuation tokens are opaque, and S3 does not URL-encode them.
  page.next_continuation_token = child_text(*root, "NextContinuationToken");

  // KeyCount counts Contents and CommonPrefixes together; some servers omit it.
  if (const pugi::xml_node key_count = root->child("KeyCount")) {
    if (!parse_number(element_text(key_count), page.key_count) || page.key_count < 0) {
      return std::unexpected(malformed(
          kListObjectsOperation, fmt::format("<KeyCount> '{}' is not a count", element_text(key_count))));
    }
  } else {
    page.key_count = static_cast<int>(page.objects.size() + page.common_prefixes.size());
  }
  return page;
}

std::optional<std::size_t> find_forbidden_control_byte(std::string_view body) {
  // XML 1.0 forbids raw bytes below 0x20 other than tab, LF and CR. S3 sends
  // them inside keys when the client did not ask for encoding-type=url, and a
  // lenient parser would then hand out keys that differ from the stored ones.
  const auto forbidden = [](unsigned char byte) { return byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r'; };
  const auto* bytes = reinterpret_cast<const unsigned char*>(body.data());
  std::size_t i = 0;

#if defined(__SSE2__)
  // Every body is scanned, so 64 bytes are tested at a time for any byte up
  // to 0x1F (min(byte, 0x1F) == byte). Only a flagged stretch, which in S3's
  // compact pages is rare, is tested again with tab, LF and CR allowed.
  const __m128i max_control = _mm_set1_epi8(0x1F);
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i line_feed = _mm_set1_epi8('\n');
  const __m128i carriage_return = _mm_set1_epi8('\r');
  const auto control_bytes = [&](std::size_t offset) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + offset));
    return _mm_cmpeq_epi8(_mm_min_epu8(block, max_control), block);
  };
  const auto forbidden_mask = [&](std::size_t offset) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + offset));
    const __m128i allowed = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, tab), _mm_cmpeq_epi8(block, line_feed)),
                                         _mm_cmpeq_epi8(block, carriage_return));
    return _mm_movemask_epi8(_mm_andnot_si128(allowed, control_bytes(offset)));
  };
  for (; i + 64 <= body.size(); i += 64) {
    const __m128i any = _mm_or_si128(_mm_or_si128(control_bytes(i), control_bytes(i + 16)),
                                     _mm_or_si128(control_bytes(i + 32), control_bytes(i + 48)));
    if (_mm_movemask_epi8(any) == 0) continue;
    for (std::size_t block = i; block < i + 64; block += 16) {
      const int flagged = forbidden_mask(block);
      if (flagged != 0) return block + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(flagged)));
    }
  }
#endif

  for (; i < body.size(); ++i) {
    if (forbidden(bytes[i])) return i;
  }
  return std::nullopt;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<std::size_t> url_decode_in_place(std::string& text) {
  char* const data = text.data();
  char* const end = data + text.size();
  char* special = const_cast<char*>(find_either(data, end, '%', '+'));
  if (special == end) return std::nullopt;

  // Decoding never lengthens the text, so it is written in place: the runs
  // between escapes are moved down, and each escape becomes one byte.
  char* out = special;
  while (special != end) {
    if (*special == '+') {
      *out++ = ' ';
      ++special;
    } else {
      const std::size_t offset = static_cast<std::size_t>(special - data);
      const int high = end - special > 2 ? hex_digit(special[1]) : -1;
      const int low = high >= 0 ? hex_digit(special[2]) : -1;
      if (low < 0) return offset;
      *out++ = static_cast<char>(high * 16 + low);
      special += 3;
    }
    char* next = const_cast<char*>(find_either(special, end, '%', '+'));
    std::memmove(out, special, static_cast<std::size_t>(next - special));
    out += next - special;
    special = next;
  }
  text.resize(static_cast<std::size_t>(out - data));
  return std::nullopt;
}

std::string_view strip_etag_quotes(std::string_view etag) {
  constexpr std::string_view kEntity = "&quot;";
  if (etag.size() >= 2 * kEntity.size() && etag.starts_with(kEntity) && etag.ends_with(kEntity)) {
    etag.remove_suffix(kEntity.size());
    etag.remove_prefix(kEntity.size());
  }
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag.remove_suffix(1);
    etag.remove_prefix(1);
  }
  return etag;
}

std::string_view trim(std::string_view value) {
  const auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = value.find_last_not_of(" \t\r\n");
  return value.substr(first, last - first + 1);
}

std::optional<bool> parse_flag_text(std::string_view text) {
  text = trim(text);
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

}  // namespace detail

Result<ListBucketsPage> parse_list_buckets(const std::string& body) {
  pugi::xml_document document;
  auto root = load_document(document, body, "ListAllMyBucketsResult", kListBucketsOperation);
  if (!root) return std::unexpected(root.error());

  ListBucketsPage page;
  for (const pugi::xml_node& bucket : root->child("Buckets").children("Bucket")) {
    BucketInfo info;
    info.name = BucketName(std::string(trim(child_text(bucket, "Name"))));
    if (info.name.empty()) return std::unexpected(malformed(kListBucketsOperation, "<Bucket> without <Name>"));
    info.creation_date = normalize_timestamp(child_text(bucket, "CreationDate"));
    info.region = std::string(trim(child_text(bucket, "BucketRegion")));
    page.buckets.push_back(std::move(info));
  }
  page.continuation_token = child_text(*root, "ContinuationToken");
  return page;
}

ErrorDocument parse_error_document(const std::string& body) {
  ErrorDocument result;
  pugi::xml_document document;
  if (!document.load_buffer(body.data(), body.size(), kParseOptions, pugi::encoding_utf8)) return result;

  // S3 sends <Error>, while STS and other query APIs wrap it in <ErrorResponse>,
  // and some servers (moto's STS, EC2-style APIs) add an <Errors> level in between.
  pugi::xml_node root = document.document_element();
  pugi::xml_node error = root;
  if (std::string_view(root.name()) == "ErrorResponse" || std::string_view(root.name()) == "Response") {
    error = root.child("Error");
    if (!error) error = root.child("Errors").child("Error");
  }
  if (!error || std::string_view(error.name()) != "Error") return result;

  result.code = std::string(trim(child_text(error, "Code")));
  result.message = std::string(trim(child_text(error, "Message")));
  result.request_id = std::string(trim(child_text(error, "RequestId")));
  if (result.request_id.empty()) result.request_id = std::string(trim(child_text(root, "RequestId")));
  result.region = std::string(trim(child_text(error, "Region")));
  result.server_time = std::string(trim(child_text(error, "ServerTime")));
  result.request_time = std::string(trim(child_text(error, "RequestTime")));
  return result;
}

namespace {

// Returns the two-digit number at text[offset], or -1.
int two_digits(std::string_view text, std::size_t offset) {
  const char high = text[offset];
  const char low = text[offset + 1];
  if (high < '0' || high > '9' || low < '0' || low > '9') return -1;
  return (high - '0') * 10 + (low - '0');
}

// The form S3 sends, "2024-05-01T12:00:00.000Z" or "2024-05-01T12:00:00Z",
// already in UTC: its normal form is its first 19 bytes and a 'Z'. Returns
// nullopt for any other text, which then takes the general path, and for
// second 60, which the general path rolls over into the next minute.
std::optional<std::string> normalize_utc_fast(std::string_view text) {
  const bool millis = text.size() == 24 && text[19] == '.' && text[23] == 'Z';
  if (!millis && !(text.size() == 20 && text[19] == 'Z')) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') return std::nullopt;
  const int century = two_digits(text, 0);
  const int year_in_century = two_digits(text, 2);
  const int month = two_digits(text, 5);
  const int day = two_digits(text, 8);
  const int hour = two_digits(text, 11);
  const int minute = two_digits(text, 14);
  const int second = two_digits(text, 17);
  if (century < 0 || year_in_century < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  if (millis && two_digits(text, 20) < 0) return std::nullopt;
  if (millis && (text[22] < '0' || text[22] > '9')) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{century * 100 + year_in_century},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  // Sized once: appending the 'Z' to a 19-byte copy would allocate twice.
  std::string normal(20, 'Z');
  text.copy(normal.data(), 19);
  return normal;
}

}  // namespace

std::string detail::normalize_timestamp_text(std::string_view value) {
  if (auto fast = normalize_utc_fast(value)) return std::move(*fast);
  return normalize_timestamp(std::string(value));
}

std::string normalize_timestamp(const std::string& value) {
  if (auto fast = normalize_utc_fast(value)) return std::move(*fast);
  if (trim(value).empty()) return "";
  const auto utc = parse_timestamp(value);
  // NOTE: an unrecognised format is returned unchanged, so no information is lost.
  if (!utc) return value;

  using namespace std::chrono;
  const sys_days day = floor<days>(*utc);
  const year_month_day date{day};
  const hh_mm_ss time{*utc - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count());
}

S3Error make_response_error(const HttpResponse& response, const std::string& operation,
                            const std::string& context) {
  const ErrorDocument document = parse_error_document(response.body);

  S3Error error;
  error.context = context;
  error.operation = operation;
  error.http_status = response.status;
  error.code = document.code;
  error.message = document.message;
  if (error.message.empty() && document.code.empty() && !response.body.empty()) {
    error.message = "unexpected response body: " + excerpt(response.body);
  }
  error.request_id = response.header("x-amz-request-id");
  if (error.request_id.empty()) error.request_id = document.request_id;
  error.region = response.header("x-amz-bucket-region");
  if (error.region.empty()) error.region = document.region;

  error.category = categorize(error.http_status, error.code, TransportFault::kNone);
  error.hint = hint_for(error.category, error.code, operation);
  if (error.code == "RequestTimeTooSkewed") {
    // The server's own message speaks of "request time", so name the clock here.
    std::string skew = describe_skew(document);
    if (skew.empty()) skew = "this machine's clock differs from the server's";
    error.message += (error.message.empty() ? "" : " ") + ("(" + skew + ")");
    error.hint += " (" + skew + ")";
  }
  if (error.category == ErrorCategory::kConfiguration && !error.region.empty()) {
    error.hint += "; the bucket is in region " + error.region;
  }
  return error;
}

}  // namespace s3cat::s3
