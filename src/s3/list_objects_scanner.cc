// The single-pass ListObjectsV2 page scanner. It reads the body once, keeps
// element texts as views into it, and copies only the fields ObjectInfo
// stores. Whenever the body leaves the subset of XML described in
// list_objects_parsers.h, or a field would be an error, it returns nullopt
// and parse_list_objects runs the DOM parser instead, which then produces
// the result or the error. The subset is chosen so that pugixml, with the
// options the DOM parser uses (entities decoded, CR kept, white space kept),
// yields the same texts.
#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "s3/list_objects_parsers.h"

namespace s3cat::s3::detail {
namespace {

// Nesting deeper than this inside an element the scanner skips (<Owner>,
// <RestoreStatus>) goes to the DOM parser.
constexpr int kMaxSkipDepth = 16;

constexpr bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

// ASCII letters, digits, '_', '-', '.' and ':'. Names with other bytes, which
// pugixml may still accept, go to the DOM parser.
constexpr std::array<bool, 256> kNameChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const char byte = static_cast<char>(c);
    table[static_cast<std::size_t>(c)] =
        is_name_start(byte) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':';
  }
  return table;
}();

bool is_name_char(char c) { return kNameChars[static_cast<unsigned char>(c)]; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Appends the UTF-8 form of a code point; false for 0, surrogates and values
// above U+10FFFF, which the DOM parser handles differently.
bool append_utf8(std::string& out, unsigned long code) {
  if (code == 0 || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return false;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
  return true;
}

// Decodes a character reference body ("#x4E2D" or "#13", without '&' and
// ';'). Lower-case 'x' only, at most six hex or seven decimal digits.
bool append_character_reference(std::string& out, std::string_view reference) {
  const bool hex = reference.size() > 1 && reference[1] == 'x';
  const std::string_view digits = reference.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > (hex ? 6u : 7u)) return false;
  unsigned long code = 0;
  for (const char c : digits) {
    int digit = -1;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    }
    if (digit < 0) return false;
    code = code * (hex ? 16 : 10) + static_cast<unsigned long>(digit);
  }
  return append_utf8(out, code);
}

// Replaces `out` with `raw` with its entities decoded. False for an '&' that
// starts no predefined entity or character reference.
bool decode_entities(std::string_view raw, std::string& out) {
  out.clear();
  while (true) {
    const std::size_t amp = raw.find('&');
    out.append(raw.substr(0, std::min(amp, raw.size())));
    if (amp == std::string_view::npos) return true;
    const std::size_t semicolon = raw.find(';', amp);
    if (semicolon == std::string_view::npos || semicolon - amp > 12) return false;
    const std::string_view entity = raw.substr(amp + 1, semicolon - amp - 1);
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.starts_with('#')) {
      if (!append_character_reference(out, entity)) return false;
    } else {
      return false;
    }
    raw.remove_prefix(semicolon + 1);
  }
}

// The text of an element as the scanner found it: a view into the body, and
// whether it contains entities to decode.
struct RawText {
  std::string_view raw;
  bool present = false;
  bool entities = false;

  bool has_entities() const { return entities; }
};

// The decoded text of `text`: the raw view itself, or `scratch` holding the
// decoded copy. nullopt when an entity is not one the scanner decodes.
std::optional<std::string_view> decoded_view(const RawText& text, std::string& scratch) {
  if (!text.has_entities()) return text.raw;
  if (!decode_entities(text.raw, scratch)) return std::nullopt;
  return std::string_view(scratch);
}

bool assign_decoded(const RawText& text, std::string& out) {
  if (!text.has_entities()) {
    out.assign(text.raw);
    return true;
  }
  return decode_entities(text.raw, out);
}

// The fields of one <Contents> the parser reads; the first element of each
// name counts, as in the DOM parser.
struct ContentsTexts {
  RawText key;
  RawText size;
  RawText last_modified;
  RawText etag;
  RawText storage_class;
  RawText checksum_algorithm;

  RawText* slot(std::string_view name) {
    if (name == "Key") return &key;
    if (name == "Size") return &size;
    if (name == "ETag") return &etag;
    if (name == "LastModified") return &last_modified;
    if (name == "StorageClass") return &storage_class;
    if (name == "ChecksumAlgorithm") return &checksum_algorithm;
    return nullptr;
  }
};

class Scanner {
 public:
  explicit Scanner(std::string_view body) : position_(body.data()), end_(body.data() + body.size()) {
    // S3's pages spend about 250 bytes per object; this avoids most regrowth.
    page_.objects.reserve(std::min<std::size_t>(body.size() / 200, 1000));
  }

  std::optional<ListObjectsPage> scan() {
    if (!skip_declaration() || !open_root()) return std::nullopt;
    if (!scan_root_children()) return std::nullopt;
    skip_space();
    if (position_ != end_) return std::nullopt;
    return finish();
  }

 private:
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - position_); }

  bool starts_with(std::string_view text) const {
    return remaining() >= text.size() && std::memcmp(position_, text.data(), text.size()) == 0;
  }

  void skip_space() {
    while (position_ != end_ && is_space(*position_)) ++position_;
  }

  // Moves to the next '<'; false at the end of the body.
  bool find_tag() {
    // In S3's compact form the next tag follows at once.
    if (position_ != end_ && *position_ == '<') return true;
    const void* found = std::memchr(position_, '<', remaining());
    if (found == nullptr) return false;
    position_ = static_cast<const char*>(found);
    return true;
  }

  // <?xml version="1.0" encoding="UTF-8"?> and the white space after it.
  bool skip_declaration() {
    if (!starts_with("<?xml")) return true;
    const std::string_view rest(position_, remaining());
    const std::size_t close = rest.find("?>");
    if (close == std::string_view::npos || !is_space(rest[5])) return false;
    position_ += close + 2;
    skip_space();
    return true;
  }

  // <ListBucketResult xmlns="...">, with any number of plain attributes.
  bool open_root() {
    constexpr std::string_view kRoot = "<ListBucketResult";
    if (!starts_with(kRoot)) return false;
    position_ += kRoot.size();
    while (true) {
      const char* before_space = position_;
      skip_space();
      if (position_ == end_) return false;
      if (*position_ == '>') {
        ++position_;
        return true;
      }
      if (position_ == before_space || !is_name_start(*position_)) return false;
      while (position_ != end_ && is_name_char(*position_)) ++position_;
      skip_space();
      if (position_ == end_ || *position_ != '=') return false;
      ++position_;
      skip_space();
      if (position_ == end_ || (*position_ != '"' && *position_ != '\'')) return false;
      const char quote = *position_++;
      const void* close = std::memchr(position_, quote, remaining());
      if (close == nullptr) return false;
      const std::string_view value(position_, static_cast<const char*>(close) - position_);
      if (value.find_first_of("<&") != std::string_view::npos) return false;
      position_ = static_cast<const char*>(close) + 1;
    }
  }

  // At '<' of a start tag: reads "<Name>" or "<Name/>". False for anything
  // else, including attributes, comments and processing instructions.
  bool open_tag(std::string_view& name, bool& empty) {
    ++position_;
    const char* start = position_;
    if (position_ == end_ || !is_name_start(*position_)) return false;
    while (position_ != end_ && is_name_char(*position_)) ++position_;
    name = std::string_view(start, static_cast<std::size_t>(position_ - start));
    if (position_ != end_ && *position_ == '>') {
      ++position_;
      empty = false;
      return true;
    }
    if (remaining() >= 2 && position_[0] == '/' && position_[1] == '>') {
      position_ += 2;
      empty = true;
      return true;
    }
    return false;
  }

  // At '<' of an end tag: reads exactly "</Name>".
  bool close_tag(std::string_view name) {
    if (remaining() < name.size() + 3 || position_[1] != '/' ||
        std::memcmp(position_ + 2, name.data(), name.size()) != 0 || position_[name.size() + 2] != '>') {
      return false;
    }
    position_ += name.size() + 3;
    return true;
  }

  // After a start tag: the text up to "</Name>", which must follow it.
  bool element_text(std::string_view name, bool empty, RawText& text) {
    text.present = true;
    if (empty) {
      text.raw = {};
      text.entities = false;
      return true;
    }
    const char* start = position_;
    position_ = find_either(position_, end_, '<', '&');
    text.entities = position_ != end_ && *position_ == '&';
    if (!find_tag()) return false;
    text.raw = std::string_view(start, static_cast<std::size_t>(position_ - start));
    return close_tag(name);
  }

  // After the start tag of an element the parser does not read: skips its
  // text and child elements up to its end tag.
  bool skip_element(std::string_view name, int depth) {
    if (depth > kMaxSkipDepth) return false;
    while (find_tag()) {
      if (remaining() >= 2 && position_[1] == '/') return close_tag(name);
      std::string_view child;
      bool empty = false;
      if (!open_tag(child, empty)) return false;
      if (!empty && !skip_element(child, depth + 1)) return false;
    }
    return false;
  }

  // Reads the child of the root or of a container that starts at '<'.
  // Returns false at the container's end tag (having consumed it) or on an
  // error, and sets `error_` only for an error.
  bool next_child(std::string_view container, std::string_view& name, bool& empty) {
    if (!find_tag()) {
      error_ = true;
      return false;
    }
    if (remaining() >= 2 && position_[1] == '/') {
      if (!close_tag(container)) error_ = true;
      return false;
    }
    if (!open_tag(name, empty)) {
      error_ = true;
      return false;
    }
    return true;
  }

  bool scan_root_children() {
    std::string_view name;
    bool empty = false;
    while (next_child("ListBucketResult", name, empty)) {
      bool ok = true;
      if (name == "Contents") {
        ok = !empty && scan_contents();
      } else if (name == "CommonPrefixes") {
        ok = empty || scan_common_prefixes();
      } else if (name == "EncodingType" && encoding_type_decided_ && !encoding_type_.present) {
        // Names before it were read as not encoded; the DOM parser decodes them.
        return false;
      } else if (RawText* text = root_text_slot(name)) {
        // The DOM parser reads the first element of each name; later ones
        // are still checked for shape.
        RawText ignored;
        ok = element_text(name, empty, text->present ? ignored : *text);
      } else {
        ok = empty || skip_element(name, 0);
      }
      if (!ok) return false;
    }
    return !error_;
  }

  RawText* root_text_slot(std::string_view name) {
    if (name == "EncodingType") return &encoding_type_;
    if (name == "IsTruncated") return &is_truncated_;
    if (name == "NextContinuationToken") return &next_continuation_token_;
    if (name == "KeyCount") return &key_count_;
    return nullptr;
  }

  // Reads <EncodingType> once, when the first key or prefix needs it or at
  // the end. False when its text has an entity the scanner does not decode.
  bool decide_encoding_type() {
    if (encoding_type_decided_) return true;
    encoding_type_decided_ = true;
    if (!encoding_type_.present) return true;
    const auto text = decoded_view(encoding_type_, scratch_);
    if (!text) return false;
    page_.encoding_type = std::string(trim(*text));
    url_encoded_ = page_.encoding_type == "url";
    return true;
  }

  // The text of a key or common prefix: entities, then url-decoding when
  // the page declared it.
  bool listed_name(const RawText& text, std::string& out) {
    if (!decide_encoding_type() || !assign_decoded(text, out)) return false;
    return !url_encoded_ || !url_decode_in_place(out).has_value();
  }

  bool scan_contents() {
    ContentsTexts texts;
    std::string_view name;
    bool empty = false;
    while (next_child("Contents", name, empty)) {
      RawText* slot = texts.slot(name);
      RawText ignored;
      const bool ok = slot != nullptr ? element_text(name, empty, slot->present ? ignored : *slot)
                                      : (empty || skip_element(name, 0));
      if (!ok) return false;
    }
    if (error_ || !texts.key.present) return false;
    return add_object(texts);
  }

  bool add_object(const ContentsTexts& texts) {
    ObjectInfo& object = page_.objects.emplace_back();

    std::string key;
    if (!listed_name(texts.key, key)) return false;
    object.key = ObjectKey(std::move(key));

    if (texts.size.present) {
      const auto size = decoded_view(texts.size, scratch_);
      if (!size || !parse_number(*size, object.size)) return false;
    }
    if (texts.last_modified.present) {
      const auto modified = decoded_view(texts.last_modified, scratch_);
      if (!modified) return false;
      object.last_modified = normalize_timestamp_text(*modified);
    }
    if (texts.etag.present && !assign_etag(texts.etag, object.etag)) return false;
    if (texts.storage_class.present && !assign_decoded(texts.storage_class, object.storage_class)) return false;
    if (texts.checksum_algorithm.present && !assign_decoded(texts.checksum_algorithm, object.checksum_algorithm)) {
      return false;
    }
    return true;
  }

  // S3's own form, "&quot;hex&quot;", is unquoted without decoding a copy.
  bool assign_etag(const RawText& text, std::string& out) {
    constexpr std::string_view kQuote = "&quot;";
    std::string_view raw = text.raw;
    if (raw.size() >= 2 * kQuote.size() && raw.starts_with(kQuote) && raw.ends_with(kQuote)) {
      const std::string_view inner = raw.substr(kQuote.size(), raw.size() - 2 * kQuote.size());
      if (inner.find('&') == std::string_view::npos) {
        out.assign(inner);
        return true;
      }
    }
    const auto decoded = decoded_view(text, scratch_);
    if (!decoded) return false;
    out.assign(strip_etag_quotes(*decoded));
    return true;
  }

  bool scan_common_prefixes() {
    std::string_view name;
    bool empty = false;
    while (next_child("CommonPrefixes", name, empty)) {
      if (name != "Prefix") {
        if (!empty && !skip_element(name, 0)) return false;
        continue;
      }
      RawText text;
      if (!element_text(name, empty, text)) return false;
      std::string prefix;
      if (!listed_name(text, prefix)) return false;
      page_.common_prefixes.push_back(std::move(prefix));
    }
    return !error_;
  }

  std::optional<ListObjectsPage> finish() {
    if (!decide_encoding_type()) return std::nullopt;

    if (is_truncated_.present) {
      const auto text = decoded_view(is_truncated_, scratch_);
      const auto flag = text ? parse_flag_text(*text) : std::nullopt;
      if (!flag) return std::nullopt;
      page_.is_truncated = *flag;
    }
    if (next_continuation_token_.present && !assign_decoded(next_continuation_token_, page_.next_continuation_token)) {
      return std::nullopt;
    }
    if (key_count_.present) {
      const auto text = decoded_view(key_count_, scratch_);
      if (!text || !parse_number(*text, page_.key_count) || page_.key_count < 0) return std::nullopt;
    } else {
      page_.key_count = static_cast<int>(page_.objects.size() + page_.common_prefixes.size());
    }
    return std::move(page_);
  }

  const char* position_;
  const char* end_;
  bool error_ = false;

  RawText encoding_type_;
  RawText is_truncated_;
  RawText next_continuation_token_;
  RawText key_count_;
  bool encoding_type_decided_ = false;
  bool url_encoded_ = false;

  std::string scratch_;  // decoded text of the field being read
  ListObjectsPage page_;
};

}  // namespace

std::optional<ListObjectsPage> scan_list_objects(std::string_view body) {
  // The DOM parser rejects these bytes with the offset in its message.
  if (find_forbidden_control_byte(body)) return std::nullopt;
  return Scanner(body).scan();
}

}  // namespace s3cat::s3::detail
