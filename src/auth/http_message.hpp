#pragma once
// The HTTP request value that signers change and verifiers read, and the parser for a captured
// raw HTTP/1.1 request.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace hookauth::auth {

using Header = std::pair<std::string, std::string>;

struct Headers {
  std::vector<Header> items;

  // The first value of the header, names compared case-insensitively.
  std::optional<std::string> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  // Replaces every header of that name with one, kept at the first one's place.
  void set(std::string_view name, std::string value);
  void add(std::string name, std::string value) { items.emplace_back(std::move(name), std::move(value)); }
  void remove(std::string_view name);
};

// A request as sent or as received. The URL is absolute when sending ("http://host:port/path?q");
// a received request keeps its target ("/path?q") in url and its host in the Host header.
struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
};

// Whether the request goes with a body, and so with a Content-Length: a non-empty body, and POST,
// PUT and PATCH even when it is empty (Content-Length: 0); never HEAD. As hookauth sends it.
bool sends_body(const Request& request);

// Splits an absolute or origin-form URL's target into path and raw query (without '?').
struct Target {
  std::string path;
  std::string query;
};
Target split_target(std::string_view url);

// Decoded query parameters, in order; names and values percent-decoded.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw_query);

// The Content-Type a body is sent with when none is given, for a single send and for every line of
// a batch alike: application/json when the body is one JSON text (RFC 8259 section 2: a value with
// optional whitespace around it, strings in UTF-8), application/x-www-form-urlencoded otherwise.
// It validates in one pass without building anything, cheap enough for every line of a batch.
std::string_view default_content_type(std::string_view body);

// Parses a captured raw HTTP/1.1 request: request line, headers (CRLF or LF), and a body taken
// from Content-Length, chunked transfer coding, or the rest of the input. Errors name the part
// that is malformed.
Result<Request> parse_raw_request(std::string_view raw);

}  // namespace hookauth::auth
