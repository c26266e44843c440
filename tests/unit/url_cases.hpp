#pragma once
// The table of tricky URLs that test_util_url.cpp (the splitter and the checks) and test_net_url.cpp
// (libcurl's reading of the same URLs) both go through.

#include <optional>
#include <string_view>

namespace hookauth::test {

struct UrlCase {
  std::string_view url;
  // What util::split_url gives; refused names the reason's part when it refuses ("" when it accepts).
  std::string_view refused = "";
  std::string_view scheme = "";
  std::optional<std::string_view> userinfo = std::nullopt;
  std::string_view host = "";
  std::string_view port = "";
  std::string_view path = "/";
  std::optional<std::string_view> query = std::nullopt;
  std::optional<std::string_view> fragment = std::nullopt;
  bool loopback = false;  // util::is_loopback(host)
  bool exposed = false;   // util::is_plain_http_off_loopback: credentials refused without --allow-insecure-http
  // libcurl's reading (curl_url_get: "scheme://host:port", or "refused") where it differs from ours,
  // which is why the URL is refused; "" when libcurl reads the same scheme, host and port.
  std::string_view curl = "";
};

// clang-format off
inline constexpr UrlCase url_cases[] = {
    // userinfo: the host is after the last '@'
    {.url = "http://u:p@host/", .scheme = "http", .userinfo = "u:p", .host = "host", .port = "80", .exposed = true},
    {.url = "http://host@evil/", .scheme = "http", .userinfo = "host", .host = "evil", .port = "80", .exposed = true},
    {.url = "http://localhost@evil.example/", .scheme = "http", .userinfo = "localhost", .host = "evil.example",
     .port = "80", .exposed = true},
    {.url = "http://@h/", .scheme = "http", .userinfo = "", .host = "h", .port = "80", .exposed = true},
    {.url = "http://a@b@c/", .refused = "userinfo", .curl = "refused"},
    // IPv6
    {.url = "http://[::1]:8080/", .scheme = "http", .host = "::1", .port = "8080", .loopback = true},
    {.url = "http://[::FFFF:127.0.0.1]/", .scheme = "http", .host = "::ffff:127.0.0.1", .port = "80", .exposed = true},
    {.url = "http://[::1%25lo]/", .refused = "authority", .curl = "http://[::1]:80"},
    {.url = "http://[v1.x]/", .refused = "host", .curl = "refused"},
    {.url = "http://[::1/", .refused = "host", .curl = "refused"},
    // dot segments and escaped dots stay as written (CURLU_PATH_AS_IS; SigV4 signs the path as given)
    {.url = "http://h/%2e%2e/a/../b", .scheme = "http", .host = "h", .port = "80", .path = "/%2e%2e/a/../b",
     .exposed = true},
    {.url = "http://127.0.0.1/../../etc", .scheme = "http", .host = "127.0.0.1", .port = "80", .path = "/../../etc",
     .loopback = true},
    // case
    {.url = "HTTP://LOCALHOST/", .scheme = "http", .host = "localhost", .port = "80", .loopback = true},
    {.url = "HtTpS://Example.COM:08443/p?q#f", .scheme = "https", .host = "example.com", .port = "8443", .path = "/p",
     .query = "q", .fragment = "f"},
    // trailing dots: a name with one goes to DNS, not to libcurl's own localhost
    {.url = "http://localhost./", .scheme = "http", .host = "localhost.", .port = "80", .exposed = true},
    {.url = "http://app.localhost:9/", .scheme = "http", .host = "app.localhost", .port = "9", .loopback = true},
    {.url = "http://127.0.0.1./", .refused = "host", .curl = "http://127.0.0.1.:80"},
    {.url = "http://127.0.0.1.example.com/", .scheme = "http", .host = "127.0.0.1.example.com", .port = "80",
     .exposed = true},
    // other IPv4 forms: libcurl and WHATWG both rewrite them as dotted decimal
    {.url = "http://0x7f000001/", .scheme = "http", .host = "127.0.0.1", .port = "80", .loopback = true},
    {.url = "http://127.1:8080/", .scheme = "http", .host = "127.0.0.1", .port = "8080", .loopback = true},
    {.url = "http://2130706433/", .scheme = "http", .host = "127.0.0.1", .port = "80", .loopback = true},
    {.url = "http://010.0.0.1/", .scheme = "http", .host = "8.0.0.1", .port = "80", .exposed = true},
    {.url = "http://1.2.3.4.5/", .refused = "host", .curl = "http://1.2.3.4.5:80"},
    {.url = "http://09.0.0.1/", .refused = "host", .curl = "http://09.0.0.1:80"},
    {.url = "http://%6cocalhost/", .refused = "authority", .curl = "http://localhost:80"},
    // ports
    {.url = "http://h:0/", .refused = "port", .curl = "http://h:0"},
    {.url = "http://h:65536/", .refused = "port", .curl = "refused"},
    {.url = "http://h:65535/", .scheme = "http", .host = "h", .port = "65535", .exposed = true},
    {.url = "http://h:/x", .scheme = "http", .host = "h", .port = "80", .path = "/x", .exposed = true},
    {.url = "https://h:443", .scheme = "https", .host = "h", .port = "443"},
    {.url = "http://h:8080:90/", .refused = "port", .curl = "refused"},
    {.url = "http://h:+1/", .refused = "port", .curl = "refused"},
    {.url = "http://", .refused = "host", .curl = "refused"},
    // backslashes: WHATWG reads '\' as '/', libcurl as a byte of the userinfo or the path
    {.url = "http://h\\@evil/", .refused = "authority", .curl = "http://evil:80"},
    {.url = "http:\\\\h\\x", .refused = "authority", .curl = "refused"},
    {.url = "http://h/x\\y", .scheme = "http", .host = "h", .port = "80", .path = "/x\\y", .exposed = true},
    {.url = "http:/h/", .refused = "authority", .curl = "http://h:80"},
    // spaces
    {.url = "http://h /x", .refused = "authority", .curl = "refused"},
    {.url = "http://h/a b", .scheme = "http", .host = "h", .port = "80", .path = "/a b", .exposed = true,
     .curl = "refused"},
    // '#' and '?': the first '#' ends everything, the first '?' before it starts the query
    {.url = "http://h#?x", .scheme = "http", .host = "h", .port = "80", .fragment = "?x", .exposed = true},
    {.url = "http://h?#", .scheme = "http", .host = "h", .port = "80", .query = "", .fragment = "", .exposed = true},
    {.url = "http://h?a#b?c", .scheme = "http", .host = "h", .port = "80", .query = "a", .fragment = "b?c",
     .exposed = true},
    {.url = "http://h?next=/a/b@c", .scheme = "http", .host = "h", .port = "80", .query = "next=/a/b@c",
     .exposed = true},
    // another scheme splits, but has no http origin
    {.url = "ftp://h/", .scheme = "ftp", .host = "h", .port = ""},
    {.url = "/relative", .refused = "scheme", .curl = "refused"},
};
// clang-format on

}  // namespace hookauth::test
