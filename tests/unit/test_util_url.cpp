#include "util/url.hpp"

#include <doctest/doctest.h>

#include <string>

#include "test_support.hpp"
#include "url_cases.hpp"
#include "util/strings.hpp"

namespace hookauth::util {

namespace {
std::string_view part_name(UrlPart p) {
  switch (p) {
    case UrlPart::scheme:
      return "scheme";
    case UrlPart::authority:
      return "authority";
    case UrlPart::userinfo:
      return "userinfo";
    case UrlPart::host:
      return "host";
    case UrlPart::port:
      return "port";
  }
  return "?";
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}
}  // namespace

TEST_CASE("split_url and the checks: the table of tricky URLs") {
  for (const auto& c : test::url_cases) {
    CAPTURE(c.url);
    auto u = split_url(c.url);
    auto origin = origin_of(c.url);
    if (!c.refused.empty()) {
      REQUIRE_FALSE(u);
      CHECK(part_name(u.error().part) == c.refused);
      CHECK_FALSE(origin);
      CHECK(test::contains(test::error_of(origin), "not a valid URL"));
      continue;
    }
    REQUIRE_MESSAGE(u, u.error().message);
    CHECK(u->scheme == c.scheme);
    CHECK(view(u->userinfo) == c.userinfo);
    CHECK(u->host == c.host);
    CHECK(u->port == c.port);
    CHECK(u->path == c.path);
    CHECK(view(u->query) == c.query);
    CHECK(view(u->fragment) == c.fragment);
    CHECK(url_has_userinfo(c.url) == c.userinfo.has_value());
    CHECK(is_loopback(u->host) == c.loopback);
    if (c.scheme != "http" && c.scheme != "https") {
      CHECK_FALSE(origin);
      continue;
    }
    REQUIRE_MESSAGE(origin, test::error_of(origin));
    CHECK(*origin == Origin{u->scheme, u->host, u->port});
    CHECK(is_plain_http_off_loopback(*origin) == c.exposed);
  }
}

TEST_CASE("split_reference: RFC 3986 Appendix B, absent and empty parts apart") {
  auto r = split_reference("https://u@h:1/p/q?x=1&y#f?g");
  CHECK(r.scheme == "https");
  CHECK(r.authority == "u@h:1");
  CHECK(r.path == "/p/q");
  CHECK(r.query == "x=1&y");
  CHECK(r.fragment == "f?g");
  auto origin_form = split_reference("//a/b?c");  // a network-path reference: "a" is its authority
  CHECK(origin_form.authority == "a");
  CHECK(origin_form.path == "/b");
  auto relative = split_reference("/p?");
  CHECK_FALSE(relative.scheme);
  CHECK_FALSE(relative.authority);
  CHECK(relative.query == "");
  CHECK_FALSE(relative.fragment);
  CHECK_FALSE(split_reference("no-scheme@host").scheme);
  CHECK_FALSE(split_reference(":x").scheme);  // a scheme has at least one character
  CHECK(split_reference("").path.empty());
}

TEST_CASE("host_header and serialize leave out the default port and bracket IPv6") {
  auto header = [](std::string_view url) { return host_header(*split_url(url)); };
  CHECK(header("https://H.example/x") == "h.example");
  CHECK(header("https://h.example:443/x") == "h.example");
  CHECK(header("http://h.example:80/x") == "h.example");
  CHECK(header("https://h.example:8443/x") == "h.example:8443");
  CHECK(header("http://[::1]:9000/") == "[::1]:9000");
  CHECK(header("http://u:p@127.1:8080/") == "127.0.0.1:8080");
  CHECK(serialize(*origin_of("HTTPS://Auth.Example:443/authorize?x")) == "https://auth.example");
  CHECK(serialize(*origin_of("http://u:p@[::1]:8080/")) == "http://[::1]:8080");
  CHECK(serialize(*origin_of("http://127.0.0.1:80")) == "http://127.0.0.1");
}

TEST_CASE("is_loopback: localhost names, 127.0.0.0/8 and ::1, nothing a resolver decides") {
  for (const char* yes : {"localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.255.255.255", "::1", "[::1]"}) {
    CAPTURE(yes);
    CHECK(is_loopback(yes));
  }
  // ::1 written out is not recognised: it is refused as if it were off loopback, the safe side.
  for (const char* no : {"localhost.", "app.localhost.", "127.0.0.1.", "127.0.0.256", "127.0.0", "::ffff:127.0.0.1",
                         "0:0:0:0:0:0:0:1", "0.0.0.0", "notlocalhost", ""}) {
    CAPTURE(no);
    CHECK_FALSE(is_loopback(no));
  }
}

}  // namespace hookauth::util
