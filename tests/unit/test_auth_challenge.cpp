#include <doctest/doctest.h>

#include "auth/challenge.hpp"

using hookauth::auth::parse_challenges;
using hookauth::auth::parse_credentials;
using hookauth::auth::quote;

TEST_CASE("challenge: one Digest challenge with quoted and token values") {
  auto r =
      parse_challenges(R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="abc")");
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].scheme == "Digest");
  CHECK((*r)[0].params.at("realm") == "http-auth@example.org");
  CHECK((*r)[0].params.at("qop") == "auth, auth-int");
  CHECK((*r)[0].params.at("algorithm") == "SHA-256");
  CHECK((*r)[0].params.at("nonce") == "abc");
}

TEST_CASE("challenge: several schemes in one header, commas and '=' inside quotes") {
  auto r = parse_challenges(
      R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple, really", Digest realm="a=b", nonce="x,y")");
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].scheme == "Newauth");
  CHECK((*r)[0].params.at("title") == "Login to \"apps\"");
  CHECK((*r)[0].params.at("type") == "1");
  CHECK((*r)[1].scheme == "Basic");
  CHECK((*r)[1].params.at("realm") == "simple, really");
  CHECK((*r)[2].params.at("realm") == "a=b");
  CHECK((*r)[2].params.at("nonce") == "x,y");
}

TEST_CASE("challenge: parameter names are case-insensitive and whitespace is optional") {
  auto r = parse_challenges("digest  REALM = \"r\" ,NONCE=\"n\",,  Qop=auth");
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].params.at("realm") == "r");
  CHECK((*r)[0].params.at("nonce") == "n");
  CHECK((*r)[0].params.at("qop") == "auth");
}

TEST_CASE("challenge: token68 credentials") {
  auto r = parse_credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  REQUIRE(r);
  CHECK(r->scheme == "Basic");
  CHECK(r->token68 == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(r->params.empty());
}

TEST_CASE("challenge: malformed input is refused with the reason") {
  struct Case {
    const char* input;
    const char* reason;
  };
  const Case cases[] = {
      {R"(Digest realm="open)", "unterminated"},          {"Digest realm=\"a\", realm=\"b\"", "given twice"},
      {"Digest realm=\"a\r\nb\"", "control character"},   {"=abc", "expected an auth scheme"},
      {"Digest realm=\"a\", nonce=", "unexpected '='"},   {"", "empty"},
      {"Digest realm=\"a\" nonce=\"b\"", "expected ','"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    auto r = parse_challenges(c.input);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("challenge: quote escapes quotes and backslashes") {
  CHECK(quote(R"(a"b\c)") == R"("a\"b\\c")");
  auto back = parse_challenges("X p=" + quote(R"(a"b\c)"));
  REQUIRE(back);
  CHECK((*back)[0].params.at("p") == R"(a"b\c)");
}
