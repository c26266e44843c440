#include "util/strings.hpp"

#include <algorithm>
#include <cctype>

#include "util/url.hpp"

namespace hookauth::util {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::optional<std::string_view> take_line(std::string_view& rest) {
  auto nl = rest.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = rest.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  rest.remove_prefix(nl + 1);
  return line;
}

std::string replace_all(std::string s, std::string_view needle, std::string_view replacement) {
  if (needle.empty()) return s;
  size_t pos = 0;
  while ((pos = s.find(needle, pos)) != std::string::npos) {
    s.replace(pos, needle.size(), replacement);
    pos += replacement.size();
  }
  return s;
}

namespace {
// Copies s, writing each byte for which escape() holds as %XX (uppercase hex).
template <class Escape>
std::string escape_bytes(std::string_view s, Escape escape) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (escape(c)) {
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}
}  // namespace

std::string percent_encode(std::string_view s) {
  return escape_bytes(s, [](char c) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    return !unreserved;
  });
}

std::string percent_decode(std::string_view s, bool form) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else if (form && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool url_has_userinfo(std::string_view url) {
  auto r = split_reference(url);
  return r.scheme && r.authority && r.authority->find('@') != std::string_view::npos;
}

std::string encode_url_bytes(std::string_view url) {
  return escape_bytes(url, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f || std::string_view("\"<>\\^`{|}").find(c) != std::string_view::npos;
  });
}

std::string printable(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string excerpt(std::string_view s, std::size_t limit) {
  if (s.size() <= limit) return printable(s);
  return printable(s.substr(0, limit)) + "...";
}

}  // namespace hookauth::util
