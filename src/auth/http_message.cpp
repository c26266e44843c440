#include "auth/http_message.hpp"

#include <array>
#include <cctype>
#include <charconv>

#include "util/strings.hpp"
#include "util/url.hpp"

namespace hookauth::auth {

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : items)
    if (util::iequals(k, name)) return v;
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string value) {
  bool placed = false;
  std::vector<Header> out;
  out.reserve(items.size() + 1);
  for (auto& h : items) {
    if (!util::iequals(h.first, name)) {
      out.push_back(std::move(h));
    } else if (!placed) {
      out.emplace_back(std::move(h.first), value);
      placed = true;
    }
  }
  if (!placed) out.emplace_back(std::string(name), std::move(value));
  items = std::move(out);
}

void Headers::remove(std::string_view name) {
  std::erase_if(items, [&](const Header& h) { return util::iequals(h.first, name); });
}

Target split_target(std::string_view url) {
  // RFC 3986 Appendix B: the fragment ends the query, and a '/' in the query starts no path. Only
  // an absolute URL has an authority: an origin-form target ("//a/b") is a path.
  auto r = util::split_reference(url);
  if (!r.scheme || !r.authority) {
    url = url.substr(0, url.find('#'));
    auto q = url.find('?');
    r = {std::nullopt, std::nullopt, url.substr(0, q),
         q == std::string_view::npos ? std::nullopt : std::optional(url.substr(q + 1)), std::nullopt};
  }
  return {r.path.empty() ? "/" : std::string(r.path), std::string(r.query.value_or(""))};
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> out;
  if (raw_query.empty()) return out;
  for (auto part : util::split(raw_query, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(util::percent_decode(part, true), "");
    } else {
      out.emplace_back(util::percent_decode(part.substr(0, eq), true), util::percent_decode(part.substr(eq + 1), true));
    }
  }
  return out;
}

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One UTF-8 sequence at s[i] (RFC 3629 section 4: no overlong forms, no surrogates); advances i.
bool skip_utf8(std::string_view s, std::size_t& i) {
  auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  unsigned lead = b(0);
  unsigned lo = 0x80, hi = 0xbf;
  std::size_t n = 0;
  if (lead >= 0xc2 && lead <= 0xdf)
    n = 1;
  else if (lead >= 0xe0 && lead <= 0xef)
    n = 2, lo = lead == 0xe0 ? 0xa0 : 0x80, hi = lead == 0xed ? 0x9f : 0xbf;
  else if (lead >= 0xf0 && lead <= 0xf4)
    n = 3, lo = lead == 0xf0 ? 0x90 : 0x80, hi = lead == 0xf4 ? 0x8f : 0xbf;
  else
    return false;
  if (b(1) < lo || b(1) > hi) return false;
  for (std::size_t k = 2; k <= n; ++k)
    if (b(k) < 0x80 || b(k) > 0xbf) return false;
  i += n + 1;
  return true;
}

// The bytes a JSON string cannot hold as they are: '"', '\\', controls, and the start of UTF-8.
constexpr auto string_stops = [] {
  std::array<bool, 256> stop{};
  for (int c = 0; c < 256; ++c) stop[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
  return stop;
}();

// RFC 8259 section 7: a string at s[i] (which is '"'); advances i past its closing quote.
bool skip_string(std::string_view s, std::size_t& i) {
  for (++i; i < s.size();) {
    while (i < s.size() && !string_stops[static_cast<unsigned char>(s[i])]) ++i;  // the bulk of a body
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return ++i, true;
    if (c < 0x20) return false;
    if (c >= 0x80) {
      if (!skip_utf8(s, i)) return false;
      continue;
    }
    if (c == '\\') {
      if (++i >= s.size()) return false;
      if (s[i] == 'u') {
        for (int k = 0; k < 4; ++k)
          if (++i >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
      } else if (std::string_view("\"\\/bfnrt").find(s[i]) == std::string_view::npos) {
        return false;
      }
    }
    ++i;
  }
  return false;
}

// RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; advances i.
bool skip_number(std::string_view s, std::size_t& i) {
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0')
    ++i;
  else if (!digits())
    return false;
  if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return true;
}

// A scalar at s[i]: string, number, true, false or null; advances i.
bool skip_scalar(std::string_view s, std::size_t& i) {
  if (s[i] == '"') return skip_string(s, i);
  for (std::string_view word : {"true", "false", "null"})
    if (s.substr(i).starts_with(word)) return i += word.size(), true;
  return skip_number(s, i);
}

// RFC 8259 section 2, without recursion: the open objects and arrays are a stack of '}' and ']'.
bool is_json_text(std::string_view s) {
  std::string open;
  std::size_t i = 0;
  auto space = [&] {
    while (i < s.size() && is_json_space(s[i])) ++i;
  };
  auto member_name = [&] {  // a string and ':' after '{' or ','
    space();
    if (i >= s.size() || s[i] != '"' || !skip_string(s, i)) return false;
    space();
    return i < s.size() && s[i] == ':' && (++i, true);
  };
  for (;;) {
    space();  // a value is expected
    if (i >= s.size()) return false;
    if (s[i] == '{' || s[i] == '[') {
      char close = s[i] == '{' ? '}' : ']';
      ++i;
      space();
      if (i < s.size() && s[i] == close) {
        ++i;
      } else {
        open.push_back(close);
        if (close == '}' && !member_name()) return false;
        continue;
      }
    } else if (!skip_scalar(s, i)) {
      return false;
    }
    for (;;) {  // after a value: ',', the end of a container, or the end of the text
      space();
      if (open.empty()) return i == s.size();
      if (i < s.size() && s[i] == ',') {
        ++i;
        if (open.back() == '}' && !member_name()) return false;
        break;
      }
      if (i >= s.size() || s[i] != open.back()) return false;
      ++i;
      open.pop_back();
    }
  }
}

}  // namespace

bool sends_body(const Request& r) {
  if (util::iequals(r.method, "HEAD")) return false;
  return !r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH";
}

std::string_view default_content_type(std::string_view body) {
  return is_json_text(body) ? "application/json" : "application/x-www-form-urlencoded";
}

namespace {

Result<std::string> decode_chunked(std::string_view rest) {
  std::string body;
  for (;;) {
    auto size_line = util::take_line(rest);
    if (!size_line) return usage_error("request body: chunked coding ends without a last chunk");
    auto hex = util::trim(size_line->substr(0, size_line->find(';')));
    size_t size = 0;
    auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
    if (ec != std::errc() || ptr != hex.data() + hex.size() || hex.empty())
      return usage_error("request body: bad chunk size '" + util::excerpt(hex) + "'");
    if (size == 0) return body;
    if (rest.size() < size) return usage_error("request body: chunk shorter than its size");
    body.append(rest.substr(0, size));
    rest.remove_prefix(size);
    if (rest.starts_with("\r\n"))
      rest.remove_prefix(2);
    else if (rest.starts_with("\n"))
      rest.remove_prefix(1);
  }
}

}  // namespace

// The longest request line and header line accepted: the limits of the verify serve listener
// (cpp-httplib's CPPHTTPLIB_HEADER_MAX_LENGTH), so a capture checked offline meets the same ones.
constexpr std::size_t max_line = 8192;

Result<Request> parse_raw_request(std::string_view raw) {
  std::string_view rest = raw;
  // Tolerate blank lines before the request line (RFC 9112 section 2.2).
  auto line = util::take_line(rest);
  while (line && line->empty()) line = util::take_line(rest);
  if (!line) return usage_error("request: no request line");
  if (line->size() > max_line) return usage_error("request line: longer than " + std::to_string(max_line) + " bytes");
  auto parts = util::split(*line, ' ');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || !parts[2].starts_with("HTTP/"))
    return usage_error("request line: expected 'METHOD TARGET HTTP/1.1' (found " + std::to_string(parts.size()) +
                       " space-separated parts)");
  Request req;
  req.method = std::string(parts[0]);
  req.url = std::string(parts[1]);
  for (int header_line = 1;; ++header_line) {
    auto h = util::take_line(rest);
    if (!h) return usage_error("request headers: no blank line ends them");
    if (h->empty()) break;
    if (h->size() > max_line)
      return usage_error("request header " + std::to_string(header_line) + " (" +
                         util::excerpt(h->substr(0, h->find(':')), 40) + "): longer than " + std::to_string(max_line) +
                         " bytes");
    auto colon = h->find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        h->substr(0, colon).find_first_of(" \t") != std::string_view::npos)
      return usage_error("request header " + std::to_string(header_line) + ": expected 'Name: value'");
    req.headers.add(std::string(h->substr(0, colon)), std::string(util::trim(h->substr(colon + 1))));
  }
  auto te = req.headers.get("Transfer-Encoding");
  if (te && util::iequals(util::trim(*te), "chunked")) {
    auto body = decode_chunked(rest);
    if (!body) return std::unexpected(body.error());
    req.body = std::move(*body);
  } else if (auto cl = req.headers.get("Content-Length")) {
    size_t n = 0;
    auto v = util::trim(*cl);
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || ptr != v.data() + v.size())
      return usage_error("request header Content-Length: not a number");
    if (rest.size() < n)
      return usage_error("request body: Content-Length says " + std::to_string(n) + " bytes, " +
                         std::to_string(rest.size()) + " present");
    req.body = std::string(rest.substr(0, n));
  } else {
    req.body = std::string(rest);
  }
  return req;
}

}  // namespace hookauth::auth
