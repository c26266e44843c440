#include "auth/api_key.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace hookauth::auth {

namespace {
Request get(std::string url) {
  Request r;
  r.url = std::move(url);
  return r;
}

const ApiKeyCredentials header_key{"X-API-Key", "k3y-s3cret", KeyLocation::header};
const ApiKeyCredentials query_key{"api_key", "k3y-s3cret", KeyLocation::query};
}  // namespace

TEST_CASE("sign_api_key in a header") {
  auto r = get("https://api.example.com/hook?x=1");
  r.headers.add("x-api-key", "old");
  REQUIRE(sign_api_key(header_key, r));
  CHECK(r.headers.items.size() == 1);
  CHECK(r.headers.get("X-API-Key") == "k3y-s3cret");
  CHECK(r.url == "https://api.example.com/hook?x=1");

  SUBCASE("a value with a control character is refused, without echoing it") {
    auto bad = sign_api_key({"X-API-Key", "abc\r\nX-Evil: 1", KeyLocation::header}, r);
    CHECK_FALSE(bad);
    CHECK_FALSE(test::contains(test::error_of(bad), "X-Evil"));
  }
}

TEST_CASE("sign_api_key in the query") {
  SUBCASE("no query yet") {
    auto r = get("https://api.example.com/hook");
    REQUIRE(sign_api_key(query_key, r));
    CHECK(r.url == "https://api.example.com/hook?api_key=k3y-s3cret");
    CHECK_FALSE(r.headers.has("api_key"));
  }
  SUBCASE("an existing query is kept and the key appended") {
    auto r = get("https://api.example.com/hook?a=1&b=2");
    REQUIRE(sign_api_key(query_key, r));
    CHECK(r.url == "https://api.example.com/hook?a=1&b=2&api_key=k3y-s3cret");
  }
  SUBCASE("a trailing '?' or '&' is not doubled") {
    auto q = get("https://api.example.com/hook?");
    REQUIRE(sign_api_key(query_key, q));
    CHECK(q.url == "https://api.example.com/hook?api_key=k3y-s3cret");
    auto amp = get("https://api.example.com/hook?a=1&");
    REQUIRE(sign_api_key(query_key, amp));
    CHECK(amp.url == "https://api.example.com/hook?a=1&api_key=k3y-s3cret");
  }
  SUBCASE("the fragment stays last") {
    auto r = get("https://api.example.com/hook#section");
    REQUIRE(sign_api_key(query_key, r));
    CHECK(r.url == "https://api.example.com/hook?api_key=k3y-s3cret#section");
    auto q = get("https://api.example.com/hook?a=1#frag?not=query");
    REQUIRE(sign_api_key(query_key, q));
    CHECK(q.url == "https://api.example.com/hook?a=1&api_key=k3y-s3cret#frag?not=query");
  }
  SUBCASE("special characters in name and value are percent-encoded") {
    auto r = get("https://api.example.com/hook");
    REQUIRE(sign_api_key({"api key", "a&b=c/d?e#f+g %", KeyLocation::query}, r));
    CHECK(r.url == "https://api.example.com/hook?api%20key=a%26b%3Dc%2Fd%3Fe%23f%2Bg%20%25");
    // And the verifier reads back exactly the same value.
    CHECK(verify_api_key({"api key", "a&b=c/d?e#f+g %", KeyLocation::query}, r).valid);
  }
}

TEST_CASE("verify_api_key in a header") {
  auto r = get("/hook");
  SUBCASE("missing") {
    auto v = verify_api_key(header_key, r);
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "no X-API-Key header"));
  }
  SUBCASE("valid, header name case-insensitive") {
    r.headers.add("x-api-key", "k3y-s3cret");
    CHECK(verify_api_key(header_key, r).valid);
  }
  SUBCASE("wrong, and the reason holds neither key") {
    r.headers.add("X-API-Key", "k3y-s3creT");
    auto v = verify_api_key(header_key, r);
    CHECK_FALSE(v.valid);
    CHECK_FALSE(test::contains(v.reason, "k3y-s3cre"));
  }
  SUBCASE("a prefix of the key is wrong") {
    r.headers.add("X-API-Key", "k3y");
    CHECK_FALSE(verify_api_key(header_key, r).valid);
  }
}

TEST_CASE("verify_api_key in the query") {
  SUBCASE("valid, origin-form and absolute URLs") {
    CHECK(verify_api_key(query_key, get("/hook?a=1&api_key=k3y-s3cret")).valid);
    CHECK(verify_api_key(query_key, get("https://h.example/hook?api_key=k3y-s3cret#frag")).valid);
    CHECK(verify_api_key(query_key, get("/hook?api_key=k3y%2Ds3cret")).valid);
  }
  SUBCASE("missing") {
    auto v = verify_api_key(query_key, get("/hook?a=1"));
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "no api_key query parameter"));
    CHECK_FALSE(verify_api_key(query_key, get("/hook")).valid);
    // A header of that name does not count.
    auto h = get("/hook");
    h.headers.add("api_key", "k3y-s3cret");
    CHECK_FALSE(verify_api_key(query_key, h).valid);
  }
  SUBCASE("wrong") {
    auto v = verify_api_key(query_key, get("/hook?api_key=nope"));
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "wrong API key"));
    CHECK_FALSE(test::contains(v.reason, "nope"));
  }
  SUBCASE("given twice is refused, even when one is right") {
    auto v = verify_api_key(query_key, get("/hook?api_key=k3y-s3cret&api_key=other"));
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "more than once"));
    CHECK_FALSE(verify_api_key(query_key, get("/hook?api_key=k3y-s3cret&api_key=k3y-s3cret")).valid);
  }
  SUBCASE("the parameter name is case-sensitive") {
    CHECK_FALSE(verify_api_key(query_key, get("/hook?API_KEY=k3y-s3cret")).valid);
  }
}

}  // namespace hookauth::auth
