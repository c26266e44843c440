#include "auth/http_message.hpp"

#include <charconv>

#include "util/strings.hpp"

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
  // The fragment goes first: a '?' after '#' does not start a query.
  if (auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  size_t start = 0;
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    start = url.find_first_of("/?#", scheme + 3);
    if (start == std::string_view::npos || url[start] != '/') {
      auto q = url.find('?', scheme + 3);
      return {"/", q == std::string_view::npos ? "" : std::string(url.substr(q + 1))};
    }
  }
  std::string_view target = url.substr(start);
  auto q = target.find('?');
  if (q == std::string_view::npos) return {std::string(target.empty() ? "/" : target), ""};
  return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
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
