// The signer against the examples AWS publishes: the Signature Version 4 test
// suite (credentials AKIDEXAMPLE, service "service", 2015-08-30T12:36:00Z) and
// the S3 API reference's header-signing examples (AKIAIOSFODNN7EXAMPLE,
// 2013-05-24T00:00:00Z). Every case runs offline at its fixed time.
#include "s3/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace s3cat::s3 {
namespace {

using namespace std::chrono;

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSuiteScope[] = "20150830/us-east-1/service/aws4_request";
constexpr char kUnreserved[] = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

system_clock::time_point suite_time() { return sys_days(2015y / 8 / 30) + 12h + 36min; }
system_clock::time_point s3_example_time() { return sys_days(2013y / 5 / 24); }

Credentials suite_credentials() {
  Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return credentials;
}

Credentials s3_example_credentials() {
  Credentials credentials;
  credentials.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  credentials.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  return credentials;
}

struct SuiteCase {
  std::string name;
  std::string method;
  std::string canonical_uri;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;
  std::string session_token;
  std::string expected_canonical_request;
  std::string expected_signed_headers;
  std::string expected_signature;
};

std::string suite_canonical(const std::string& method, const std::string& uri, const std::string& query,
                            const std::string& extra_headers, const std::string& signed_headers,
                            const std::string& payload = kEmptySha256) {
  return method + "\n" + uri + "\n" + query + "\n" + extra_headers + "\n" + signed_headers + "\n" + payload;
}

const std::string kHostAndDate = "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n";

std::vector<SuiteCase> suite_cases() {
  const std::string unreserved = kUnreserved;
  const std::string form_hash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
  const std::string sts_token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8Y"
      "UuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE"
      "8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2"
      "ICCR/oLxBA==";
  const std::string get_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

  return {
      {"get-vanilla", "GET", "/", "", {}, kEmptySha256, "",
       suite_canonical("GET", "/", "", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-empty-query-key", "GET", "/", "Param1=value1", {}, kEmptySha256, "",
       suite_canonical("GET", "/", "Param1=value1", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", {}, kEmptySha256, "",
       suite_canonical("GET", "/", "Param1=value1&Param2=value2", kHostAndDate, "host;x-amz-date"),
       "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-key", "GET", "/", "Param1=value2&Param1=Value1", {}, kEmptySha256, "",
       suite_canonical("GET", "/", "Param1=Value1&Param1=value2", kHostAndDate, "host;x-amz-date"),
       "host;x-amz-date", "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
      {"get-vanilla-query-order-value", "GET", "/", "Param1=value2&Param1=value1", {}, kEmptySha256, "",
       suite_canonical("GET", "/", "Param1=value1&Param1=value2", kHostAndDate, "host;x-amz-date"),
       "host;x-amz-date", "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
      {"get-vanilla-query-order-encoded", "GET", "/", "Param-3=Value3&Param=Value2&%E1%88%B4=Value1", {},
       kEmptySha256, "",
       suite_canonical("GET", "/", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3", kHostAndDate,
                       "host;x-amz-date"),
       "host;x-amz-date", "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"},
      {"get-vanilla-query-unreserved", "GET", "/", unreserved + "=" + unreserved, {}, kEmptySha256, "",
       suite_canonical("GET", "/", unreserved + "=" + unreserved, kHostAndDate, "host;x-amz-date"),
       "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query", "GET", "/", "\xE1\x88\xB4=bar", {}, kEmptySha256, "",
       suite_canonical("GET", "/", "%E1%88%B4=bar", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-vanilla-with-session-token", "GET", "/", "", {}, kEmptySha256, get_token,
       suite_canonical("GET", "/", "", kHostAndDate + "x-amz-security-token:" + get_token + "\n",
                       "host;x-amz-date;x-amz-security-token"),
       "host;x-amz-date;x-amz-security-token", "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
      {"get-unreserved", "GET", "/" + unreserved, "", {}, kEmptySha256, "",
       suite_canonical("GET", "/" + unreserved, "", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8", "GET", "/%E1%88%B4", "", {}, kEmptySha256, "",
       suite_canonical("GET", "/%E1%88%B4", "", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-space", "GET", "/example%20space/", "", {}, kEmptySha256, "",
       suite_canonical("GET", "/example%20space/", "", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-special-character", "GET", "/example/%24delete", "", {}, kEmptySha256, "",
       suite_canonical("GET", "/example/%24delete", "", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "a853c9b21b528b19643d00910d35b83a10c366a10833ceefb45edd6c80e40f27"},
      {"get-header-key-duplicate", "GET", "/", "",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}, kEmptySha256, "",
       suite_canonical("GET", "/", "",
                       "host:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n",
                       "host;my-header1;x-amz-date"),
       "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-multiline", "GET", "/", "", {{"My-Header1", "value1\n  value2\n     value3"}},
       kEmptySha256, "",
       suite_canonical("GET", "/", "",
                       "host:example.amazonaws.com\nmy-header1:value1 value2 value3\nx-amz-date:20150830T123600Z\n",
                       "host;my-header1;x-amz-date"),
       "host;my-header1;x-amz-date", "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd"},
      {"get-header-value-order", "GET", "/", "",
       {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}},
       kEmptySha256, "",
       suite_canonical("GET", "/", "",
                       "host:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n"
                       "x-amz-date:20150830T123600Z\n",
                       "host;my-header1;x-amz-date"),
       "host;my-header1;x-amz-date", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim", "GET", "/", "", {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       kEmptySha256, "",
       suite_canonical("GET", "/", "",
                       "host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                       "x-amz-date:20150830T123600Z\n",
                       "host;my-header1;my-header2;x-amz-date"),
       "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-vanilla", "POST", "/", "", {}, kEmptySha256, "",
       suite_canonical("POST", "/", "", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query", "POST", "/", "Param1=value1", {}, kEmptySha256, "",
       suite_canonical("POST", "/", "Param1=value1", kHostAndDate, "host;x-amz-date"), "host;x-amz-date",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-header-key-sort", "POST", "/", "", {{"My-Header1", "value1"}}, kEmptySha256, "",
       suite_canonical("POST", "/", "",
                       "host:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n",
                       "host;my-header1;x-amz-date"),
       "host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case", "POST", "/", "", {{"My-Header1", "VALUE1"}}, kEmptySha256, "",
       suite_canonical("POST", "/", "",
                       "host:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n",
                       "host;my-header1;x-amz-date"),
       "host;my-header1;x-amz-date", "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-x-www-form-urlencoded", "POST", "/", "",
       {{"Content-Type", "application/x-www-form-urlencoded"}}, form_hash, "",
       suite_canonical("POST", "/", "",
                       "content-type:application/x-www-form-urlencoded\n" + kHostAndDate,
                       "content-type;host;x-amz-date", form_hash),
       "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters", "POST", "/", "",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}}, form_hash, "",
       suite_canonical("POST", "/", "",
                       "content-type:application/x-www-form-urlencoded; charset=utf8\n" + kHostAndDate,
                       "content-type;host;x-amz-date", form_hash),
       "content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
      {"post-sts-header-before", "POST", "/", "", {}, kEmptySha256, sts_token,
       suite_canonical("POST", "/", "", kHostAndDate + "x-amz-security-token:" + sts_token + "\n",
                       "host;x-amz-date;x-amz-security-token"),
       "host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
}

std::string header_value(const SignedHeaders& signed_headers, const std::string& name) {
  for (const auto& [header, value] : signed_headers.headers) {
    if (header == name) return value;
  }
  return "";
}

TEST(SigV4Signer, ReproducesPublishedTestSuite) {
  for (const SuiteCase& test_case : suite_cases()) {
    SCOPED_TRACE(test_case.name);
    SigningRequest request;
    request.method = test_case.method;
    request.host = "example.amazonaws.com";
    request.canonical_uri = test_case.canonical_uri;
    request.query = test_case.query;
    request.headers = test_case.headers;
    request.payload_sha256 = test_case.payload_sha256;
    request.region = "us-east-1";
    request.service = "service";
    request.time = suite_time();
    Credentials credentials = suite_credentials();
    credentials.session_token = Secret(test_case.session_token);

    const SignedHeaders signed_headers = sign_request(request, credentials);

    EXPECT_EQ(signed_headers.canonical_request, test_case.expected_canonical_request);
    EXPECT_EQ(signed_headers.string_to_sign, std::string("AWS4-HMAC-SHA256\n20150830T123600Z\n") + kSuiteScope +
                                                 "\n" + sha256_hex(test_case.expected_canonical_request));
    EXPECT_EQ(signed_headers.signature, test_case.expected_signature);
    EXPECT_EQ(header_value(signed_headers, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + std::string(kSuiteScope) +
                  ", SignedHeaders=" + test_case.expected_signed_headers +
                  ", Signature=" + test_case.expected_signature);
    EXPECT_EQ(header_value(signed_headers, "X-Amz-Date"), "20150830T123600Z");
    EXPECT_EQ(header_value(signed_headers, "X-Amz-Security-Token"), test_case.session_token);
  }
}

TEST(SigV4Signer, GetVanillaStringToSign) {
  SigningRequest request;
  request.method = "GET";
  request.host = "example.amazonaws.com";
  request.canonical_uri = "/";
  request.payload_sha256 = kEmptySha256;
  request.region = "us-east-1";
  request.service = "service";
  request.time = suite_time();

  const SignedHeaders signed_headers = sign_request(request, suite_credentials());

  EXPECT_EQ(signed_headers.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

SigningRequest s3_example_request(const std::string& method, const std::string& uri, const std::string& query) {
  SigningRequest request;
  request.method = method;
  request.host = "examplebucket.s3.amazonaws.com";
  request.canonical_uri = uri;
  request.query = query;
  request.payload_sha256 = kEmptySha256;
  request.headers = {{"x-amz-content-sha256", kEmptySha256}};
  request.region = "us-east-1";
  request.service = "s3";
  request.time = s3_example_time();
  return request;
}

TEST(SigV4Signer, S3GetObjectExample) {
  SigningRequest request = s3_example_request("GET", "/test.txt", "");
  request.headers.emplace_back("Range", "bytes=0-9");

  const SignedHeaders signed_headers = sign_request(request, s3_example_credentials());

  EXPECT_EQ(signed_headers.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_headers.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signed_headers.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(header_value(signed_headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Signer, S3ListObjectsExample) {
  const SigningRequest request = s3_example_request("GET", "/", "max-keys=2&prefix=J");

  const SignedHeaders signed_headers = sign_request(request, s3_example_credentials());

  EXPECT_EQ(signed_headers.canonical_request,
            "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_headers.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(signed_headers.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Signer, S3ListObjectsExampleWithUnsortedQuery) {
  const SigningRequest request = s3_example_request("GET", "/", "prefix=J&max-keys=2");

  EXPECT_EQ(sign_request(request, s3_example_credentials()).signature,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Signer, S3GetBucketLifecycleExample) {
  const SigningRequest request = s3_example_request("GET", "/", "lifecycle");

  const SignedHeaders signed_headers = sign_request(request, s3_example_credentials());

  EXPECT_NE(signed_headers.canonical_request.find("\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(signed_headers.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Signer, S3PutObjectExample) {
  SigningRequest request = s3_example_request("PUT", "/test%24file.text", "");
  const std::string payload_hash = sha256_hex("Welcome to Amazon S3.");
  ASSERT_EQ(payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  request.payload_sha256 = payload_hash;
  request.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", payload_hash}};

  const SignedHeaders signed_headers = sign_request(request, s3_example_credentials());

  EXPECT_EQ(signed_headers.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  EXPECT_NE(header_value(signed_headers, "Authorization")
                .find("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"),
            std::string::npos);
}

TEST(SigV4Signer, IgnoresCallerHostAndDateHeaders) {
  SigningRequest request = s3_example_request("GET", "/", "max-keys=2&prefix=J");
  request.headers.emplace_back("Host", "wrong.example");
  request.headers.emplace_back("X-Amz-Date", "19990101T000000Z");

  EXPECT_EQ(sign_request(request, s3_example_credentials()).signature,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Helpers, Sha256OfKnownInputs) {
  EXPECT_EQ(sha256_hex(""), kEmptySha256);
  EXPECT_EQ(sha256_hex("Param1=value1"), "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
}

TEST(SigV4Helpers, FormatsAmzDate) {
  EXPECT_EQ(format_amz_date(suite_time()), "20150830T123600Z");
  EXPECT_EQ(format_amz_date(suite_time() + 999ms), "20150830T123600Z");
  EXPECT_EQ(format_amz_date(sys_days(2024y / 2 / 29)), "20240229T000000Z");
}

TEST(SigV4Helpers, UriEncode) {
  EXPECT_EQ(uri_encode(kUnreserved, true), kUnreserved);
  EXPECT_EQ(uri_encode("a b/c+d%e", true), "a%20b%2Fc%2Bd%25e");
  EXPECT_EQ(uri_encode("a b/c+d%e", false), "a%20b/c%2Bd%25e");
  EXPECT_EQ(uri_encode("\xE1\x88\xB4", true), "%E1%88%B4");
  EXPECT_EQ(uri_encode(std::string("\r\n\0", 3), true), "%0D%0A%00");
}

TEST(SigV4Helpers, PercentDecode) {
  std::string decoded;
  ASSERT_TRUE(percent_decode("a%20b%2fc+d", decoded));
  EXPECT_EQ(decoded, "a b/c+d");
  ASSERT_TRUE(percent_decode("%0D%0A", decoded));
  EXPECT_EQ(decoded, "\r\n");
  EXPECT_FALSE(percent_decode("50%", decoded));
  EXPECT_FALSE(percent_decode("50%2", decoded));
  EXPECT_FALSE(percent_decode("%zz", decoded));
}

TEST(SigV4Helpers, CanonicalQuery) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("lifecycle"), "lifecycle=");
  EXPECT_EQ(canonical_query("b=2&a=1&&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(canonical_query("prefix=a/b c"), "prefix=a%2Fb%20c");
  EXPECT_EQ(canonical_query("prefix=a%2fb%20c"), "prefix=a%2Fb%20c");
  EXPECT_EQ(canonical_query("token=ab%2B%3D"), "token=ab%2B%3D");
  EXPECT_EQ(canonical_query("broken=50%"), "broken=50%25");
}

}  // namespace
}  // namespace s3cat::s3
