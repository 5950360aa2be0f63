// The two ListObjectsV2 page parsers behind parse_list_objects (xml.h) and
// the text rules they share, so that both produce the same fields. Exposed
// for the tests that run both parsers over the same pages; other code calls
// parse_list_objects. Pure functions: no I/O, thread-safe.
#pragma once

#include <bit>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "s3/client.h"

namespace s3cat::s3::detail {

// Parses a page in one pass, if it has the shape S3 and compatible servers
// send. That shape is an optional XML declaration and the ListBucketResult
// root with plain attributes. Its elements have no attributes, and there
// are no comments, CDATA or processing instructions. Texts use only the five
// predefined entities and character references. Returns nullopt for any
// other body and for every body that parse_list_objects_dom rejects, so that
// the DOM parser decides those.
std::optional<ListObjectsPage> scan_list_objects(std::string_view body);

// The general parser on pugixml's DOM. It accepts every well-formed document
// and produces every error parse_list_objects returns.
Result<ListObjectsPage> parse_list_objects_dom(const std::string& body);

// Offset of the first byte below 0x20 other than tab, LF and CR, which XML
// 1.0 forbids, or nullopt.
std::optional<std::size_t> find_forbidden_control_byte(std::string_view body);

// Decodes S3's encoding-type=url form in place: %XX becomes the byte and '+'
// a space. Returns the offset of the first invalid escape, or nullopt. On an
// error the bytes from that offset on are still the original text.
std::optional<std::size_t> url_decode_in_place(std::string& text);

// The ETag without its quotes, which S3 sends as "&quot;abc&quot;" (some
// servers escape the entity twice, which leaves a literal "&quot;").
std::string_view strip_etag_quotes(std::string_view etag);

// `value` normalised as normalize_timestamp (xml.h) does.
std::string normalize_timestamp_text(std::string_view value);

std::string_view trim(std::string_view value);

// true for "true", "True" or "TRUE", false for the same forms of "false",
// nullopt for other text. The text is trimmed first.
std::optional<bool> parse_flag_text(std::string_view text);

// Returns the first byte in [begin, end) that equals `first` or `second`, or
// `end`. Listing texts are short, so this tests 16 bytes at a time inline
// instead of calling memchr twice.
inline const char* find_either(const char* begin, const char* end, char first, char second) {
  const char* position = begin;
#if defined(__SSE2__)
  const __m128i first_block = _mm_set1_epi8(first);
  const __m128i second_block = _mm_set1_epi8(second);
  for (; end - position >= 16; position += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(position));
    const int found = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(block, first_block), _mm_cmpeq_epi8(block, second_block)));
    if (found != 0) return position + std::countr_zero(static_cast<unsigned>(found));
  }
#endif
  for (; position != end; ++position) {
    if (*position == first || *position == second) return position;
  }
  return end;
}

// Parses the whole trimmed text as a decimal number; false for anything else.
template <typename Number>
bool parse_number(std::string_view text, Number& value) {
  text = trim(text);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace s3cat::s3::detail
