#pragma once
// URL facts the sender needs: which origin a URL names and whether a host is loopback.
// Implemented with libcurl's URL API in curl.cpp.

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace hookauth::net {

struct Origin {
  std::string scheme;  // lowercase
  std::string host;    // lowercase, without IPv6 brackets
  std::string port;    // always present: the scheme's default when the URL has none

  bool operator==(const Origin&) const = default;
};

// The origin of an absolute http or https URL; a usage error naming the URL otherwise.
Result<Origin> origin_of(std::string_view url);

// A redirect's Location resolved against the URL that answered it.
Result<std::string> resolve_location(std::string_view base, std::string_view location);

// The Host header value for a URL: host, with ":port" when the port is not the default.
Result<std::string> host_header(std::string_view url);

// localhost, 127.0.0.0/8 and ::1.
bool is_loopback(std::string_view host);

}  // namespace hookauth::net
