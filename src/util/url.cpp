#include "util/url.hpp"

#include <cstdint>
#include <vector>

#include "util/strings.hpp"

namespace hookauth::util {

UriReference split_reference(std::string_view s) {
  UriReference r;
  // Appendix B: ^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?
  if (auto colon = s.find_first_of(":/?#"); colon != std::string_view::npos && colon > 0 && s[colon] == ':') {
    r.scheme = s.substr(0, colon);
    s.remove_prefix(colon + 1);
  }
  if (s.starts_with("//")) {
    auto end = s.find_first_of("/?#", 2);
    r.authority = s.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
    s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  }
  auto end = s.find_first_of("?#");
  r.path = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  if (s.starts_with('?')) {
    auto hash = s.find('#');
    r.query = s.substr(1, hash == std::string_view::npos ? std::string_view::npos : hash - 1);
    s.remove_prefix(hash == std::string_view::npos ? s.size() : hash);
  }
  if (s.starts_with('#')) r.fragment = s.substr(1);
  return r;
}

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 3986 section 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool valid_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (char c : s)
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  return true;
}

// One part of a WHATWG IPv4 address: decimal, 0x hexadecimal or 0 octal; nullopt when malformed.
std::optional<std::uint64_t> ipv4_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  std::uint64_t n = 0;
  for (char c : s) {
    int d = is_digit(c) ? c - '0' : is_hex(c) ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    n = n * base + d;
    if (n > 0xffffffffULL) n = 0x100000000ULL;  // saturate: too large either way
  }
  return n;
}

// WHATWG "ends in a number": the last label (before a trailing dot) is decimal or 0x hexadecimal.
bool ends_in_number(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  std::string_view last = host.substr(host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
  if (last.empty()) return false;
  bool decimal = true;
  for (char c : last) decimal = decimal && is_digit(c);
  if (decimal) return true;
  if (last.size() < 2 || last[0] != '0' || (last[1] != 'x' && last[1] != 'X')) return false;
  for (char c : last.substr(2))
    if (!is_hex(c)) return false;
  return true;
}

// The WHATWG IPv4 parser (libcurl 7.88 normalises the same forms); dotted decimal, or nullopt.
std::optional<std::string> ipv4_address(std::string_view host) {
  auto parts = split(host, '.');
  if (parts.size() > 4) return std::nullopt;
  std::vector<std::uint64_t> n;
  for (auto p : parts) {
    auto v = ipv4_number(p);
    if (!v) return std::nullopt;
    n.push_back(*v);
  }
  std::uint64_t address = n.back();
  if (address >= (1ULL << (8 * (5 - n.size())))) return std::nullopt;
  for (size_t i = 0; i + 1 < n.size(); ++i) {
    if (n[i] > 255) return std::nullopt;
    address += n[i] << (8 * (3 - i));
  }
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
         std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255);
}

std::unexpected<UrlError> refuse(UrlPart part, std::string message) {
  return std::unexpected(UrlError{part, std::move(message)});
}

// The host of an authority: an IPv6 literal (brackets taken off), an IPv4 address or a name.
std::expected<std::string, UrlError> parse_host(std::string_view h) {
  if (h.empty()) return refuse(UrlPart::host, "has no host");
  if (h.starts_with('[')) {
    std::string_view inner = h.substr(1, h.size() - 2);
    bool ok = h.ends_with(']') && inner.find(':') != std::string_view::npos;
    for (char c : inner) ok = ok && (is_hex(c) || c == ':' || c == '.');
    if (!ok) return refuse(UrlPart::host, "has an IPv6 address that is not plain hex (no zone, no IPvFuture)");
    return to_lower(inner);
  }
  for (char c : h)
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_')
      return refuse(UrlPart::host, "has a host with a character other than letters, digits, '-', '.' and '_'");
  if (!ends_in_number(h)) return to_lower(h);
  auto v4 = h.ends_with('.') ? std::nullopt : ipv4_address(h);
  if (!v4) return refuse(UrlPart::host, "has a host that ends in a number but is no IPv4 address");
  return *v4;
}

// The port after the host's ':': decimal, 1 to 65535; empty means the scheme's default.
std::expected<std::string, UrlError> parse_port(std::string_view p) {
  if (p.empty()) return std::string();
  std::uint32_t n = 0;
  for (char c : p) {
    if (!is_digit(c)) return refuse(UrlPart::port, "has a port that is not a number");
    n = std::min<std::uint32_t>(n * 10 + (c - '0'), 100000);
  }
  if (n < 1 || n > 65535) return refuse(UrlPart::port, "has a port outside 1 to 65535");
  return std::to_string(n);
}

}  // namespace

std::expected<Url, UrlError> split_url(std::string_view url) {
  auto ref = split_reference(url);
  if (!ref.scheme || !valid_scheme(*ref.scheme)) return refuse(UrlPart::scheme, "has no scheme");
  if (!ref.authority) return refuse(UrlPart::authority, "has no '//' before the host");
  std::string_view authority = *ref.authority;
  for (char c : authority) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '\\' || c == '%')
      return refuse(UrlPart::authority, "has a space, control, non-ASCII, '\\' or '%' before the path");
  }
  Url u;
  u.scheme = to_lower(*ref.scheme);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    if (authority.substr(0, at).find('@') != std::string_view::npos)
      return refuse(UrlPart::userinfo, "has more than one '@' before the host");
    u.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  auto close = authority.starts_with('[') ? authority.find(']') : 0;
  if (close == std::string_view::npos) return refuse(UrlPart::host, "has an IPv6 address without its ']'");
  auto colon = authority.find(':', close);
  auto host = parse_host(authority.substr(0, colon));
  if (!host) return std::unexpected(host.error());
  auto port = parse_port(colon == std::string_view::npos ? "" : authority.substr(colon + 1));
  if (!port) return std::unexpected(port.error());
  u.host = std::move(*host);
  u.port_given = !port->empty();
  u.port = u.port_given ? std::move(*port) : std::string(default_port(u.scheme));
  u.path = ref.path.empty() ? "/" : std::string(ref.path);
  if (ref.query) u.query = std::string(*ref.query);
  if (ref.fragment) u.fragment = std::string(*ref.fragment);
  return u;
}

std::string_view default_port(std::string_view scheme) {
  return scheme == "http" ? "80" : scheme == "https" ? "443" : "";
}

std::string bracketed_host(std::string_view host) {
  return host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
}

std::string host_header(const Url& url) {
  bool show_port = url.port_given && url.port != default_port(url.scheme);
  return bracketed_host(url.host) + (show_port ? ":" + url.port : "");
}

std::string serialize(const Origin& o) {
  return o.scheme + "://" + bracketed_host(o.host) + (o.port == default_port(o.scheme) ? "" : ":" + o.port);
}

Result<Origin> origin_of(std::string_view url) {
  auto u = split_url(url);
  if (!u) return usage_error("not a valid URL (it " + u.error().message + "): " + printable(url));
  if (u->scheme != "http" && u->scheme != "https")
    return usage_error("unsupported URL scheme '" + printable(u->scheme) + "' (http or https)");
  return Origin{u->scheme, u->host, u->port};
}

bool is_loopback(std::string_view host) {
  std::string h = to_lower(host);
  if (h.starts_with('[') && h.ends_with(']')) h = h.substr(1, h.size() - 2);
  if (h == "localhost" || h.ends_with(".localhost") || h == "::1") return true;
  auto parts = split(h, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (auto p : parts) {
    if (p.empty() || p.size() > 3) return false;
    for (char c : p)
      if (!is_digit(c)) return false;
    if (std::stoi(std::string(p)) > 255) return false;
  }
  return true;
}

bool is_plain_http_off_loopback(const Origin& origin) { return origin.scheme == "http" && !is_loopback(origin.host); }

}  // namespace hookauth::util
