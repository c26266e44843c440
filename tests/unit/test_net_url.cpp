#include "net/url.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace hookauth::net {

namespace {
Origin origin(std::string_view url) {
  auto o = origin_of(url);
  REQUIRE_MESSAGE(o, test::error_of(o));
  return *o;
}

std::string resolved(std::string_view base, std::string_view location) {
  auto r = resolve_location(base, location);
  REQUIRE_MESSAGE(r, test::error_of(r));
  return *r;
}

std::string host(std::string_view url) {
  auto r = host_header(url);
  REQUIRE_MESSAGE(r, test::error_of(r));
  return *r;
}
}  // namespace

TEST_CASE("origin_of lowercases and fills in default ports") {
  CHECK(origin("https://API.Example.COM/path?q=1") == Origin{"https", "api.example.com", "443"});
  CHECK(origin("HTTP://example.com") == Origin{"http", "example.com", "80"});
  CHECK(origin("http://example.com:8080/") == Origin{"http", "example.com", "8080"});
  CHECK(origin("https://example.com:443/") == origin("https://example.com/"));
  CHECK(origin("http://[::1]:9000/x") == Origin{"http", "::1", "9000"});
  CHECK(origin("https://user:pw@example.com/") == Origin{"https", "example.com", "443"});
  CHECK_FALSE(origin("https://example.com/") == origin("http://example.com/"));
  CHECK_FALSE(origin("https://example.com/") == origin("https://example.com:8443/"));
}

TEST_CASE("origin_of refuses what is not an absolute http(s) URL") {
  for (const char* bad : {"/relative/path", "", "ftp://example.com/", "file:///etc/passwd", "http://"}) {
    CAPTURE(bad);
    CHECK_FALSE(origin_of(bad));
  }
  auto r = origin_of("ftp://example.com/");
  CHECK(test::contains(test::error_of(r), "ftp"));
}

TEST_CASE("is_loopback") {
  for (const char* yes :
       {"localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.5.5.5", "127.255.255.255", "::1", "[::1]"}) {
    CAPTURE(yes);
    CHECK(is_loopback(yes));
  }
  for (const char* no : {"example.com", "128.0.0.1", "10.0.0.1", "127.0.0", "127.0.0.1.example.com",
                         "localhost.example.com", "127.0.0.x", "::2", "0.0.0.0", "", "notlocalhost"}) {
    CAPTURE(no);
    CHECK_FALSE(is_loopback(no));
  }
}

TEST_CASE("resolve_location resolves relative and absolute locations") {
  std::string base = "https://h.example/a/b?x=1";
  CHECK(resolved(base, "c") == "https://h.example/a/c");
  CHECK(resolved(base, "/z?y=2") == "https://h.example/z?y=2");
  CHECK(resolved(base, "?y=2") == "https://h.example/a/b?y=2");
  CHECK(resolved(base, "//other.example/p") == "https://other.example/p");
  CHECK(resolved(base, "http://o.example:81/q") == "http://o.example:81/q");
  CHECK(resolved("http://127.0.0.1:8080/x", "/y") == "http://127.0.0.1:8080/y");
}

TEST_CASE("host_header adds the port only when it is not the default") {
  CHECK(host("https://h.example/x") == "h.example");
  CHECK(host("https://h.example:8443/x") == "h.example:8443");
  CHECK(host("http://127.0.0.1:8080/") == "127.0.0.1:8080");
  CHECK(host("http://[::1]:9000/") == "[::1]:9000");
  CHECK(host("https://h.example:443/x") == "h.example");
  CHECK(host("http://h.example:80/x") == "h.example");
  CHECK_FALSE(host_header("/relative"));
}

}  // namespace hookauth::net
