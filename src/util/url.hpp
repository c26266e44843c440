#pragma once
// The one URL splitter every layer uses (auth may not link libcurl, so it is pure), and the one rule
// for what a URL's origin is, which hosts are loopback and when credentials would go out in the clear.
//
// It follows RFC 3986 section 3 and agrees with libcurl 7.88 (and the WHATWG URL standard) on the
// scheme, userinfo, host and port of every URL it accepts; where they would differ it refuses the URL
// (net::origin_of checks libcurl's view against it before anything is sent):
// - the authority must follow "//" ("http:/h" and "http:h" are refused; WHATWG and libcurl read them
//   differently);
// - a raw backslash, space, control or non-ASCII byte, a '%' escape or a second '@' in the authority
//   is refused (WHATWG reads '\' as '/', libcurl decodes "%6c" in a host; a caller that means them
//   encodes first, see util::encode_url_bytes);
// - an IPv4 host in another form ("127.1", "0x7f000001", "2130706433", "010.0.0.1") is written as
//   dotted decimal, as both do; a host that ends in a number but is no IPv4 address ("1.2.3.4.5",
//   "09.0.0.1", "127.0.0.1.") is refused;
// - an IPv6 zone ("[fe80::1%25eth0]") is refused; port 0 and ports above 65535 are refused;
// - a trailing dot is kept in a name ("localhost." is not "localhost": DNS resolves it, not libcurl).

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace hookauth::util {

// RFC 3986 Appendix B: the five components of a URI reference, split without validating any of
// them; never fails. An absent component is nullopt ("http://h" has no query, "http://h?" an empty one).
struct UriReference {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
  std::optional<std::string_view> fragment;
};
UriReference split_reference(std::string_view reference);

// An absolute URL with an authority, in pieces.
struct Url {
  std::string scheme;                   // lowercase
  std::optional<std::string> userinfo;  // as written, without the '@' ("http://@h/" has an empty one)
  std::string host;                     // lowercase; IPv6 without brackets; IPv4 as dotted decimal
  std::string port;                     // decimal: the explicit one, or the scheme's default ("" if none known)
  bool port_given = false;              // an explicit, non-empty port ("http://h:/" has none)
  std::string path;                     // as written, dot segments and escapes kept; "/" when empty
  std::optional<std::string> query;     // without the '?'
  std::optional<std::string> fragment;  // without the '#'
};

// What split_url refused, for callers whose message depends on the part (a redirect URI's port).
enum class UrlPart { scheme, authority, userinfo, host, port };
struct UrlError {
  UrlPart part;
  std::string message;  // names the problem, not the URL (it may hold a secret)
};

// Splits an absolute URL ("scheme://authority/path?query#fragment"); refuses what the rules above refuse.
std::expected<Url, UrlError> split_url(std::string_view url);

// The scheme's default port: "80" for http, "443" for https, "" for the rest.
std::string_view default_port(std::string_view scheme);

// The host as it goes in a URL or a Host header: an IPv6 address in brackets.
std::string bracketed_host(std::string_view host);

// "host" or "host:port", the port only when given and not the default (RFC 9110 section 7.2).
std::string host_header(const Url& url);

// RFC 6454 section 4: scheme, host and port, compared as they are (all lowercase, port always set).
struct Origin {
  std::string scheme;
  std::string host;  // without IPv6 brackets
  std::string port;

  bool operator==(const Origin&) const = default;
};

// "scheme://host[:port]", the port only when it is not the default (RFC 6454 section 6.2).
std::string serialize(const Origin& origin);

// The origin of an absolute http or https URL; a usage error naming the problem otherwise.
Result<Origin> origin_of(std::string_view url);

// Loopback, as hookauth decides it without a resolver: "localhost" and names under ".localhost"
// (libcurl answers them itself, RFC 6761 section 6.3), 127.0.0.0/8 and ::1. A name with a trailing
// dot ("localhost.") goes to DNS and is not loopback; nor is ::ffff:127.0.0.1.
bool is_loopback(std::string_view host);

// Whether credentials sent to this origin would cross a network in the clear: plain http to a
// host outside loopback. The one rule for the sender, the token requests and the store.
bool is_plain_http_off_loopback(const Origin& origin);

}  // namespace hookauth::util
