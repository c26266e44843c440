#include "net/url.hpp"

#include <doctest/doctest.h>

#include "net/sender.hpp"
#include "test_support.hpp"
#include "url_cases.hpp"

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

TEST_CASE("libcurl reads the table's URLs as util::split_url does, or they are refused before sending") {
  SendPolicy with_credentials;
  with_credentials.has_credentials = true;
  for (const auto& c : test::url_cases) {
    CAPTURE(c.url);
    auto ours = util::origin_of(c.url);
    auto curl = curl_url_view(c.url);
    std::string curl_text =
        curl ? curl->scheme + "://" + util::bracketed_host(curl->host) + ":" + curl->port : std::string("refused");
    auto checked = origin_of(c.url);
    auto sendable = check_transport_security(std::string(c.url), with_credentials);
    if (!c.curl.empty()) {  // they read it differently: refused, by ours or by the agreement check
      CHECK(curl_text == c.curl);
      CHECK_FALSE(checked);
      CHECK_FALSE(sendable);
      continue;
    }
    REQUIRE_MESSAGE(curl, test::error_of(curl));
    auto split = util::split_url(c.url);
    REQUIRE(split);
    CHECK(curl->scheme == split->scheme);
    CHECK(curl->host == split->host);
    CHECK(curl->port == (split->port.empty() ? curl->port : split->port));
    CHECK(curl->user == split->userinfo);
    CHECK(curl->path == split->path);
    CHECK(curl->query == split->query);
    if (!ours) {  // not http(s)
      CHECK_FALSE(checked);
      continue;
    }
    REQUIRE_MESSAGE(checked, test::error_of(checked));
    CHECK(*checked == *ours);
    CHECK(bool(sendable) == !c.exposed);
    if (c.exposed) CHECK(test::contains(test::error_of(sendable), "refusing to send credentials over plain http"));
  }
}

TEST_CASE("origin_of refuses a URL libcurl would send elsewhere, and says where") {
  auto r = origin_of("http://%6cocalhost/");
  CHECK_FALSE(r);
  auto zero = origin_of("http://h:0/");
  CHECK_FALSE(zero);
  CHECK(test::contains(test::error_of(zero), "port"));
  auto spaced = origin_of("http://h/a b");  // ours splits it; libcurl refuses the space
  CHECK_FALSE(spaced);
  CHECK(test::contains(test::error_of(spaced), "not a valid URL"));
}

}  // namespace hookauth::net
