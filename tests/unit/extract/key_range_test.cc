#include "extract/key_range.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>

namespace s3cat::extract {
namespace {

KeyAlphabet alphabet_of(const std::vector<std::string>& keys) {
  KeyAlphabet alphabet;
  for (const auto& key : keys) alphabet.add(key);
  return alphabet;
}

bool is_valid_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3
                                                 : (lead & 0xF8) == 0xF0 ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t j = 1; j < length; ++j) {
      if ((static_cast<unsigned char>(text[i + j]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

TEST(SplitKey, FallsStrictlyBetweenAsciiBounds) {
  const KeyAlphabet alphabet = alphabet_of({"k/0123456789"});
  const auto middle = split_key("k/", "k/0000", std::string("k/9999"), alphabet);
  ASSERT_TRUE(middle.has_value());
  EXPECT_LT(std::string("k/0000"), *middle);
  EXPECT_LT(*middle, std::string("k/9999"));
  EXPECT_TRUE(middle->starts_with("k/"));
  EXPECT_GE((*middle)[2], '3');
  EXPECT_LE((*middle)[2], '6');
}

TEST(SplitKey, UsesOnlySeenCodePoints) {
  // One emoji key must not pull split points of ASCII keys out of ASCII.
  const KeyAlphabet alphabet = alphabet_of({"abcdefghijklmnopqrstuvwxyz", "\xF0\x9F\x98\x80"});
  const auto middle = split_key("", "a", std::string("c"), alphabet);
  ASSERT_TRUE(middle.has_value());
  for (const char c : *middle) {
    EXPECT_GE(c, 'a');
    EXPECT_LE(c, 'z');
  }
}

TEST(KeyAlphabet, KeepsSortedDistinctCodePoints) {
  KeyAlphabet alphabet = alphabet_of({"ba", "ab\xC3\xA9"});
  EXPECT_EQ(alphabet.points(), (std::vector<char32_t>{U'a', U'b', U'\u00E9'}));
  alphabet.merge(alphabet_of({"c", "a"}));
  EXPECT_EQ(alphabet.points(), (std::vector<char32_t>{U'a', U'b', U'c', U'\u00E9'}));
}

TEST(KeyAlphabet, IgnoresInvalidUtf8Key) {
  KeyAlphabet alphabet;
  alphabet.add("xy\xC3");  // a lead byte without its continuation byte
  alphabet.add("q\x80");
  EXPECT_TRUE(alphabet.points().empty());
  alphabet.add("b");
  EXPECT_EQ(alphabet.points(), (std::vector<char32_t>{U'b'}));
}

TEST(KeyAlphabet, SkipsNul) {
  KeyAlphabet alphabet;
  alphabet.add(std::string_view("a\0b", 3));
  alphabet.add(std::string_view("\0\xC3\xA9", 3));
  EXPECT_EQ(alphabet.points(), (std::vector<char32_t>{U'a', U'b', U'\u00E9'}));
}

TEST(KeyAlphabet, AsciiAndDecodedPathsAgree) {
  // The same code points arrive once through ASCII keys and once inside
  // keys with non-ASCII bytes; each must be stored once.
  KeyAlphabet alphabet;
  alphabet.add("~a/");
  alphabet.add("a\xC3\xA9~/z");
  alphabet.add("\x7F z");
  KeyAlphabet other = alphabet_of({"z\xF0\x9F\x98\x80", "!"});
  alphabet.merge(other);
  alphabet.add("!a");
  EXPECT_EQ(alphabet.points(),
            (std::vector<char32_t>{U' ', U'!', U'/', U'a', U'z', U'~', U'\x7F', U'\u00E9', U'\U0001F600'}));
}

TEST(KeyAlphabet, MergeAddsAsciiSeenByOther) {
  KeyAlphabet alphabet = alphabet_of({"ab"});
  alphabet.merge(alphabet_of({"cd"}));
  alphabet.add("dcba");
  EXPECT_EQ(alphabet.points(), (std::vector<char32_t>{U'a', U'b', U'c', U'd'}));
}

TEST(SplitKey, StaysInsidePrefixWithoutUpperBound) {
  const KeyAlphabet alphabet = alphabet_of({"logs/0123456789-"});
  const auto middle = split_key("logs/", "logs/2024-06-30", std::nullopt, alphabet);
  ASSERT_TRUE(middle.has_value());
  EXPECT_TRUE(middle->starts_with("logs/"));
  EXPECT_LT(std::string("logs/2024-06-30"), *middle);
}

TEST(SplitKey, ReturnsNothingWhenBoundsAreAdjacent) {
  const KeyAlphabet alphabet = alphabet_of({"a", "b"});
  EXPECT_FALSE(split_key("", "a", std::string("a"), alphabet).has_value());
  EXPECT_FALSE(split_key("", "b", std::string("a"), alphabet).has_value());
}

TEST(SplitKey, SplitsKeyThatIsPrefixOfUpperBound) {
  const KeyAlphabet alphabet = alphabet_of({"data/mnz"});
  const auto middle = split_key("", "data", std::string("data/zzzz"), alphabet);
  ASSERT_TRUE(middle.has_value());
  EXPECT_LT(std::string("data"), *middle);
  EXPECT_LT(*middle, std::string("data/zzzz"));
}

TEST(SplitKey, ProducesValidUtf8BetweenUnicodeKeys) {
  const std::string low = "r\xC3\xA9sum\xC3\xA9/a";           // résumé/a
  const std::string high = "\xE6\x97\xA5\xE6\x9C\xAC/z";      // 日本/z
  const KeyAlphabet alphabet = alphabet_of({low, high});
  const auto middle = split_key("", low, high, alphabet);
  ASSERT_TRUE(middle.has_value());
  EXPECT_TRUE(is_valid_utf8(*middle));
  EXPECT_LT(low, *middle);
  EXPECT_LT(*middle, high);
}

TEST(SplitKey, RejectsInvalidUtf8Bounds) {
  const KeyAlphabet alphabet = alphabet_of({"a", "z"});
  EXPECT_FALSE(split_key("", "a\xFF", std::string("z"), alphabet).has_value());
}

// Random bounds from a fixed seed: every split point is valid UTF-8, inside
// the prefix and strictly between the bounds.
TEST(SplitKey, RandomBoundsGiveOrderedSplitPoints) {
  std::mt19937 random(20240501);
  const std::vector<std::string> pieces = {"a", "b", "z", "/", "//", "0", "9", "-", "\xC3\xA9", "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80", "~", "A", "."};
  auto random_key = [&] {
    std::string key = "p/";
    const int length = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < length; ++i) key += pieces[random() % pieces.size()];
    return key;
  };

  int splits = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string low = random_key();
    std::string high = random_key();
    if (high < low) std::swap(low, high);
    const KeyAlphabet alphabet = alphabet_of({low, high});
    const std::optional<std::string> upper = round % 5 == 0 ? std::nullopt : std::optional(high);
    const auto middle = split_key("p/", low, upper, alphabet);
    if (!middle) continue;
    ++splits;
    EXPECT_TRUE(is_valid_utf8(*middle)) << *middle;
    EXPECT_TRUE(middle->starts_with("p/")) << *middle;
    EXPECT_EQ(middle->find('\0'), std::string::npos);
    EXPECT_LT(low, *middle);
    if (upper) {
      EXPECT_LT(*middle, *upper);
    }
  }
  EXPECT_GT(splits, 1000);
}

TEST(SplitKey, RepeatedSplitsNarrowTheRange) {
  const KeyAlphabet alphabet = alphabet_of({"k/0123456789"});
  std::string low = "k/000000";
  std::optional<std::string> high = std::nullopt;
  // Each split halves the range. Past about 25 splits no key with these
  // characters fits between "k/000000" and the upper bound.
  for (int i = 0; i < 20; ++i) {
    const auto middle = split_key("k/", low, high, alphabet);
    ASSERT_TRUE(middle.has_value()) << "split " << i;
    EXPECT_LT(low, *middle);
    if (high) {
      EXPECT_LT(*middle, *high);
    }
    high = *middle;
  }
}

TEST(RangeFraction, HalfwayCursorIsAboutHalf) {
  const KeyAlphabet alphabet = alphabet_of({"k/0123456789"});
  const double fraction = range_fraction("k/", "k/0000", std::string("k/8000"), "k/4000", alphabet);
  EXPECT_NEAR(fraction, 0.5, 0.01);
}

TEST(RangeFraction, CursorAtBoundsGivesZeroAndOne) {
  const KeyAlphabet alphabet = alphabet_of({"bmy"});
  EXPECT_EQ(range_fraction("", "b", std::string("y"), "b", alphabet), 0.0);
  EXPECT_EQ(range_fraction("", "b", std::string("y"), "y", alphabet), 1.0);
}

// Builds an alphabet as a listing does: code points and branch positions
// of neighbouring keys in sorted order.
KeyAlphabet listed_alphabet(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  KeyAlphabet alphabet;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    alphabet.add(keys[i]);
    if (i > 0) alphabet.add_branch(keys[i - 1], keys[i]);
  }
  return alphabet;
}

TEST(KeyAlphabet, RecordsBranchPositionsInCodePoints) {
  KeyAlphabet alphabet;
  alphabet.add_branch("k/0899", "k/0998");
  alphabet.add_branch("\xC3\xA9" "a", "\xC3\xA9" "b");  // "éa", "éb": the second code point
  alphabet.add_branch("x\xC3\xA9", "x\xC3\xAA");      // "xé", "xê": differ in a continuation byte
  alphabet.add_branch("ab", "abc");
  EXPECT_TRUE(alphabet.branches_at(3));
  EXPECT_TRUE(alphabet.branches_at(1));
  EXPECT_TRUE(alphabet.branches_at(2));
  EXPECT_FALSE(alphabet.branches_at(0));
  EXPECT_FALSE(alphabet.branches_at(4));
  EXPECT_FALSE(alphabet.branches_at(5000));
}

TEST(SplitPoints, SuccessorsOnlyWhereKeysBranch) {
  const KeyAlphabet alphabet = listed_alphabet({"k/0899", "k/0998", "k/0999"});
  // Keys branch at positions 3 and 5, so "k/1" (position 2) and "k0"
  // (position 1) are no split points. "l" is outside the alphabet, so
  // nothing can be interpolated below it.
  const auto points = split_points("", "k/0999", std::string("l"), alphabet, 8);
  EXPECT_EQ(points, (std::vector<std::string>{"k/099:", "k/0:"}));
}

TEST(SplitPoints, ShallowSuccessorsFirst) {
  const KeyAlphabet alphabet = listed_alphabet({"k/0899", "k/0998", "k/0999"});
  const auto points = split_points("", "k/0999", std::string("l"), alphabet, 1);
  EXPECT_EQ(points, (std::vector<std::string>{"k/0:"}));
}

TEST(SplitPoints, FirstCodePointPastPrefixAlwaysSplits) {
  const auto points = split_points("logs/", "logs/2024/0999", std::nullopt, KeyAlphabet{}, 4);
  EXPECT_EQ(points, (std::vector<std::string>{"logs/3"}));
}

TEST(SplitPoints, InterpolationFillsTheCount) {
  const KeyAlphabet alphabet = listed_alphabet({"a", "m", "z"});
  const auto points = split_points("", "a", std::nullopt, alphabet, 8);
  EXPECT_EQ(points.size(), 8u);
  EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
  EXPECT_EQ(std::adjacent_find(points.begin(), points.end()), points.end());
  EXPECT_EQ(std::count(points.begin(), points.end(), "b"), 1) << "the successor of the cursor";
}

TEST(SplitPoints, StayInsideRangeAndPrefix) {
  std::mt19937 random(7);
  const std::vector<std::string> pieces = {"a", "z", "0", "9", "/", "-", "\xC3\xA9", "\xE6\x97\xA5",
                                           "\xF0\x9F\x98\x80", "~", " "};
  std::vector<std::string> keys;
  for (int i = 0; i < 400; ++i) {
    std::string key = "p/";
    const int length = 1 + static_cast<int>(random() % 10);
    for (int j = 0; j < length; ++j) key += pieces[random() % pieces.size()];
    keys.push_back(key);
  }
  const KeyAlphabet alphabet = listed_alphabet(keys);
  std::sort(keys.begin(), keys.end());
  int produced = 0;
  for (std::size_t i = 0; i + 1 < keys.size(); i += 3) {
    const std::optional<std::string> last =
        i % 2 == 0 ? std::optional(keys[std::min(keys.size() - 1, i + 1 + random() % 50)]) : std::nullopt;
    const std::size_t count = 1 + random() % 8;
    const auto points = split_points("p/", keys[i], last, alphabet, count);
    EXPECT_LE(points.size(), count);
    EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
    EXPECT_EQ(std::adjacent_find(points.begin(), points.end()), points.end());
    for (const auto& point : points) {
      ++produced;
      EXPECT_TRUE(is_valid_utf8(point)) << point;
      EXPECT_TRUE(point.starts_with("p/")) << point;
      EXPECT_EQ(point.find('\0'), std::string::npos);
      EXPECT_LT(keys[i], point);
      if (last) {
        EXPECT_LT(point, *last);
      }
    }
  }
  EXPECT_GT(produced, 200);
}

TEST(SplitPoints, SkipsMaximumCodePoint) {
  const std::string cursor = "a\xF4\x8F\xBF\xBF";  // "a" then U+10FFFF
  const auto points = split_points("", cursor, std::nullopt, KeyAlphabet{}, 64);
  EXPECT_EQ(points, (std::vector<std::string>{"b"}));
}

TEST(PlanSplitPoints, StaysInsidePrefix) {
  const KeyAlphabet alphabet = listed_alphabet({"logs/2024/0998", "logs/2024/0999", "logs/2023/0999"});
  const auto points = plan_split_points("logs/", "logs/2024/0999", {}, alphabet, 16);
  ASSERT_FALSE(points.empty());
  for (const auto& point : points) {
    EXPECT_TRUE(point.starts_with("logs/")) << point;
    EXPECT_LT(std::string("logs/2024/0999"), point);
  }
  EXPECT_EQ(std::count(points.begin(), points.end(), "logs/3"), 1);
}

TEST(PlanSplitPoints, MergesHintsAfterLastListedKey) {
  const auto points = plan_split_points("", "a/9", {"a/", "b/", "c/", "c/"}, KeyAlphabet{}, 64);
  EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
  EXPECT_EQ(std::count(points.begin(), points.end(), "c/"), 1);
  EXPECT_EQ(std::count(points.begin(), points.end(), "a/"), 0) << "a/ sorts before a/9";
  EXPECT_EQ(std::count(points.begin(), points.end(), "b/"), 1);
}

TEST(PlanSplitPoints, KeepsAtMostMaxPoints) {
  std::vector<std::string> hints;
  for (int i = 0; i < 500; ++i) hints.push_back("f" + std::to_string(1000 + i) + "/");
  const auto points = plan_split_points("", "f0999", hints, listed_alphabet(hints), 16);
  EXPECT_EQ(points.size(), 16u);
  EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
  EXPECT_EQ(std::adjacent_find(points.begin(), points.end()), points.end());
}

}  // namespace
}  // namespace s3cat::extract
