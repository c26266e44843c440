#pragma once
// URL facts the sender needs, on top of util/url.hpp (the one splitter and the one rule for origins,
// loopback and plain http): here libcurl's own reading of a URL is checked against it, so that what a
// check decided about is what goes on the wire. Implemented with libcurl's URL API in curl.cpp.

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/url.hpp"

namespace hookauth::net {

using util::is_loopback;
using util::Origin;

// libcurl's reading of a URL (curl_url_get, with CURLU_PATH_AS_IS as the transports send it):
// scheme and host lowercased, IPv6 without brackets, the port with the scheme's default.
struct CurlUrlView {
  std::string scheme;
  std::optional<std::string> user;  // "user" or "user:password", as written
  std::string host;
  std::string port;
  std::string path;
  std::optional<std::string> query;
};

// What libcurl makes of a URL; a usage error when it does not parse it.
Result<CurlUrlView> curl_url_view(std::string_view url);

// The origin of an absolute http or https URL (util::origin_of), refused when libcurl reads another
// scheme, host or port in it: the URL is then ambiguous, and no check about it could be trusted.
Result<Origin> origin_of(std::string_view url);

// A redirect's Location resolved against the URL that answered it.
Result<std::string> resolve_location(std::string_view base, std::string_view location);

// The Host header value for a URL: host, with ":port" when the port is not the default.
Result<std::string> host_header(std::string_view url);

}  // namespace hookauth::net
