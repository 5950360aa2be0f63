#include "s3/xml.h"

#include <gtest/gtest.h>

#include <string>

namespace s3cat::s3 {
namespace {

std::string listing(const std::string& inner) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
         inner + "</ListBucketResult>";
}

std::string contents(const std::string& key, const std::string& extra = "<Size>1</Size>") {
  return "<Contents><Key>" + key + "</Key>" + extra + "</Contents>";
}

TEST(ListObjectsParser, ParsesFullPage) {
  const std::string body = listing(
      "<Name>logs</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
      "</NextContinuationToken>"
      "<Contents><Key>a/b.gz</Key><LastModified>2024-05-01T12:00:00.000Z</LastModified>"
      "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>"
      "<Size>123</Size><StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>big.bin</Key><LastModified>2023-01-02T03:04:05.678Z</LastModified>"
      "<ETag>\"d41d8cd98f00b204e9800998ecf8427e-2\"</ETag><Size>18446744073709551615</Size>"
      "<StorageClass>DEEP_ARCHIVE</StorageClass></Contents>");

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key.str(), "a/b.gz");
  EXPECT_EQ(page->objects[0].size, 123u);
  EXPECT_EQ(page->objects[0].last_modified, "2024-05-01T12:00:00Z");
  EXPECT_EQ(page->objects[0].etag, "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(page->objects[0].storage_class, "STANDARD");
  EXPECT_EQ(page->objects[0].checksum_algorithm, "CRC32");
  EXPECT_EQ(page->objects[1].key.str(), "big.bin");
  EXPECT_EQ(page->objects[1].size, 18446744073709551615u);
  EXPECT_EQ(page->objects[1].last_modified, "2023-01-02T03:04:05Z");
  EXPECT_EQ(page->objects[1].etag, "d41d8cd98f00b204e9800998ecf8427e-2");
  EXPECT_EQ(page->objects[1].storage_class, "DEEP_ARCHIVE");
  EXPECT_EQ(page->objects[1].checksum_algorithm, "");
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  EXPECT_EQ(page->key_count, 2);
  EXPECT_EQ(page->encoding_type, "");
}

TEST(ListObjectsParser, AcceptsEmptyTruncatedPage) {
  const std::string body = listing(
      "<Name>holes</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>T2</NextContinuationToken>");

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_TRUE(page->common_prefixes.empty());
  EXPECT_EQ(page->key_count, 0);
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "T2");
}

TEST(ListObjectsParser, AcceptsEmptyBucket) {
  const auto page = parse_list_objects(listing("<Name>void</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"));

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "");
}

TEST(ListObjectsParser, DecodesUrlEncodedKeys) {
  const std::string body = listing(
      "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" + contents("c%0D%0Ad.txt") +
      contents("a%0Ab.txt") + contents("tab%09here.txt") + contents("%01") + contents("50%2525.txt") +
      contents("a%2Bb.txt") + contents("a+b.txt") + contents("%E2%82%AC/%E4%B8%AD%E6%96%87.txt") +
      contents("/leading") + contents("//double//slash") + contents("%2Fencoded-slash"));

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 11u);
  EXPECT_EQ(page->encoding_type, "url");
  EXPECT_EQ(page->objects[0].key.str(), "c\r\nd.txt");
  EXPECT_EQ(page->objects[1].key.str(), "a\nb.txt");
  EXPECT_EQ(page->objects[2].key.str(), "tab\there.txt");
  EXPECT_EQ(page->objects[3].key.str(), "\x01");
  EXPECT_EQ(page->objects[4].key.str(), "50%25.txt");
  EXPECT_EQ(page->objects[5].key.str(), "a+b.txt");
  // S3 encodes a space as '+' under encoding-type=url (and a literal '+' as %2B).
  EXPECT_EQ(page->objects[6].key.str(), "a b.txt");
  EXPECT_EQ(page->objects[7].key.str(), "\xE2\x82\xAC/\xE4\xB8\xAD\xE6\x96\x87.txt");
  EXPECT_EQ(page->objects[8].key.str(), "/leading");
  EXPECT_EQ(page->objects[9].key.str(), "//double//slash");
  EXPECT_EQ(page->objects[10].key.str(), "/encoded-slash");
}

TEST(ListObjectsParser, DecodesUrlEncodedCommonPrefixes) {
  const std::string body = listing(
      "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><KeyCount>2</KeyCount>"
      "<CommonPrefixes><Prefix>run+books/</Prefix></CommonPrefixes>"
      "<CommonPrefixes><Prefix>%ED%95%9C/</Prefix></CommonPrefixes>");

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->common_prefixes.size(), 2u);
  EXPECT_EQ(page->common_prefixes[0], "run books/");
  EXPECT_EQ(page->common_prefixes[1], "\xED\x95\x9C/");
  EXPECT_EQ(page->key_count, 2);
}

TEST(ListObjectsParser, LeavesKeysAloneWithoutEncodingType) {
  // A server that sends encoded keys without declaring EncodingType gets its
  // keys taken literally, because only a body that declares "url" is decoded.
  const std::string body = listing("<IsTruncated>false</IsTruncated>" + contents("50%2525.txt") +
                                   contents("a%2Bb.txt") + contents("a+b.txt") + contents("50%25.txt"));

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 4u);
  EXPECT_EQ(page->objects[0].key.str(), "50%2525.txt");
  EXPECT_EQ(page->objects[1].key.str(), "a%2Bb.txt");
  EXPECT_EQ(page->objects[2].key.str(), "a+b.txt");
  EXPECT_EQ(page->objects[3].key.str(), "50%25.txt");
}

TEST(ListObjectsParser, KeepsRawCarriageReturnAndWhitespace) {
  const std::string body = listing("<IsTruncated>false</IsTruncated>" + contents("c\r\nd.txt") + contents(" ") +
                                   contents(" lead and trail ") + contents("tab\there") + contents("\r"));

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 5u);
  EXPECT_EQ(page->objects[0].key.str(), "c\r\nd.txt");
  EXPECT_EQ(page->objects[1].key.str(), " ");
  EXPECT_EQ(page->objects[2].key.str(), " lead and trail ");
  EXPECT_EQ(page->objects[3].key.str(), "tab\there");
  EXPECT_EQ(page->objects[4].key.str(), "\r");
}

TEST(ListObjectsParser, DecodesEntitiesAndCdata) {
  const std::string body = listing("<IsTruncated>false</IsTruncated>" + contents("a&amp;b&lt;c&gt;&apos;&quot;") +
                                   contents("&#x4E2D;&#13;") + contents("<![CDATA[x&y]]>"));

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 3u);
  EXPECT_EQ(page->objects[0].key.str(), "a&b<c>'\"");
  EXPECT_EQ(page->objects[1].key.str(), "\xE4\xB8\xAD\r");
  EXPECT_EQ(page->objects[2].key.str(), "x&y");
}

TEST(ListObjectsParser, StripsDoublyEscapedEtagQuotes) {
  const std::string body = listing("<IsTruncated>false</IsTruncated>" +
                                   contents("k", "<Size>1</Size><ETag>&amp;quot;abc&amp;quot;</ETag>") +
                                   contents("bare", "<Size>1</Size><ETag>abc</ETag>"));

  const auto page = parse_list_objects(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(page->objects[0].etag, "abc");
  EXPECT_EQ(page->objects[1].etag, "abc");
}

TEST(ListObjectsParser, MissingStorageClassStaysEmpty) {
  const auto page = parse_list_objects(listing("<IsTruncated>false</IsTruncated>" + contents("k")));

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].storage_class, "");
  EXPECT_EQ(page->objects[0].last_modified, "");
  EXPECT_EQ(page->objects[0].etag, "");
}

TEST(ListObjectsParser, CountsKeysWhenKeyCountIsAbsent) {
  const auto page = parse_list_objects(listing(
      "<IsTruncated>false</IsTruncated>" + contents("a") + contents("b") +
      "<CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes>"));

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(page->key_count, 3);
}

void expect_malformed(const std::string& body) {
  const auto page = parse_list_objects(body);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kService);
  EXPECT_EQ(page.error().operation, "ListObjectsV2");
  EXPECT_NE(page.error().message.find("malformed XML"), std::string::npos) << page.error().message;
  EXPECT_FALSE(page.error().hint.empty());
}

TEST(ListObjectsParser, RejectsTruncatedXml) {
  expect_malformed(listing(contents("a")).substr(0, 150));
}

TEST(ListObjectsParser, RejectsRawControlCharacter) {
  expect_malformed(listing("<IsTruncated>false</IsTruncated>" + contents("\x01") + contents("ok.txt")));
}

TEST(ListObjectsParser, RejectsWrongRootElement) {
  expect_malformed("<Html><Body>proxy error</Body></Html>");
  expect_malformed("");
  expect_malformed("not xml at all");
}

TEST(ListObjectsParser, RejectsInvalidNumbersAndFlags) {
  expect_malformed(listing("<IsTruncated>false</IsTruncated>" + contents("k", "<Size>12x</Size>")));
  expect_malformed(listing("<IsTruncated>false</IsTruncated>" + contents("k", "<Size>-1</Size>")));
  expect_malformed(listing("<IsTruncated>maybe</IsTruncated>"));
  expect_malformed(listing("<IsTruncated>false</IsTruncated><KeyCount>many</KeyCount>"));
  expect_malformed(listing("<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>"));
}

TEST(ListObjectsParser, RejectsInvalidPercentEncoding) {
  expect_malformed(listing("<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" + contents("50%")));
  expect_malformed(listing("<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" + contents("%zz")));
  expect_malformed(listing("<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" + contents("a%4")));
  expect_malformed(listing("<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" + contents("%4g")));
}

TEST(ListObjectsParser, DecodesPlusAndLowerCaseHex) {
  const auto page = parse_list_objects(
      listing("<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" + contents("a+b%2bc%2Fd%e2%82%ac")));
  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key.str(), "a b+c/d\xe2\x82\xac");
}

TEST(ListBucketsParser, ParsesBucketsAndToken) {
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Owner><ID>abc</ID><DisplayName>me</DisplayName></Owner><Buckets>"
      "<Bucket><Name>logs</Name><CreationDate>2019-12-11T23:32:47.000Z</CreationDate>"
      "<BucketRegion>eu-west-1</BucketRegion></Bucket>"
      "<Bucket><Name>logs.example.test</Name><CreationDate>2020-01-01T00:00:00Z</CreationDate></Bucket>"
      "</Buckets><ContinuationToken>next/page=</ContinuationToken></ListAllMyBucketsResult>";

  const auto page = parse_list_buckets(body);

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->buckets.size(), 2u);
  EXPECT_EQ(page->buckets[0].name.str(), "logs");
  EXPECT_EQ(page->buckets[0].creation_date, "2019-12-11T23:32:47Z");
  EXPECT_EQ(page->buckets[0].region, "eu-west-1");
  EXPECT_EQ(page->buckets[1].name.str(), "logs.example.test");
  EXPECT_EQ(page->buckets[1].region, "");
  EXPECT_EQ(page->continuation_token, "next/page=");
}

TEST(ListBucketsParser, AcceptsNoBuckets) {
  const auto page = parse_list_buckets("<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>");

  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_TRUE(page->buckets.empty());
  EXPECT_EQ(page->continuation_token, "");
}

TEST(ListBucketsParser, RejectsMalformedXml) {
  const auto page = parse_list_buckets("<ListAllMyBucketsResult><Buckets><Bucket>");

  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().category, ErrorCategory::kService);
  EXPECT_EQ(page.error().operation, "ListBuckets");
}

TEST(ErrorDocumentParser, ParsesS3Error) {
  const ErrorDocument document = parse_error_document(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AuthorizationHeaderMalformed</Code>"
      "<Message>the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region>"
      "<RequestId>4442587FB7D0A2F9</RequestId><HostId>x</HostId></Error>");

  EXPECT_EQ(document.code, "AuthorizationHeaderMalformed");
  EXPECT_EQ(document.message, "the region 'us-east-1' is wrong; expecting 'eu-west-1'");
  EXPECT_EQ(document.region, "eu-west-1");
  EXPECT_EQ(document.request_id, "4442587FB7D0A2F9");
}

TEST(ErrorDocumentParser, ParsesStsErrorResponse) {
  const ErrorDocument document = parse_error_document(
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
      "<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message>"
      "</Error><RequestId>abc-123</RequestId></ErrorResponse>");

  EXPECT_EQ(document.code, "ExpiredToken");
  EXPECT_EQ(document.request_id, "abc-123");
}

TEST(ErrorDocumentParser, ParsesNestedErrorsElement) {
  // moto's STS and EC2-style APIs put <Errors> between the root and <Error>.
  const ErrorDocument document = parse_error_document(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature does not match</Message></Error></Errors>"
      "<RequestId>req-9</RequestId></ErrorResponse>");

  EXPECT_EQ(document.code, "SignatureDoesNotMatch");
  EXPECT_EQ(document.message, "The request signature does not match");
  EXPECT_EQ(document.request_id, "req-9");
}

TEST(ErrorDocumentParser, ReturnsEmptyFieldsForOtherBodies) {
  const ErrorDocument html = parse_error_document("<html><body>Bad Gateway</body></html>");
  EXPECT_EQ(html.code, "");
  EXPECT_EQ(html.message, "");

  const ErrorDocument empty = parse_error_document("");
  EXPECT_EQ(empty.code, "");
}

TEST(TimestampNormalizer, Formats) {
  EXPECT_EQ(normalize_timestamp("2024-05-01T12:00:00.000Z"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(normalize_timestamp("2024-05-01T12:00:00Z"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(normalize_timestamp("2024-05-01T12:00:00.999999Z"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(normalize_timestamp("2024-05-01T12:00:00"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(normalize_timestamp("2024-05-01T14:30:00+02:30"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(normalize_timestamp("2024-12-31T23:00:00-01:00"), "2025-01-01T00:00:00Z");
  EXPECT_EQ(normalize_timestamp("Wed, 01 May 2024 12:00:00 GMT"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(normalize_timestamp(" 2024-02-29T00:00:00.000Z\n"), "2024-02-29T00:00:00Z");
  EXPECT_EQ(normalize_timestamp(""), "");
}

TEST(TimestampNormalizer, ReturnsUnrecognisedValuesUnchanged) {
  EXPECT_EQ(normalize_timestamp("yesterday"), "yesterday");
  EXPECT_EQ(normalize_timestamp("2023-02-29T00:00:00Z"), "2023-02-29T00:00:00Z");
}

// S3's own form takes a shortcut; these cases must still match the general path.
TEST(TimestampNormalizer, HandlesEdgesOfS3Form) {
  EXPECT_EQ(normalize_timestamp("2024-06-30T23:59:60.000Z"), "2024-07-01T00:00:00Z");
  EXPECT_EQ(normalize_timestamp("2023-02-29T00:00:00.000Z"), "2023-02-29T00:00:00.000Z");
  EXPECT_EQ(normalize_timestamp("2024-05-01T24:00:00.000Z"), "2024-05-01T24:00:00.000Z");
  EXPECT_EQ(normalize_timestamp("2024-05-01T12:00:00.0a0Z"), "2024-05-01T12:00:00.0a0Z");
  EXPECT_EQ(normalize_timestamp("2024-05-01t12:00:00.000Z"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(normalize_timestamp("0999-12-31T23:59:59Z"), "0999-12-31T23:59:59Z");
}

HttpResponse response(int status, const std::string& body) {
  HttpResponse result;
  result.status = status;
  result.body = body;
  return result;
}

TEST(ResponseError, CarriesAllFields) {
  HttpResponse answer = response(403,
                                 "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
                                 "<RequestId>FROMBODY</RequestId></Error>");
  answer.headers["x-amz-request-id"] = "FROMHEADER";

  const S3Error error = make_response_error(answer, "ListObjectsV2", "listing bucket logs");

  EXPECT_EQ(error.operation, "ListObjectsV2");
  EXPECT_EQ(error.context, "listing bucket logs");
  EXPECT_EQ(error.http_status, 403);
  EXPECT_EQ(error.code, "AccessDenied");
  EXPECT_EQ(error.message, "Access Denied");
  EXPECT_EQ(error.request_id, "FROMHEADER");
  EXPECT_EQ(error.transport, TransportFault::kNone);
  EXPECT_EQ(error.category, ErrorCategory::kPermissions);
  EXPECT_NE(error.hint.find("s3:ListBucket"), std::string::npos);
}

TEST(ResponseError, SignatureMismatchIsAuthentication) {
  const S3Error error = make_response_error(
      response(403, "<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error>"), "ListBuckets", "");

  EXPECT_EQ(error.category, ErrorCategory::kAuthentication);
  EXPECT_EQ(error.request_id, "");
}

TEST(ResponseError, PicksUpBucketRegion) {
  HttpResponse answer = response(301, "<Error><Code>PermanentRedirect</Code><Message>m</Message></Error>");
  answer.headers["x-amz-bucket-region"] = "eu-central-1";

  const S3Error error = make_response_error(answer, "ListObjectsV2", "listing bucket b");

  EXPECT_EQ(error.region, "eu-central-1");
  EXPECT_EQ(error.category, ErrorCategory::kConfiguration);
  EXPECT_NE(error.hint.find("eu-central-1"), std::string::npos);
}

TEST(ResponseError, ClockSkewHintStatesOffset) {
  const S3Error error = make_response_error(
      response(403,
               "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and "
               "the current time is too large.</Message><RequestTime>20240501T120000Z</RequestTime>"
               "<ServerTime>2024-05-01T12:20:00Z</ServerTime><MaxAllowedSkewMilliseconds>900000"
               "</MaxAllowedSkewMilliseconds></Error>"),
      "ListBuckets", "");

  EXPECT_EQ(error.category, ErrorCategory::kAuthentication);
  EXPECT_NE(error.hint.find("clock"), std::string::npos);
  EXPECT_NE(error.hint.find("20 minutes ahead"), std::string::npos) << error.hint;
  EXPECT_NE(error.message.find("the server's clock is 20 minutes ahead of this machine's"), std::string::npos)
      << error.message;
}

TEST(ResponseError, ClockSkewWithoutTimesStillNamesTheClock) {
  const S3Error error = make_response_error(response(403, "<Error><Code>RequestTimeTooSkewed</Code></Error>"),
                                            "ListBuckets", "");

  EXPECT_NE(error.message.find("clock"), std::string::npos) << error.message;
}

TEST(ResponseError, NonXmlBodyBecomesMessage) {
  const S3Error error = make_response_error(response(502, "<html>Bad Gateway</html>"), "ListBuckets", "");

  EXPECT_EQ(error.category, ErrorCategory::kService);
  EXPECT_NE(error.message.find("Bad Gateway"), std::string::npos);
}

}  // namespace
}  // namespace s3cat::s3
