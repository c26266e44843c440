#pragma once
// Small string helpers that know nothing about hookauth.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookauth::util {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with_icase(std::string_view s, std::string_view prefix);
// Splits on every occurrence of sep; empty fields are kept.
std::vector<std::string_view> split(std::string_view s, char sep);
// Takes one line off the front of rest, without its CRLF or lone LF; nullopt when no line end is left.
std::optional<std::string_view> take_line(std::string_view& rest);
// Replaces every occurrence of needle (which must not be empty) with replacement.
std::string replace_all(std::string s, std::string_view needle, std::string_view replacement);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view s);
// Decodes %XX sequences (and '+' as space when form is true); malformed escapes are kept as is.
std::string percent_decode(std::string_view s, bool form = false);
// Percent-encodes the bytes a URL cannot carry as they are (controls, space, non-ASCII and
// "<>\^`{|}), as a browser does; everything else, '%' included, is kept.
std::string encode_url_bytes(std::string_view url);
// Whether an absolute URL's authority holds userinfo ("user:password@host").
bool url_has_userinfo(std::string_view url);
// Quotes a string for JSON-free display: escapes control characters as \xNN.
std::string printable(std::string_view s);
// printable() of at most the first limit bytes, with "..." when there were more: for echoing
// received input in a one-line message without repeating all of a huge value.
std::string excerpt(std::string_view s, std::size_t limit = 64);

}  // namespace hookauth::util
