#include "auth/sigv4.hpp"

#include <doctest/doctest.h>

using namespace hookauth::auth;

namespace {
// The AWS Signature Version 4 test suite's credentials (get-vanilla and friends).
AwsCredentials suite() {
  AwsCredentials c;
  c.access_key = "AKIDEXAMPLE";
  c.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.region = "us-east-1";
  c.service = "service";
  return c;
}
hookauth::util::Clock::time_point at(const char* t) { return *hookauth::util::parse_time(t); }
}  // namespace

TEST_CASE("sigv4: the test suite's get-vanilla, stage by stage") {
  Request r;
  r.method = "GET";
  r.url = "https://example.amazonaws.com/";
  SigV4Steps steps;
  SignContext ctx;
  ctx.now = at("20150830T123600Z");
  ctx.sigv4_steps = &steps;
  REQUIRE(sign_sigv4(suite(), r, ctx));
  CHECK(steps.canonical_request ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(steps.string_to_sign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(r.headers.get("Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("sigv4: AWS's IAM ListUsers example signs content-type") {
  AwsCredentials c = suite();
  c.service = "iam";
  Request r;
  r.method = "GET";
  r.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  r.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  SignContext ctx;
  ctx.now = at("20150830T123600Z");
  REQUIRE(sign_sigv4(c, r, ctx));
  CHECK(r.headers.get("Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST_CASE("sigv4: AWS's S3 presigned URL example") {
  AwsCredentials c;
  c.access_key = "AKIAIOSFODNN7EXAMPLE";
  c.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  c.region = "us-east-1";
  c.service = "s3";
  Request r;
  r.method = "GET";
  r.url = "https://examplebucket.s3.amazonaws.com/test.txt";
  REQUIRE(presign_sigv4(c, r, at("20130524T000000Z"), 86400, nullptr, nullptr));
  CHECK(r.url ==
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
        "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  CHECK_FALSE(presign_sigv4(c, r, at("20130524T000000Z"), 0, nullptr, nullptr));
  CHECK_FALSE(presign_sigv4(c, r, at("20130524T000000Z"), 604801, nullptr, nullptr));
}

TEST_CASE("sigv4: canonical URI and query") {
  CHECK(canonical_uri("/a/./b/../c//d/", "service") == "/a/c/d/");
  CHECK(canonical_uri("/a/./b/../c//d/", "s3") == "/a/./b/../c//d/");
  CHECK(canonical_uri("/x%20y/", "service") == "/x%2520y/");
  CHECK(canonical_uri("/x%20y/", "s3") == "/x%20y/");
  CHECK(canonical_uri("", "service") == "/");
  CHECK(canonical_query("b=2&a=1&a=0&c") == "a=0&a=1&b=2&c=");
  CHECK(canonical_query("k=a%20b&k2=%7e") == "k=a%20b&k2=~");
  CHECK(canonical_query("X-Amz-Signature=abc&a=1", "X-Amz-Signature") == "a=1");
  Headers h;
  h.add("My-Header1", "  a   b   c  ");
  h.add("my-header2", "\"a   b   c\"");
  h.add("My-Header1", "d");
  CHECK(canonical_headers(h, {"host", "my-header1", "my-header2"}, "example.amazonaws.com") ==
        "host:example.amazonaws.com\nmy-header1:a b c,d\nmy-header2:\"a b c\"\n");
}

TEST_CASE("sigv4: the signing key is derived once per secret, date, region and service") {
  SigV4KeyCache cache;
  Request r;
  r.url = "https://example.amazonaws.com/";
  SignContext ctx;
  ctx.now = at("20150830T123600Z");
  ctx.sigv4_keys = &cache;
  for (int i = 0; i < 5; ++i) {
    Request copy = r;
    REQUIRE(sign_sigv4(suite(), copy, ctx));
  }
  CHECK(cache.derivations() == 1);
  ctx.now = at("20150831T000000Z");
  REQUIRE(sign_sigv4(suite(), r, ctx));
  CHECK(cache.derivations() == 2);
}

TEST_CASE("sigv4: verify accepts what sign produced and names what differs") {
  AwsCredentials c = suite();
  Request sent;
  sent.method = "POST";
  sent.url = "http://127.0.0.1:8080/hook?b=2&a=1";
  sent.headers.add("Content-Type", "application/json");
  sent.body = R"({"a":1})";
  c.content_sha256 = true;
  SignContext sctx;
  sctx.now = at("20150830T123600Z");
  REQUIRE(sign_sigv4(c, sent, sctx));
  Request received = sent;
  received.url = "/hook?b=2&a=1";
  received.headers.add("Host", "127.0.0.1:8080");
  VerifyContext vctx;
  vctx.now = at("20150830T124100Z");  // exactly 300 s later: the edge of the window
  CHECK(verify_sigv4(c, received, vctx).valid);
  vctx.now = at("20150830T124101Z");
  auto late = verify_sigv4(c, received, vctx);
  CHECK_FALSE(late.valid);
  CHECK(late.reason.find("max skew") != std::string::npos);
  vctx.now = at("20150830T123600Z");

  auto changed = [&](auto mutate) {
    Request r = received;
    mutate(r);
    return verify_sigv4(c, r, vctx);
  };
  CHECK(changed([](Request& r) { r.method = "PUT"; }).reason.find("signature does not match") != std::string::npos);
  CHECK_FALSE(changed([](Request& r) { r.url = "/hook?b=2&a=2"; }).valid);
  CHECK(changed([](Request& r) { r.body = R"({"a":2})"; }).reason == "body does not match x-amz-content-sha256");
  CHECK_FALSE(changed([](Request& r) { r.headers.set("Content-Type", "text/plain"); }).valid);
  CHECK(changed([](Request& r) { r.headers.remove("Authorization"); }).reason ==
        "no SigV4 Authorization header or presigned query");
  AwsCredentials other = c;
  other.region = "eu-west-1";
  CHECK(verify_sigv4(other, received, vctx).reason == "scope region us-east-1 is not eu-west-1");
  other = c;
  other.access_key = "AKIDOTHER";
  CHECK(verify_sigv4(other, received, vctx).reason.find("access key id") != std::string::npos);
}

TEST_CASE("sigv4: presigned URLs verify until they expire") {
  AwsCredentials c = suite();
  Request sent;
  sent.url = "http://127.0.0.1:8080/hook";
  REQUIRE(presign_sigv4(c, sent, at("20150830T123600Z"), 60, nullptr, nullptr));
  Request received = sent;
  received.url = sent.url.substr(sent.url.find("/hook"));
  received.headers.add("Host", "127.0.0.1:8080");
  VerifyContext vctx;
  vctx.now = at("20150830T123700Z");  // 60 s: the last second it is valid
  CHECK(verify_sigv4(c, received, vctx).valid);
  vctx.now = at("20150830T123701Z");
  auto expired = verify_sigv4(c, received, vctx);
  CHECK_FALSE(expired.valid);
  CHECK(expired.reason.find("expired") != std::string::npos);
}
