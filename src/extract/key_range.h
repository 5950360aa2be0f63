// Key ranges for a sharded listing: where to split the keys under one S3
// prefix so that disjoint ranges can be listed in parallel. Keys compare as
// raw bytes, which is S3's order (UTF-8 bytes, equal to code point order).
// A range is (after, last]: it starts after the key `after` (S3 start-after)
// and ends with `last`, or at the end of the prefix when `last` is absent.
// Every split point is valid UTF-8 without NUL. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3cat::extract {

// The code points seen in keys so far. Splitting interpolates over their
// ranks, not their values, so keys of digits and ASCII letters get split
// points of the same characters even when a few keys contain emoji.
class KeyAlphabet {
 public:
  // Adds every code point of `key` except NUL; ignores invalid UTF-8.
  void add(std::string_view key);
  // Adds every code point of `other`.
  void merge(const KeyAlphabet& other);

  // Sorted and distinct.
  const std::vector<char32_t>& points() const { return points_; }

 private:
  void insert(char32_t point);

  std::vector<char32_t> points_;
  // Bit c of ascii_seen_[c / 64] is set when ASCII code point c is in
  // points_, so an ASCII key that brings nothing new is a scan of its bytes.
  std::uint64_t ascii_seen_[2] = {0, 0};
};

// Returns a key s with after < s, and s < last when `last` is given, roughly
// halfway between them, or std::nullopt when no such key is found at the
// precision used (the bounds differ only far past their common part).
// Both bounds start with `prefix`, and so does s.
std::optional<std::string> split_key(const std::string& prefix, const std::string& after,
                                     const std::optional<std::string>& last, const KeyAlphabet& alphabet);

// Returns how far `cursor` is through the range (after, last], from 0 to 1,
// by the same interpolation as split_key. An estimate: it assumes keys are
// spread evenly over the alphabet.
double range_fraction(const std::string& prefix, const std::string& after, const std::optional<std::string>& last,
                      const std::string& cursor, const KeyAlphabet& alphabet);

// Returns the first split points for the keys after `last_listed` (the last
// key of the first page) under `prefix`, sorted, each after `last_listed`
// and starting with `prefix`. They come from two sources:
//  - the successors of `last_listed` cut at each depth ("k/0999" gives
//    "k/099:", "k/09:", "k/1", "l" under prefix ""), so each range spans
//    about one alphabet's width more than the one before it and the plan
//    fits any key density;
//  - `hints`, such as common prefixes of a delimiter listing.
// At most `max_points` are returned; the deepest successors go first.
std::vector<std::string> plan_split_points(const std::string& prefix, const std::string& last_listed,
                                           const std::vector<std::string>& hints, std::size_t max_points);

}  // namespace s3cat::extract
