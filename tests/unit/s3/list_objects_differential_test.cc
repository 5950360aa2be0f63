// Runs the single-pass scanner and the pugixml DOM parser over the same
// generated ListObjectsV2 pages and requires equal results. Whenever the
// scanner returns a page, it must be the page the DOM parser returns.
// parse_list_objects must return exactly the DOM parser's page or error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "s3/list_objects_parsers.h"
#include "s3/xml.h"

namespace s3cat::s3 {
namespace {

// Raw key bytes: plain pieces and every hazard a listing has to survive.
const std::vector<std::string> kPlainPieces = {"logs/", "a", "2024", "file.txt", "dir/", "..", "~x", "-_", "Z9", "/"};
const std::vector<std::string> kHazardPieces = {
    " ", "+", "%", "%25", "%2B", "&", "<", ">", "'", "\"", "\r", "\n", "\t", "\r\n", "\xC3\xA9",
    "\xE4\xB8\xAD\xE6\x96\x87", "\xF0\x9F\x98\x80", "=", "?", "#", ";", "\x7F", "&amp;", "]]>", "  "};

// Features that make the scanner hand the page to the DOM parser, and
// faults that make the page an error. Pages with neither must be scanned.
enum class Twist {
  kNone,
  kCdataKey,
  kComment,
  kAttributeOnChild,
  kSpaceInTag,
  kUnknownEntity,
  kUpperCaseHexReference,
  kEncodingTypeAfterContents,
  kProcessingInstruction,
  kRawControlByte,
  kInvalidPercentEncoding,
  kInvalidSize,
  kInvalidFlag,
  kInvalidKeyCount,
  kMissingKey,
  kTruncatedBody,
  kWrongRoot,
  kMismatchedEndTag,
  kCount,
};

class PageGenerator {
 public:
  explicit PageGenerator(std::uint32_t seed) : random_(seed) {}

  struct Page {
    std::string body;
    Twist twist = Twist::kNone;
  };

  Page generate() {
    Page page;
    page.twist = one_in(3) ? static_cast<Twist>(pick(static_cast<int>(Twist::kCount) - 1) + 1) : Twist::kNone;
    twist_ = page.twist;
    url_encoded_ = one_in(2);
    pretty_ = one_in(4);

    std::string& out = page.body;
    if (!one_in(4) || twist_ == Twist::kProcessingInstruction) out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    if (twist_ == Twist::kProcessingInstruction) out += "<?stylesheet href=\"x\"?>";
    out += twist_ == Twist::kWrongRoot ? "<ListBucketResults" : "<ListBucketResult";
    if (!one_in(3)) out += " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
    if (one_in(5)) out += " xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'";
    out += ">";

    element(out, "Name", "bucket-" + std::to_string(pick(100)));
    element(out, "Prefix", one_in(2) ? "" : encode_name(random_key()));
    if (one_in(2)) element(out, "StartAfter", encode_name(random_key()));
    if (one_in(2)) element(out, "MaxKeys", "1000");
    if (url_encoded_ && twist_ != Twist::kEncodingTypeAfterContents) {
      element(out, "EncodingType", one_in(5) ? " url " : "url");
    }
    if (one_in(3)) element(out, "Delimiter", "/");

    const int objects = pick(25);
    for (int i = 0; i < objects; ++i) contents(out, i == objects / 2);
    const int prefixes = one_in(3) ? pick(5) : 0;
    for (int i = 0; i < prefixes; ++i) {
      newline(out);
      out += "<CommonPrefixes>";
      element(out, "Prefix", encode_name(random_key() + "/"));
      if (one_in(5)) element(out, "Prefix", encode_name(random_key()));
      out += "</CommonPrefixes>";
    }
    if (one_in(8)) out += "<CommonPrefixes/>";
    if (url_encoded_ && twist_ == Twist::kEncodingTypeAfterContents) element(out, "EncodingType", "url");

    truncation(out, objects + prefixes);
    if (twist_ == Twist::kComment) out += "<!-- generated -->";
    newline(out);
    out += twist_ == Twist::kMismatchedEndTag ? "</ListBucketRes>" : "</ListBucketResult>";
    if (one_in(3)) out += "\n";
    if (twist_ == Twist::kTruncatedBody) out.resize(static_cast<std::size_t>(pick(static_cast<int>(out.size()))));
    return page;
  }

 private:
  int pick(int bound) { return bound <= 0 ? 0 : static_cast<int>(random_() % static_cast<std::uint32_t>(bound)); }
  bool one_in(int count) { return pick(count) == 0; }

  void newline(std::string& out) {
    if (pretty_) out += "\n  ";
  }

  void element(std::string& out, const std::string& name, const std::string& text) {
    newline(out);
    if (text.empty() && one_in(2)) {
      out += "<" + name + "/>";
      return;
    }
    out += "<" + name + ">" + text + "</" + name + ">";
  }

  std::string random_key() {
    std::string key;
    const int pieces = pick(6);
    for (int i = 0; i < pieces; ++i) {
      key += !one_in(3) ? kPlainPieces[static_cast<std::size_t>(pick(static_cast<int>(kPlainPieces.size())))]
                       : kHazardPieces[static_cast<std::size_t>(pick(static_cast<int>(kHazardPieces.size())))];
    }
    return key;
  }

  // The key as a listing sends it: S3's url form (then XML-escaped, which
  // changes nothing), or XML-escaped with entities and character references.
  std::string encode_name(const std::string& key) {
    if (url_encoded_) {
      std::string out;
      constexpr char kUpper[] = "0123456789ABCDEF";
      constexpr char kLower[] = "0123456789abcdef";
      for (const char c : key) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                                (byte >= '0' && byte <= '9') || c == '-' || c == '_' || c == '.' || c == '~' ||
                                c == '/';
        if (unreserved && !one_in(10)) {
          out += c;
        } else if (c == ' ' && !one_in(3)) {
          out += '+';
        } else {
          const char* hex = !one_in(4) ? kUpper : kLower;
          out += '%';
          out += hex[byte >> 4];
          out += hex[byte & 0xF];
        }
      }
      return out;
    }
    return xml_escape(key);
  }

  std::string xml_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
      switch (c) {
        case '&': out += pick(3) == 0 ? "&#38;" : pick(2) == 0 ? "&#x26;" : "&amp;"; break;
        case '<': out += !one_in(3) ? "&lt;" : "&#60;"; break;
        case '>': out += one_in(2) ? ">" : "&gt;"; break;
        case '\'': out += one_in(2) ? "'" : "&apos;"; break;
        case '"': out += one_in(2) ? "\"" : "&quot;"; break;
        case '\r': out += one_in(2) ? "\r" : one_in(2) ? "&#13;" : "&#xD;"; break;
        case 'a': out += !one_in(6) ? "a" : "&#x61;"; break;
        default: out += c;
      }
    }
    return out;
  }

  std::string timestamp() {
    switch (pick(7)) {
      case 0: return "2024-05-01T12:00:00Z";
      case 1: return "2024-05-01T14:30:00+02:30";
      case 2: return "not a date";
      case 3: return "";
      case 4: return "2023-12-31T23:59:60.000Z";
      default: return "2025-0" + std::to_string(1 + pick(9)) + "-1" + std::to_string(pick(10)) + "T0" +
                      std::to_string(pick(10)) + ":1" + std::to_string(pick(10)) + ":2" + std::to_string(pick(10)) +
                      ".000Z";
    }
  }

  std::string etag() {
    const std::string hex = "9b2cf535f27731c974343645a398532" + std::to_string(pick(10));
    switch (pick(7)) {
      case 0: return "\"" + hex + "-2\"";
      case 1: return "&amp;quot;" + hex + "&amp;quot;";
      case 2: return hex;
      case 3: return "";
      case 4: return "&quot;&quot;";
      default: return "&quot;" + hex + "&quot;";
    }
  }

  std::string size() {
    switch (pick(6)) {
      case 0: return "0";
      case 1: return "18446744073709551615";
      case 2: return " 42 ";
      default: return std::to_string(random_());
    }
  }

  void contents(std::string& out, bool twisted) {
    newline(out);
    out += "<Contents>";
    std::vector<std::string> fields;
    const std::string key = encode_name(random_key());
    if (twisted && twist_ == Twist::kCdataKey) {
      fields.push_back("<Key><![CDATA[" + key + "]]></Key>");
    } else if (twisted && twist_ == Twist::kRawControlByte) {
      fields.push_back("<Key>" + key + "\x01</Key>");
    } else if (twisted && twist_ == Twist::kInvalidPercentEncoding) {
      fields.push_back("<Key>" + key + (url_encoded_ ? "%G1" : "") + "</Key>");
    } else if (twisted && twist_ == Twist::kUnknownEntity) {
      fields.push_back("<Key>" + key + "&nbsp;</Key>");
    } else if (twisted && twist_ == Twist::kUpperCaseHexReference) {
      fields.push_back("<Key>" + key + "&#X41;</Key>");
    } else if (twisted && twist_ == Twist::kSpaceInTag) {
      fields.push_back("<Key >" + key + "</Key >");
    } else if (twisted && twist_ == Twist::kAttributeOnChild) {
      fields.push_back("<Key type=\"text\">" + key + "</Key>");
    } else if (!(twisted && twist_ == Twist::kMissingKey)) {
      fields.push_back("<Key>" + key + "</Key>");
    }

    if (!one_in(6)) fields.push_back("<LastModified>" + timestamp() + "</LastModified>");
    if (!one_in(6)) fields.push_back("<ETag>" + etag() + "</ETag>");
    if (twisted && twist_ == Twist::kInvalidSize) {
      fields.push_back("<Size>12x</Size>");
    } else if (!one_in(8)) {
      fields.push_back("<Size>" + size() + "</Size>");
    }
    if (!one_in(4)) fields.push_back(!one_in(6) ? "<StorageClass>STANDARD</StorageClass>" : "<StorageClass/>");

    if (one_in(4)) fields.push_back("<ChecksumAlgorithm>CRC32</ChecksumAlgorithm>");
    if (one_in(5)) fields.push_back("<Owner><ID>abc</ID><DisplayName>me &amp; you</DisplayName></Owner>");
    if (one_in(8)) {
      fields.push_back("<RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus>");
    }
    if (one_in(10)) fields.push_back("<Key>second-key-is-ignored</Key>");

    if (one_in(4)) std::shuffle(fields.begin(), fields.end(), random_);
    for (const std::string& field : fields) {
      if (pretty_) out += "\n    ";
      out += field;
    }
    newline(out);
    out += "</Contents>";
  }

  void truncation(std::string& out, int entries) {
    if (twist_ == Twist::kInvalidFlag) {
      element(out, "IsTruncated", "maybe");
    } else {
      switch (pick(5)) {
        case 0: break;
        case 1: element(out, "IsTruncated", " True "); break;
        case 2: element(out, "IsTruncated", "false"); break;
        default: element(out, "IsTruncated", "true");
      }
    }
    if (one_in(2)) element(out, "NextContinuationToken", "1ueGcxLPRx1Tr/XYExHn+bYLgveDs2J/wm36Hy4vbOwM=&amp;");
    if (twist_ == Twist::kInvalidKeyCount) {
      element(out, "KeyCount", "-3");
    } else if (!one_in(3)) {
      element(out, "KeyCount", !one_in(4) ? std::to_string(entries) : " 7 ");
    }
  }

  std::mt19937 random_;
  Twist twist_ = Twist::kNone;
  bool url_encoded_ = false;
  bool pretty_ = false;
};

void expect_same_page(const ListObjectsPage& scanned, const ListObjectsPage& dom, const std::string& body) {
  ASSERT_EQ(scanned.objects.size(), dom.objects.size()) << body;
  for (std::size_t i = 0; i < dom.objects.size(); ++i) {
    const ObjectInfo& a = scanned.objects[i];
    const ObjectInfo& b = dom.objects[i];
    EXPECT_EQ(a.key, b.key) << "object " << i << " of\n" << body;
    EXPECT_EQ(a.size, b.size) << "object " << i << " of\n" << body;
    EXPECT_EQ(a.last_modified, b.last_modified) << "object " << i << " of\n" << body;
    EXPECT_EQ(a.etag, b.etag) << "object " << i << " of\n" << body;
    EXPECT_EQ(a.storage_class, b.storage_class) << "object " << i << " of\n" << body;
    EXPECT_EQ(a.checksum_algorithm, b.checksum_algorithm) << "object " << i << " of\n" << body;
  }
  EXPECT_EQ(scanned.common_prefixes, dom.common_prefixes) << body;
  EXPECT_EQ(scanned.is_truncated, dom.is_truncated) << body;
  EXPECT_EQ(scanned.next_continuation_token, dom.next_continuation_token) << body;
  EXPECT_EQ(scanned.key_count, dom.key_count) << body;
  EXPECT_EQ(scanned.encoding_type, dom.encoding_type) << body;
}

// Compares both parsers on one body and returns whether the scanner read it.
bool compare_parsers(const std::string& body) {
  const auto scanned = detail::scan_list_objects(body);
  const auto dom = detail::parse_list_objects_dom(body);
  const auto combined = parse_list_objects(body);
  if (scanned) {
    EXPECT_TRUE(dom.has_value()) << "the scanner accepted a page the DOM parser rejects ("
                                 << dom.error().describe() << "):\n" << body;
    if (dom) expect_same_page(*scanned, *dom, body);
  }
  EXPECT_EQ(combined.has_value(), dom.has_value()) << body;
  if (combined && dom) expect_same_page(*combined, *dom, body);
  if (!combined && !dom) {
    EXPECT_EQ(combined.error().message, dom.error().message);
    EXPECT_EQ(combined.error().category, dom.error().category);
    EXPECT_EQ(combined.error().operation, dom.error().operation);
  }
  return scanned.has_value();
}

TEST(ListObjectsScanner, MatchesDomParserOnGeneratedPages) {
  int scanned = 0;
  int clean = 0;
  int errors = 0;
  for (std::uint32_t seed = 1; seed <= 3000; ++seed) {
    PageGenerator generator(seed);
    const auto page = generator.generate();
    const bool scanned_page = compare_parsers(page.body);
    if (scanned_page) ++scanned;
    if (!detail::parse_list_objects_dom(page.body)) ++errors;
    if (page.twist == Twist::kNone) {
      ++clean;
      EXPECT_TRUE(scanned_page) << "seed " << seed << ": the scanner left a plain page to the DOM parser:\n" << page.body;
    }
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failing seed " << seed;
      break;
    }
  }
  // The generator must exercise both outcomes, or the comparison proves little.
  EXPECT_GT(clean, 1000);
  EXPECT_GT(scanned, clean / 2);
  EXPECT_GT(errors, 100);
}

TEST(ListObjectsScanner, MatchesDomParserOnHandWrittenPages) {
  const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"x\">";
  const std::string tail = "<IsTruncated>false</IsTruncated></ListBucketResult>";
  const std::vector<std::string> inner = {
      "",
      "<Contents><Key>a</Key></Contents>",
      "<Contents><Key/></Contents>",
      "<Contents><Key></Key><Size/></Contents>",
      "<Contents><Key> </Key></Contents>",
      "<Contents><Key>&#x4E2D;&#13;&#x1F600;&#65;</Key></Contents>",
      "<Contents><Key>&#0;</Key></Contents>",
      "<Contents><Key>&#xD800;</Key></Contents>",
      "<Contents><Key>&#x110000;</Key></Contents>",
      "<Contents><Key>&#;</Key></Contents>",
      "<Contents><Key>&amp</Key></Contents>",
      "<Contents><Key>a&b</Key></Contents>",
      "<Contents><Key>x</Key><Owner><ID><Deep><Deeper/></Deep></ID></Owner></Contents>",
      "<Contents><Key>x</Key><Size>1</Size><Size>x</Size></Contents>",
      "<Contents/>",
      "<Contents><Key>x</Key></Contents >",
      "<CommonPrefixes><Prefix>p/</Prefix><Other>o</Other><Prefix/></CommonPrefixes>",
      "<EncodingType>url</EncodingType><Contents><Key>a%2Bb+c</Key></Contents>",
      "<Contents><Key>a%2Bb+c</Key></Contents><EncodingType>url</EncodingType>",
      "<EncodingType>&#117;rl</EncodingType><Contents><Key>a%2Bb+c</Key></Contents>",
      "<EncodingType>url</EncodingType><EncodingType>none</EncodingType><Contents><Key>%41</Key></Contents>",
      "<KeyCount>2147483648</KeyCount>",
      "<IsTruncated>true</IsTruncated><NextContinuationToken>t</NextContinuationToken>",
      "text between <Name>n</Name> elements",
      "<Contents><Key>x</Key></Contents>trailing text &unknown;",
      "<s3:Contents><Key>namespaced</Key></s3:Contents>",
  };
  for (const std::string& middle : inner) compare_parsers(head + middle + tail);

  const std::vector<std::string> whole = {
      "<ListBucketResult/>",
      "<ListBucketResult></ListBucketResult>",
      " <ListBucketResult></ListBucketResult>",
      "<ListBucketResult></ListBucketResult> ",
      "<ListBucketResult></ListBucketResult><Extra/>",
      "<ListBucketResult a=\"1\"b=\"2\"></ListBucketResult>",
      "<ListBucketResult a=\"&amp;\"></ListBucketResult>",
      "<ListBucketResult a></ListBucketResult>",
      "<ListBucketResult a = \"1\"\tb='2'\n></ListBucketResult>",
      "<ListBucketResult a=\"x>y\" b=\"/>\"></ListBucketResult>",
      "<ListBucketResult a=\"1\" a=\"2\"></ListBucketResult>",
      "<ListBucketResult a=\"1></ListBucketResult>",
      "<ListBucketResult =\"1\"></ListBucketResult>",
      "<ListBucketResult a=1></ListBucketResult>",
      "<?xml version=\"1.0\"?><ListBucketResult></ListBucketResult>",
      "<?xml version=\"1.0\"?>\r\n\t <ListBucketResult></ListBucketResult>",
      "<?xml version=\"1.0\"><ListBucketResult></ListBucketResult>",
      "<?xml?><ListBucketResult></ListBucketResult>",
      "<?xml version=\"1.0\"?><!DOCTYPE x><ListBucketResult></ListBucketResult>",
      "<?xml-stylesheet?><ListBucketResult></ListBucketResult>",
      "\xEF\xBB\xBF<ListBucketResult></ListBucketResult>",
      "<ListBucketResult><Contents><Key>x</Key>",
      "",
  };
  for (const std::string& body : whole) compare_parsers(body);
}

// A byte loop with the rule find_forbidden_control_byte implements in blocks.
std::optional<std::size_t> first_control_byte(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') return i;
  }
  return std::nullopt;
}

TEST(ControlByteScan, MatchesByteLoopAtEveryOffset) {
  // Longer than three 64-byte stretches, with allowed control bytes early and late.
  std::string base = "key\t\r\n \x7F\x80\xFF\xC3\xA9 <&> plain text";
  while (base.size() < 200) base += " more text to cross 16- and 64-byte block edges";
  base += "\r\n";
  for (std::size_t length = 0; length <= base.size(); ++length) {
    const std::string clean = base.substr(0, length);
    EXPECT_EQ(detail::find_forbidden_control_byte(clean), first_control_byte(clean)) << length;
    for (std::size_t offset = 0; offset < length; ++offset) {
      for (const char control : {'\x00', '\x01', '\x08', '\x0B', '\x1F'}) {
        std::string text = clean;
        text[offset] = control;
        EXPECT_EQ(detail::find_forbidden_control_byte(text), first_control_byte(text)) << length << " " << offset;
      }
    }
  }
}

// The byte loop url_decode_in_place replaced: the reference for its results.
std::optional<std::size_t> reference_url_decode(std::string& text) {
  const auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size(); ++i, ++out) {
    if (text[i] == '+') {
      text[out] = ' ';
    } else if (text[i] != '%') {
      text[out] = text[i];
    } else {
      const int high = i + 2 < text.size() ? hex(text[i + 1]) : -1;
      const int low = high >= 0 ? hex(text[i + 2]) : -1;
      if (low < 0) return i;
      text[out] = static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  text.resize(out);
  return std::nullopt;
}

TEST(UrlDecode, MatchesReferenceOnRandomText) {
  const std::string alphabet = "%%%++aZ09fFgG/ .";
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const auto length = random() % 40;
    for (std::uint32_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];

    std::string decoded = text;
    std::string expected = text;
    const auto error = detail::url_decode_in_place(decoded);
    const auto expected_error = reference_url_decode(expected);

    ASSERT_EQ(error, expected_error) << text;
    if (error) {
      EXPECT_EQ(decoded.substr(*error), text.substr(*error)) << text;
    } else {
      EXPECT_EQ(decoded, expected) << text;
    }
  }
}

TEST(ListObjectsScanner, TakesPagesInS3Shape) {
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bench</Name><Prefix></Prefix><KeyCount>1</KeyCount>"
      "<MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>i1</NextContinuationToken><Contents><Key>tmp/a%2Bb/c%2520d/e%26f+%3C1%3E</Key>"
      "<LastModified>2025-01-02T00:00:37.000Z</LastModified><ETag>&quot;9e3779b97f4a7c15c2b2ae3d27d4eb4e&quot;</ETag>"
      "<Size>8943</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>";

  const auto page = detail::scan_list_objects(body);

  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key.str(), "tmp/a+b/c%20d/e&f <1>");
  EXPECT_EQ(page->objects[0].last_modified, "2025-01-02T00:00:37Z");
  EXPECT_EQ(page->objects[0].etag, "9e3779b97f4a7c15c2b2ae3d27d4eb4e");
  EXPECT_EQ(page->objects[0].size, 8943u);
  EXPECT_EQ(page->objects[0].storage_class, "STANDARD");
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "i1");
  EXPECT_EQ(page->key_count, 1);
  EXPECT_EQ(page->encoding_type, "url");
}

}  // namespace
}  // namespace s3cat::s3
