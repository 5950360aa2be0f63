// Key ranges for a sharded listing: where to split the keys under one S3
// prefix so that disjoint ranges can be listed in parallel. Keys compare as
// raw bytes, which is S3's order (UTF-8 bytes, equal to code point order).
// A range is (after, last]: it starts after the key `after` (S3 start-after)
// and ends with `last`, or at the end of the prefix when `last` is absent.
// Every split point is valid UTF-8 without NUL. Pure functions; thread-safe.
#pragma once

#include <bitset>
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
  // Records the code point position where `previous` and `key`, two
  // neighbouring keys of one listing, first differ: the keys' trie branches
  // there, so a folder level or a counter digit ends at that position.
  void add_branch(std::string_view previous, std::string_view key);
  // Adds every code point and branch position of `other`.
  void merge(const KeyAlphabet& other);

  // Sorted and distinct.
  const std::vector<char32_t>& points() const { return points_; }
  // True when add_branch saw two keys first differ at code point `position`.
  bool branches_at(std::size_t position) const {
    return position < branch_positions_.size() && branch_positions_.test(position);
  }

 private:
  void insert(char32_t point);

  std::vector<char32_t> points_;
  // S3 keys are at most 1024 bytes, so at most 1024 code points.
  std::bitset<1024> branch_positions_;
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

// Returns up to `count` points that split the keys in (cursor, last] under
// `prefix` (to the end of the prefix when `last` is absent), sorted and
// distinct, each after `cursor` and before `last`. Two sources:
//  - successors of `cursor` cut after a position where listed keys branch
//    (KeyAlphabet::add_branch) and after the first code point past the
//    prefix. Each piece contains the rest of one of the cursor's folders or
//    counters, so the pieces grow outward from the cursor. The shallowest are used.
//  - points interpolated over the alphabet between the shallowest successor
//    and `last`, for the keys far from the cursor.
// Either source fills the count when the other runs short.
std::vector<std::string> split_points(const std::string& prefix, const std::string& cursor,
                                      const std::optional<std::string>& last, const KeyAlphabet& alphabet,
                                      std::size_t count);

// Returns the first split points for the keys after `last_listed` (the last
// key of the first pages) under `prefix`, sorted, each after `last_listed`
// and starting with `prefix`: split_points(prefix, last_listed, end of the
// prefix) and `hints`, such as common prefixes of a delimiter listing. When
// there are more than `max_points`, an even sample of them is returned.
std::vector<std::string> plan_split_points(const std::string& prefix, const std::string& last_listed,
                                           const std::vector<std::string>& hints, const KeyAlphabet& alphabet,
                                           std::size_t max_points);

}  // namespace s3cat::extract
