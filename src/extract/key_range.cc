#include "extract/key_range.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <iterator>

namespace s3cat::extract {
namespace {

using Number = unsigned __int128;

// Decodes UTF-8; std::nullopt for invalid input.
std::optional<std::u32string> decode_utf8(std::string_view text) {
  std::u32string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    int length = 0;
    char32_t value = 0;
    if (lead < 0x80) {
      length = 1;
      value = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      value = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      value = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      value = lead & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + length > text.size()) return std::nullopt;
    for (int j = 1; j < length; ++j) {
      const auto next = static_cast<unsigned char>(text[i + j]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      value = (value << 6) | (next & 0x3F);
    }
    if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return std::nullopt;
    decoded.push_back(value);
    i += length;
  }
  return decoded;
}

std::string encode_utf8(std::u32string_view text) {
  std::string encoded;
  for (const char32_t value : text) {
    if (value < 0x80) {
      encoded += static_cast<char>(value);
    } else if (value < 0x800) {
      encoded += static_cast<char>(0xC0 | (value >> 6));
      encoded += static_cast<char>(0x80 | (value & 0x3F));
    } else if (value < 0x10000) {
      encoded += static_cast<char>(0xE0 | (value >> 12));
      encoded += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
      encoded += static_cast<char>(0x80 | (value & 0x3F));
    } else {
      encoded += static_cast<char>(0xF0 | (value >> 18));
      encoded += static_cast<char>(0x80 | ((value >> 12) & 0x3F));
      encoded += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
      encoded += static_cast<char>(0x80 | (value & 0x3F));
    }
  }
  return encoded;
}

// Keys as fixed-point numbers in base `base`: after a common part, each code
// point is one digit. Digit 0 means "the key ended", and the alphabet's
// code points map to their rank, 1 .. base-1. A code point outside the
// alphabet maps to the rank of the nearest one below it.
struct Interpolation {
  std::u32string common;  // code points both bounds share
  const std::vector<char32_t>* points = nullptr;  // the alphabet, not empty
  Number base = 2;
  int digits = 1;

  Number digit_of(char32_t point) const {
    const auto above = std::upper_bound(points->begin(), points->end(), point);
    return std::max<Number>(1, static_cast<Number>(above - points->begin()));
  }

  char32_t point_of(Number digit) const { return (*points)[static_cast<std::size_t>(digit) - 1]; }

  Number value_of(const std::u32string& key) const {
    Number value = 0;
    for (int i = 0; i < digits; ++i) {
      const std::size_t position = common.size() + i;
      Number digit = 0;
      if (position < key.size()) digit = digit_of(key[position]);
      value = value * base + digit;
    }
    return value;
  }

  // The value just above every key with this common part: the end of the range.
  Number top() const {
    Number value = 1;
    for (int i = 0; i < digits; ++i) value *= base;
    return value;
  }

  // Returns keys near `value`. A 0 digit inside the key cannot be written,
  // because "the key ended" is only valid at its end. The first key writes
  // it as the lowest code point, and the second key ends there with the
  // lowest code point. Halfway between "data" and "data/zz", the digits
  // read "data", end, "z"..., which gives "data/z..." and "data/".
  std::vector<std::u32string> keys_near(Number value) const {
    std::u32string suffix(digits, U'\0');
    for (int i = digits - 1; i >= 0; --i) {
      suffix[i] = static_cast<char32_t>(value % base);
      value /= base;
    }
    while (!suffix.empty() && suffix.back() == 0) suffix.pop_back();

    std::u32string key = common;
    std::optional<std::u32string> cut;
    const char32_t lowest = point_of(1);
    for (const char32_t digit : suffix) {
      if (digit == 0 && !cut) cut = key + lowest;
      key.push_back(digit == 0 ? lowest : point_of(digit));
    }
    std::vector<std::u32string> keys{key};
    if (cut) keys.push_back(*cut);
    return keys;
  }
};

std::size_t common_length(const std::u32string& a, const std::u32string& b) {
  std::size_t length = 0;
  while (length < a.size() && length < b.size() && a[length] == b[length]) ++length;
  return length;
}

std::optional<Interpolation> make_interpolation(const std::u32string& prefix, const std::u32string& after,
                                                const std::optional<std::u32string>& last,
                                                const KeyAlphabet& alphabet) {
  Interpolation interpolation;
  // Without an upper bound the range ends where the prefix ends, so only
  // the prefix is common.
  const std::size_t shared = last ? common_length(after, *last) : common_length(after, prefix);
  if (shared < prefix.size()) return std::nullopt;
  if (alphabet.points().empty()) return std::nullopt;
  interpolation.common = after.substr(0, shared);
  interpolation.points = &alphabet.points();
  interpolation.base = static_cast<Number>(alphabet.points().size()) + 1;
  // As many digits as fit in 120 bits, so (value + value) cannot overflow.
  const double bits_per_digit = std::log2(static_cast<double>(interpolation.base));
  interpolation.digits = std::clamp(static_cast<int>(120.0 / bits_per_digit), 1, 24);
  return interpolation;
}

// Returns `text` with its last code point incremented, or std::nullopt when
// it is U+10FFFF. The result sorts after every key that starts with `text`.
std::optional<std::u32string> successor(std::u32string text) {
  if (text.empty() || text.back() >= 0x10FFFF) return std::nullopt;
  text.back() = text.back() == 0xD7FF ? char32_t{0xE000} : text.back() + 1;
  return text;
}

}  // namespace

void KeyAlphabet::add(std::string_view key) {
  // One pass collects the ASCII bytes as bits. A key with a byte >= 0x80
  // takes the decoding path, which also drops the key if it is invalid UTF-8.
  std::uint64_t bits[2] = {0, 0};
  unsigned char any_byte = 0;
  for (const char character : key) {
    const auto byte = static_cast<unsigned char>(character);
    any_byte |= byte;
    bits[(byte >> 6) & 1] |= std::uint64_t{1} << (byte & 63);
  }
  if ((any_byte & 0x80) == 0) {
    bits[0] &= ~std::uint64_t{1};  // NUL cannot be written in a split point, which must be a valid key.
    for (int half = 0; half < 2; ++half) {
      for (std::uint64_t fresh = bits[half] & ~ascii_seen_[half]; fresh != 0; fresh &= fresh - 1) {
        insert(static_cast<char32_t>(64 * half + std::countr_zero(fresh)));
      }
    }
    return;
  }

  const auto decoded = decode_utf8(key);
  if (!decoded) return;
  for (const char32_t point : *decoded) {
    if (point != 0) insert(point);
  }
}

void KeyAlphabet::insert(char32_t point) {
  if (point < 128) {
    std::uint64_t& word = ascii_seen_[point >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (point & 63);
    if ((word & bit) != 0) return;
    word |= bit;
  }
  const auto at = std::lower_bound(points_.begin(), points_.end(), point);
  if (at == points_.end() || *at != point) points_.insert(at, point);
}

void KeyAlphabet::add_branch(std::string_view previous, std::string_view key) {
  const std::size_t length = std::min(previous.size(), key.size());
  std::size_t differ = 0;
  while (differ < length && previous[differ] == key[differ]) ++differ;
  // The position in code points: the lead bytes before the first differing byte.
  std::size_t position = 0;
  for (std::size_t i = 0; i < differ; ++i) {
    if ((static_cast<unsigned char>(key[i]) & 0xC0) != 0x80) ++position;
  }
  // A differing continuation byte belongs to the code point started before it.
  if (differ < key.size() && position > 0 && (static_cast<unsigned char>(key[differ]) & 0xC0) == 0x80) --position;
  if (position < branch_positions_.size()) branch_positions_.set(position);
}

void KeyAlphabet::merge(const KeyAlphabet& other) {
  branch_positions_ |= other.branch_positions_;
  if (std::includes(points_.begin(), points_.end(), other.points_.begin(), other.points_.end())) return;
  std::vector<char32_t> merged;
  merged.reserve(points_.size() + other.points_.size());
  std::set_union(points_.begin(), points_.end(), other.points_.begin(), other.points_.end(),
                 std::back_inserter(merged));
  points_ = std::move(merged);
  ascii_seen_[0] |= other.ascii_seen_[0];
  ascii_seen_[1] |= other.ascii_seen_[1];
}

std::optional<std::string> split_key(const std::string& prefix, const std::string& after,
                                     const std::optional<std::string>& last, const KeyAlphabet& alphabet) {
  const auto prefix_points = decode_utf8(prefix);
  const auto after_points = decode_utf8(after);
  std::optional<std::u32string> last_points;
  if (last) last_points = decode_utf8(*last);
  if (!prefix_points || !after_points || (last && !last_points)) return std::nullopt;

  const auto interpolation = make_interpolation(*prefix_points, *after_points, last_points, alphabet);
  if (!interpolation) return std::nullopt;
  const Number low = interpolation->value_of(*after_points);
  const Number high = last_points ? interpolation->value_of(*last_points) : interpolation->top();
  if (high <= low || high - low < 2) return std::nullopt;

  // Clamping and the 0-digit rule bend the mapping, so check the order on
  // the real bytes.
  for (const auto& candidate : interpolation->keys_near(low + (high - low) / 2)) {
    std::string middle = encode_utf8(candidate);
    if (after < middle && (!last || middle < *last) && middle.starts_with(prefix)) return middle;
  }
  return std::nullopt;
}

double range_fraction(const std::string& prefix, const std::string& after, const std::optional<std::string>& last,
                      const std::string& cursor, const KeyAlphabet& alphabet) {
  const auto prefix_points = decode_utf8(prefix);
  const auto after_points = decode_utf8(after);
  const auto cursor_points = decode_utf8(cursor);
  std::optional<std::u32string> last_points;
  if (last) last_points = decode_utf8(*last);
  if (!prefix_points || !after_points || !cursor_points || (last && !last_points)) return 0.0;

  const auto interpolation = make_interpolation(*prefix_points, *after_points, last_points, alphabet);
  if (!interpolation || !cursor_points->starts_with(interpolation->common)) return 0.0;
  const Number low = interpolation->value_of(*after_points);
  const Number high = last_points ? interpolation->value_of(*last_points) : interpolation->top();
  const Number here = interpolation->value_of(*cursor_points);
  if (high <= low || here <= low) return 0.0;
  if (here >= high) return 1.0;
  return static_cast<double>(here - low) / static_cast<double>(high - low);
}

namespace {

// Returns split_key's point cut one code point past the part that `after`
// shares with `last` (or with the prefix), when the cut still lies between
// them. Keys under folders cluster, so "logs/" is a better bound than the
// interpolated "heeeeee", which mostly starts an empty range.
std::optional<std::string> short_split_key(const std::string& prefix, const std::string& after,
                                           const std::optional<std::string>& last, const KeyAlphabet& alphabet) {
  auto middle = split_key(prefix, after, last, alphabet);
  if (!middle) return middle;
  const auto after_points = decode_utf8(after);
  const auto middle_points = decode_utf8(*middle);
  const auto bound_points = decode_utf8(last ? *last : prefix);
  if (!after_points || !middle_points || !bound_points) return middle;
  // The shortest cut that still lies between the bounds.
  for (std::size_t length = common_length(*after_points, *bound_points) + 1; length < middle_points->size();
       ++length) {
    std::string cut = encode_utf8(middle_points->substr(0, length));
    if (after < cut && (!last || cut < *last) && cut.starts_with(prefix)) return cut;
  }
  return middle;
}

}  // namespace

std::vector<std::string> split_points(const std::string& prefix, const std::string& cursor,
                                      const std::optional<std::string>& last, const KeyAlphabet& alphabet,
                                      std::size_t count) {
  std::vector<std::string> points;
  const auto prefix_points = decode_utf8(prefix);
  const auto cursor_points = decode_utf8(cursor);
  if (count == 0 || !prefix_points || !cursor_points || !cursor_points->starts_with(*prefix_points)) return points;
  const auto inside = [&](const std::string& point) { return cursor < point && (!last || point < *last); };

  // Successors, shallowest first. A cut of `depth` code points increments
  // the code point at position depth - 1.
  std::vector<std::string> successors;
  for (std::size_t depth = prefix_points->size() + 1; depth <= cursor_points->size(); ++depth) {
    if (depth > prefix_points->size() + 1 && !alphabet.branches_at(depth - 1)) continue;
    auto next = successor(cursor_points->substr(0, depth));
    if (!next) continue;
    std::string point = encode_utf8(*next);
    if (inside(point)) successors.push_back(std::move(point));
  }

  // Interpolated points between the shallowest successor below `last` and
  // `last`, breadth first: the middle, then the quarters, and so on.
  const std::size_t successor_share = std::max<std::size_t>(1, count / 2);
  std::vector<std::string> interpolated;
  {
    std::deque<std::pair<std::string, std::optional<std::string>>> pieces;
    pieces.emplace_back(successors.empty() ? cursor : successors.front(), last);
    const std::size_t budget = count - std::min(count, std::min(successor_share, successors.size()));
    while (interpolated.size() < budget && !pieces.empty()) {
      auto [low, high] = std::move(pieces.front());
      pieces.pop_front();
      auto middle = short_split_key(prefix, low, high, alphabet);
      if (!middle) continue;
      interpolated.push_back(*middle);
      pieces.emplace_back(low, *middle);
      pieces.emplace_back(*middle, high);
    }
  }

  const std::size_t from_successors = std::min(successors.size(), count - interpolated.size());
  points.assign(successors.begin(), successors.begin() + static_cast<std::ptrdiff_t>(from_successors));
  points.insert(points.end(), interpolated.begin(), interpolated.end());
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return points;
}

std::vector<std::string> plan_split_points(const std::string& prefix, const std::string& last_listed,
                                           const std::vector<std::string>& hints, const KeyAlphabet& alphabet,
                                           std::size_t max_points) {
  std::vector<std::string> points = split_points(prefix, last_listed, std::nullopt, alphabet, max_points);
  for (const auto& hint : hints) {
    if (last_listed < hint && hint.starts_with(prefix) && decode_utf8(hint)) points.push_back(hint);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  // Too many: keep an even sample, which merges neighbouring ranges.
  if (max_points > 0 && points.size() > max_points) {
    std::vector<std::string> sample;
    for (std::size_t i = 0; i < max_points; ++i) sample.push_back(points[i * points.size() / max_points]);
    points = std::move(sample);
  }
  return points;
}

}  // namespace s3cat::extract
