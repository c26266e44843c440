#include "net/request_parser.hpp"

#include <algorithm>
#include <charconv>

#include "util/strings.hpp"

namespace hookauth::net {

namespace {

// RFC 9110 section 5.6.2: tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

// A field value's bytes (RFC 9110 section 5.5): visible characters, obs-text, space and tab.
bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The comma-separated elements of a list field (RFC 9110 section 5.6.1), empty ones dropped.
std::vector<std::string_view> list_elements(std::string_view value) {
  std::vector<std::string_view> out;
  for (auto part : util::split(value, ',')) {
    auto e = trim_ows(part);
    if (!e.empty()) out.push_back(e);
  }
  return out;
}

bool has_token(const auth::Headers& headers, std::string_view name, std::string_view token) {
  for (const auto& [k, v] : headers.items)
    if (util::iequals(k, name))
      for (auto e : list_elements(v))
        if (util::iequals(e, token)) return true;
  return false;
}

}  // namespace

void RequestParser::reset() {
  state_ = State::idle;
  request_ = {};
  problem_ = {};
  head_.clear();
  scanned_ = 0;
  field_lines_ = 0;
  keep_alive_ = true;
  http10_ = false;
  expect_continue_ = false;
  chunked_ = false;
  remaining_ = 0;
  chunk_state_ = ChunkState::size;
  chunk_line_.clear();
  trailer_bytes_ = 0;
  blank_bytes_ = 0;
}

void RequestParser::fail(int status, std::string reason) {
  state_ = State::failed;
  problem_ = {status, std::move(reason)};
  keep_alive_ = false;
}

std::size_t RequestParser::feed(std::string_view data) {
  std::size_t used = 0;
  if (state_ == State::idle || state_ == State::head) used += feed_head(data);
  if (state_ == State::body) used += chunked_ ? feed_chunked(data.substr(used)) : feed_body(data.substr(used));
  return used;
}

// Collects the head up to its blank line, counting lines as they come so that a flood of fields or
// an endless line is refused as soon as it passes a limit, not when it ends.
std::size_t RequestParser::feed_head(std::string_view data) {
  std::size_t used = 0;
  while (used < data.size()) {
    // Blank lines before the request line are skipped (RFC 9112 section 2.2).
    if (state_ == State::idle) {
      char c = data[used];
      if (c == '\r' || c == '\n') {
        if (++blank_bytes_ > limits_.max_line) return fail(400, "only blank lines, no request line"), used + 1;
        ++used;
        continue;
      }
      state_ = State::head;
      blank_bytes_ = 0;
    }
    std::size_t nl = data.find('\n', used);
    std::size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    std::size_t room = limits_.max_head - head_.size();
    if (end - used > room) end = used + room + 1;  // one byte over: enough to know
    head_.append(data.substr(used, end - used));
    used = end;
    bool request_line = field_lines_ == 0;
    if (request_line && head_.size() > limits_.max_line)
      return fail(414, "the request line is longer than " + std::to_string(limits_.max_line) + " bytes"), used;
    if (head_.size() > limits_.max_head)
      return fail(431, "the request line and header fields are larger than " + std::to_string(limits_.max_head / 1024) +
                           " KiB"),
             used;
    if (head_.back() != '\n') continue;
    // A line ended; an empty one ends the head.
    std::size_t start = head_.size() < 2 ? std::string::npos : head_.rfind('\n', head_.size() - 2);
    std::size_t length = head_.size() - 1 - (start == std::string::npos ? 0 : start + 1);
    if (length == 0 || (length == 1 && head_[head_.size() - 2] == '\r')) {
      parse_head();
      // The head is in request_ now: a large one's buffer is not kept while the body arrives.
      if (head_.capacity() > 4096) std::string().swap(head_);
      return used;
    }
    // The request line is read as soon as it is whole, so that a request refused later (408, 431)
    // is logged with its method and target.
    if (field_lines_ == 0 && !parse_request_line(std::string_view(head_).substr(0, length))) return used;
    if (++field_lines_ > limits_.max_fields + 1)
      return fail(431, "more than " + std::to_string(limits_.max_fields) + " header fields"), used;
  }
  return used;
}

bool RequestParser::parse_request_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // method SP request-target SP HTTP-version (RFC 9112 section 3).
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    fail(400, "malformed request line");
    return false;
  }
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      })) {
    fail(400, "malformed request line");
    return false;
  }
  request_.method = std::string(method);
  request_.url = std::string(target);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' || !digit(version[5]) ||
      !digit(version[7])) {
    fail(400, "malformed request line");
    return false;
  }
  if (version[5] != '1') {
    fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported");
    return false;
  }
  http10_ = version[7] == '0';
  keep_alive_ = !http10_;
  return true;
}

void RequestParser::parse_head() {
  std::string_view rest(head_);
  util::take_line(rest);  // the request line, read in feed_head
  for (std::size_t n = 1;; ++n) {
    auto field = util::take_line(rest);
    if (!field || field->empty()) break;
    auto name_end = field->find(':');
    std::string_view name = field->substr(0, name_end);
    if (name_end == std::string_view::npos || !is_token(name)) {
      if (field->front() == ' ' || field->front() == '\t')
        return fail(400, "header field " + std::to_string(n) + " is folded onto the line before (obs-fold)");
      if (name_end != std::string_view::npos && !trim_ows(name).empty() && is_token(trim_ows(name)))
        return fail(400, "header field '" + util::excerpt(trim_ows(name), 40) + "' has whitespace before its colon");
      return fail(400, "header field " + std::to_string(n) + " is not 'name: value'");
    }
    std::string_view value = trim_ows(field->substr(name_end + 1));
    if (!is_field_value(value))
      return fail(400, "header field '" + util::excerpt(name, 40) + "' holds a control character");
    request_.headers.add(std::string(name), std::string(value));
  }
  if (take_framing()) state_ = State::body;
}

// RFC 9112 section 6: how the body is delimited, or why the request cannot be read safely. Anything
// two parsers could read differently (the request smuggling cases of section 11.2) is refused.
bool RequestParser::take_framing() {
  const auto& fields = request_.headers.items;
  std::optional<std::string_view> length;
  std::vector<std::string_view> codings;
  std::size_t hosts = 0;
  for (const auto& [k, v] : fields) {
    if (util::iequals(k, "Host")) ++hosts;
    if (util::iequals(k, "Content-Length")) {
      if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
        return fail(400, "Content-Length '" + util::excerpt(v, 32) + "' is not a number"), false;
      if (length && *length != v) return fail(400, "the request has two different Content-Length fields"), false;
      length = v;
    }
    if (util::iequals(k, "Transfer-Encoding")) {
      auto e = list_elements(v);
      if (e.empty()) return fail(400, "Transfer-Encoding is empty"), false;
      codings.insert(codings.end(), e.begin(), e.end());
    }
  }
  keep_alive_ = http10_ ? has_token(request_.headers, "Connection", "keep-alive")
                        : !has_token(request_.headers, "Connection", "close");
  // RFC 9112 section 3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0.
  if (hosts > 1) return fail(400, "the request has more than one Host field"), false;
  if (hosts == 0 && !http10_) return fail(400, "the request has no Host field"), false;
  expect_continue_ = !http10_ && has_token(request_.headers, "Expect", "100-continue");
  if (!codings.empty()) {
    if (length) return fail(400, "the request has both Content-Length and Transfer-Encoding"), false;
    if (http10_) return fail(400, "Transfer-Encoding in an HTTP/1.0 request"), false;  // section 6.1
    if (!util::iequals(codings.back(), "chunked"))
      return fail(400, "Transfer-Encoding '" + util::excerpt(codings.back(), 32) + "' is not chunked last"), false;
    for (std::size_t i = 0; i + 1 < codings.size(); ++i)
      if (util::iequals(codings[i], "chunked")) return fail(400, "Transfer-Encoding applies chunked twice"), false;
    if (codings.size() > 1)
      return fail(501, "transfer coding '" + util::excerpt(codings.front(), 32) + "' is not supported"), false;
    chunked_ = true;
    return true;
  }
  std::size_t n = 0;
  if (length) std::from_chars(length->data(), length->data() + length->size(), n);
  if (n > limits_.max_body)
    return fail(413, "the body (" + std::to_string(n) + " bytes) is larger than the limit of " +
                         std::to_string(limits_.max_body) + " bytes"),
           false;
  remaining_ = n;
  request_.body.reserve(std::min<std::size_t>(n, 64 * 1024));
  if (n == 0) state_ = State::complete;  // no length and no coding: an empty body (section 6.3)
  return n != 0;
}

std::size_t RequestParser::feed_body(std::string_view data) {
  std::size_t n = std::min(remaining_, data.size());
  request_.body.append(data.substr(0, n));
  remaining_ -= n;
  if (remaining_ == 0) state_ = State::complete;
  return n;
}

bool RequestParser::take_chunk_line(std::string_view& data, std::size_t& used, std::string& line) {
  auto nl = data.find('\n');
  std::size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  trailer_bytes_ += take;
  if (trailer_bytes_ > limits_.max_trailer) return false;
  line.append(data.substr(0, take));
  data.remove_prefix(take);
  used += take;
  return true;
}

// RFC 9112 section 7.1: chunk-size [ chunk-ext ] CRLF chunk-data CRLF ... last-chunk trailer-section CRLF.
std::size_t RequestParser::feed_chunked(std::string_view data) {
  std::size_t used = 0;
  while (state_ == State::body && !data.empty()) {
    if (chunk_state_ == ChunkState::data) {
      std::size_t n = std::min(remaining_, data.size());
      request_.body.append(data.substr(0, n));
      data.remove_prefix(n);
      used += n;
      remaining_ -= n;
      if (remaining_ == 0) chunk_state_ = ChunkState::data_end;
      continue;
    }
    if (!take_chunk_line(data, used, chunk_line_))
      return fail(400, "the chunked body's size lines or trailer fields are larger than " +
                           std::to_string(limits_.max_trailer) + " bytes"),
             used;
    if (chunk_line_.back() != '\n') continue;
    std::string_view line(chunk_line_);
    line.remove_suffix(1);
    // CRLF only: a lone LF here is not one of the line ends section 2.2 lets a recipient accept,
    // and a proxy that reads it otherwise would see other chunks (request smuggling).
    if (line.empty() || line.back() != '\r') return fail(400, "a line of the chunked body does not end in CRLF"), used;
    line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) return fail(400, "a bare CR in the chunked body's framing"), used;
    if (chunk_state_ == ChunkState::data_end) {
      if (!line.empty()) return fail(400, "chunk data is not followed by CRLF"), used;
      chunk_state_ = ChunkState::size;
    } else if (chunk_state_ == ChunkState::trailer) {
      if (line.empty()) {
        state_ = State::complete;
      } else if (line.find(':') == std::string_view::npos || !is_token(line.substr(0, line.find(':')))) {
        return fail(400, "a trailer field is not 'name: value'"), used;
      }
    } else {
      std::string_view size = line.substr(0, line.find(';'));
      while (!size.empty() && (size.back() == ' ' || size.back() == '\t')) size.remove_suffix(1);  // BWS
      std::size_t n = 0;
      auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), n, 16);
      if (size.empty() || size.size() > 16 || ec != std::errc() || ptr != size.data() + size.size())
        return fail(400, "bad chunk size '" + util::excerpt(size, 32) + "'"), used;
      if (n > limits_.max_body - request_.body.size())
        return fail(413, "the chunked body is larger than the limit of " + std::to_string(limits_.max_body) + " bytes"),
               used;
      remaining_ = n;
      chunk_state_ = n == 0 ? ChunkState::trailer : ChunkState::data;
    }
    chunk_line_.clear();
    // max_trailer bounds each chunk line, and the trailer section as a whole.
    if (chunk_state_ != ChunkState::trailer) trailer_bytes_ = 0;
  }
  return used;
}

}  // namespace hookauth::net
