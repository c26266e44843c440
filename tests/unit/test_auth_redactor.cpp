#include "auth/redactor.hpp"

#include <doctest/doctest.h>

#include "auth/crypto.hpp"
#include "test_support.hpp"

namespace hookauth::auth {

TEST_CASE("header_value keeps the scheme of Authorization-like headers") {
  Redactor r;
  CHECK(r.header_value("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==") == "Basic [redacted]");
  CHECK(r.header_value("authorization", "Bearer abc.def.ghi") == "Bearer [redacted]");
  CHECK(r.header_value("Proxy-Authorization", "Basic dXNlcjpw") == "Basic [redacted]");
  CHECK(r.header_value("AUTHORIZATION", "opaque-token") == "[redacted]");
  CHECK(r.header_value("Cookie", "session=abc; other=def") == "[redacted]");
  CHECK(r.header_value("Content-Type", "application/json") == "application/json");
}

TEST_CASE("redactor_for an API key in a header hides that header") {
  auto r = redactor_for(ApiKeyCredentials{"X-API-Key", "k3y-s3cret", KeyLocation::header});
  CHECK(r.header_value("X-API-Key", "k3y-s3cret") == "[redacted]");
  CHECK(r.header_value("x-api-key", "whatever value") == "[redacted]");
  // And its value anywhere else.
  CHECK(r.header_value("X-Echo", "got k3y-s3cret") == "got [redacted]");
  CHECK(r.text("body: {\"key\": \"k3y-s3cret\"}") == "body: {\"key\": \"[redacted]\"}");
}

TEST_CASE("redactor_for an API key in the query hides the parameter in url()") {
  auto r = redactor_for(ApiKeyCredentials{"api_key", "k3y-s3cret", KeyLocation::query});
  CHECK(r.url("https://h.example/p?a=1&api_key=k3y-s3cret&b=2") == "https://h.example/p?a=1&api_key=[redacted]&b=2");
  CHECK(r.url("https://h.example/p?api_key=k3y-s3cret#frag") == "https://h.example/p?api_key=[redacted]#frag");
  CHECK(r.url("https://h.example/p?a=1") == "https://h.example/p?a=1");
  CHECK(r.url("https://h.example/p") == "https://h.example/p");
  SUBCASE("any value of the parameter, even one that is not the key") {
    CHECK(r.url("https://h.example/p?api_key=other-value") == "https://h.example/p?api_key=[redacted]");
  }
  SUBCASE("the parameter name percent-encoded") {
    auto spaced = redactor_for(ApiKeyCredentials{"api key", "k3y-s3cret", KeyLocation::query});
    CHECK(spaced.url("https://h.example/p?api%20key=abc&x=1") == "https://h.example/p?api%20key=[redacted]&x=1");
  }
}

TEST_CASE("text() finds secrets verbatim and percent-encoded") {
  auto r = redactor_for(BasicCredentials{"Aladdin", "open sesame/+&"});
  CHECK(r.text("password is open sesame/+& here") == "password is [redacted] here");
  CHECK(r.text("url?p=open%20sesame%2F%2B%26") == "url?p=[redacted]");
  // The Basic token itself is known, so a logged header line is hidden too.
  std::string token = crypto::base64_encode("Aladdin:open sesame/+&");
  CHECK(r.text("> Authorization: Basic " + token) == "> Authorization: Basic [redacted]");
  CHECK(r.text("nothing secret") == "nothing secret");
}

TEST_CASE("a secret that contains another is replaced whole") {
  Redactor r;
  r.add_secret("abcd");
  r.add_secret("xxabcdxx");
  CHECK(r.text("[xxabcdxx] [abcd]") == "[[redacted]] [[redacted]]");
}

TEST_CASE("set_enabled(false) reveals everything") {
  auto r = redactor_for(ApiKeyCredentials{"api_key", "k3y-s3cret", KeyLocation::query});
  r.add_secret("another-secret");
  r.set_enabled(false);
  CHECK(r.header_value("Authorization", "Basic abc") == "Basic abc");
  CHECK(r.url("https://h.example/p?api_key=k3y-s3cret") == "https://h.example/p?api_key=k3y-s3cret");
  CHECK(r.text("k3y-s3cret another-secret") == "k3y-s3cret another-secret");
  r.set_enabled(true);
  CHECK(r.text("k3y-s3cret another-secret") == "[redacted] [redacted]");
}

TEST_CASE("secrets shorter than 4 characters are not replaced as substrings") {
  Redactor r;
  r.add_secret("abc");
  r.add_secret("");
  CHECK(r.text("abcdef abc") == "abcdef abc");
  r.add_secret("abcd");
  CHECK(r.text("abcdef abc") == "[redacted]ef abc");
  SUBCASE("a short API key in the query is still hidden by its parameter name") {
    auto q = redactor_for(ApiKeyCredentials{"k", "xyz", KeyLocation::query});
    CHECK(q.url("https://h.example/?k=xyz&m=xyz") == "https://h.example/?k=[redacted]&m=xyz");
  }
}

TEST_CASE("redactor_for OAuth 2.0 credentials") {
  OAuth2Credentials c;
  c.client_id = "hook client";
  c.client_secret = "cl13nt/s3cret+";
  c.token_url = "https://auth.example.org/token";
  auto r = redactor_for(c);

  SUBCASE("the client secret, verbatim and percent-encoded") {
    CHECK(r.text("secret cl13nt/s3cret+ here") == "secret [redacted] here");
    CHECK(r.text("client_id=hook%20client&client_secret=cl13nt%2Fs3cret%2B") ==
          "client_id=hook%20client&client_secret=[redacted]");
  }
  SUBCASE("the Basic client authentication value, also outside an Authorization header") {
    // base64("hook%20client:cl13nt%2Fs3cret%2B"), as token_request sends it (RFC 6749 2.3.1).
    const std::string basic = "aG9vayUyMGNsaWVudDpjbDEzbnQlMkZzM2NyZXQlMkI=";
    CHECK(r.header_value("Authorization", "Basic " + basic) == "Basic [redacted]");
    CHECK(r.text("> Authorization: Basic " + basic) == "> Authorization: Basic [redacted]");
    CHECK(r.header_value("X-Echo", basic) == "[redacted]");
  }
  SUBCASE("the secret-bearing query parameters, by name, whatever their value") {
    CHECK(r.url("https://auth.example.org/token?grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA"
                "&client_id=hook%20client&client_secret=other") ==
          "https://auth.example.org/token?grant_type=refresh_token&refresh_token=[redacted]"
          "&client_id=hook%20client&client_secret=[redacted]");
    CHECK(r.url("http://127.0.0.1:8765/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz") ==
          "http://127.0.0.1:8765/callback?code=[redacted]&state=xyz");
    CHECK(r.url("/token?grant_type=authorization_code&code=c0de&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1g"
                "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcb") ==
          "/token?grant_type=authorization_code&code=[redacted]&code_verifier=[redacted]"
          "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcb");
    CHECK(r.url("/cb?access_token=2YotnFZFEjr1zCsicMWpAA&token_type=bearer") ==
          "/cb?access_token=[redacted]&token_type=bearer");
    CHECK(r.url("/introspect?token=2YotnFZFEjr1zCsicMWpAA&token_type_hint=access_token") ==
          "/introspect?token=[redacted]&token_type_hint=access_token");
  }
  SUBCASE("the client id and the URLs are not secret") {
    CHECK(r.text("client hook client at https://auth.example.org/token") ==
          "client hook client at https://auth.example.org/token");
    CHECK(r.url("https://auth.example.org/authorize?client_id=hook%20client&scope=read") ==
          "https://auth.example.org/authorize?client_id=hook%20client&scope=read");
  }
  SUBCASE("a public client has no secret to hide, but its parameters are still hidden by name") {
    OAuth2Credentials pub = c;
    pub.client_secret.clear();
    auto p = redactor_for(pub);
    CHECK(p.text("client_id=hook%20client") == "client_id=hook%20client");
    CHECK(p.url("/token?code=c0de&code_verifier=v") == "/token?code=[redacted]&code_verifier=[redacted]");
  }
}

}  // namespace hookauth::auth
