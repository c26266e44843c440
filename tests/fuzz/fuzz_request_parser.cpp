// The listener's incremental HTTP/1.1 request parser (net/request_parser.hpp): the input is a
// connection's byte stream, read as pipelined requests with reset() after each complete one. It is
// read with the default limits and with small ones (so the limit paths are reached by short inputs),
// whole, in two parts at a split point derived from the input, in small pieces, and (when short)
// byte by byte; every way must give the same requests and problem. Also checked: feed() never
// returns more than it was given, takes all of it unless it completed or failed, and takes nothing
// once done; a complete request holds no CR, LF or NUL in its head and no more body than max_body; a
// failed parser has an answer status of the documented set and will close the connection.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "net/request_parser.hpp"

using namespace hookauth;
using State = net::RequestParser::State;

namespace {

// One request of the stream as the parser left it: complete, failed, or unfinished at the end.
struct Outcome {
  State state;
  auth::Request request;
  int status;
  std::string reason;
  bool keep_alive;
  std::size_t end;  // stream offset after the request (complete ones only; else 0)
  bool operator==(const Outcome& o) const {
    return state == o.state && request.method == o.request.method && request.url == o.request.url &&
           request.headers.items == o.request.headers.items && request.body == o.request.body && status == o.status &&
           reason == o.reason && keep_alive == o.keep_alive && end == o.end;
  }
};

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "request_parser invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) broken(what);
}

bool has_byte(std::string_view s, std::string_view bytes) { return s.find_first_of(bytes) != std::string_view::npos; }

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// RFC 9110 section 5.6.2.
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool equals_number(std::string_view digits, std::size_t n) {
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() && ptr == digits.data() + digits.size() && value == n;
}

void check_done(const net::RequestParser& p, const net::ParserLimits& limits) {
  check(!p.expects_continue(), "expects_continue() once done");
  if (p.state() == State::failed) {
    static constexpr int statuses[] = {400, 405, 408, 413, 414, 431, 501, 505};
    check(std::find(std::begin(statuses), std::end(statuses), p.problem().status) != std::end(statuses),
          "a failed parser's status is not one of 400, 405, 408, 413, 414, 431, 501, 505");
    check(!p.problem().reason.empty(), "a failed parser gives no reason");
    check(!p.keep_alive(), "a failed parser keeps the connection");
    return;
  }
  const auto& r = p.request();
  const std::string_view bad("\r\n\0", 3);
  check(r.body.size() <= limits.max_body, "a complete body is larger than max_body");
  check(is_token(r.method), "the method is not a token");
  check(!r.url.empty() && !has_byte(r.url, bad) && !has_byte(r.url, " \t"), "the target holds a space or control");
  std::size_t hosts = 0, lengths = 0, codings = 0;
  for (const auto& [name, value] : r.headers.items) {
    check(is_token(name), "a field name is not a token");
    check(!has_byte(value, bad), "a field value holds CR, LF or NUL");
    check(value.empty() || (!is_ows(value.front()) && !is_ows(value.back())), "a field value keeps its OWS");
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    hosts += lower == "host";
    lengths += lower == "content-length";
    codings += lower == "transfer-encoding";
    if (lower == "content-length")
      check(equals_number(value, r.body.size()), "the body is not as long as Content-Length says");
  }
  check(hosts <= 1, "a complete request has two Host fields");
  check(lengths == 0 || codings == 0, "a complete request has Content-Length and Transfer-Encoding");
  if (lengths == 0 && codings == 0) check(r.body.empty(), "a body without Content-Length or Transfer-Encoding");
}

// Reads the stream cut at the given offsets (ascending), one piece at a time.
std::vector<Outcome> read_stream(std::string_view stream, const std::vector<std::size_t>& cuts,
                                 const net::ParserLimits& limits) {
  std::vector<Outcome> out;
  net::RequestParser p(limits);
  std::size_t from = 0, offset = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    std::size_t to = i < cuts.size() ? cuts[i] : stream.size();
    std::string_view piece = stream.substr(from, to - from);
    from = to;
    while (!piece.empty()) {
      std::size_t n = p.feed(piece);
      check(n <= piece.size(), "feed() returned more than it was given");
      check(p.done() || n == piece.size(), "feed() left bytes unused without completing or failing");
      check(n > 0 || p.done(), "feed() made no progress");
      piece.remove_prefix(n);
      offset += n;
      if (!p.done()) continue;
      check_done(p, limits);
      check(p.feed("GET / HTTP/1.1\r\n") == 0 && p.done(), "feed() took bytes once done");
      bool complete = p.state() == State::complete;
      out.push_back(
          {p.state(), p.request(), p.problem().status, p.problem().reason, p.keep_alive(), complete ? offset : 0});
      if (!complete) return out;  // the connection ends after the answer to a refused request
      p.reset();
      check(p.state() == State::idle && p.request().url.empty() && p.request().body.empty() &&
                p.request().headers.items.empty() && p.keep_alive(),
            "reset() left something of the request before");
      // (A fresh parser takes at least a byte, so this loop ends.)
      if (n == 0) broken("a request completed without taking a byte");
    }
  }
  const auto& r = p.request();
  check(p.state() != State::complete && p.state() != State::failed, "done without being reported");
  if (p.state() == State::body) check(r.body.size() <= limits.max_body, "an unfinished body is larger than max_body");
  out.push_back({p.state(), r, p.problem().status, p.problem().reason, p.keep_alive(), 0});
  return out;
}

// FNV-1a: a split point and piece size that change with the input, reproducibly.
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

void read_every_way(std::string_view stream, const net::ParserLimits& limits) {
  const auto whole = read_stream(stream, {}, limits);
  const std::uint64_t h = fnv1a(stream);
  if (read_stream(stream, {static_cast<std::size_t>(h % (stream.size() + 1))}, limits) != whole)
    broken("whole and split in two read differently");
  std::vector<std::size_t> cuts;
  const std::size_t step = 1 + (h >> 32) % 13;
  for (std::size_t at = step; at < stream.size(); at += step) cuts.push_back(at);
  if (read_stream(stream, cuts, limits) != whole) broken("whole and in small pieces read differently");
  if (stream.size() <= 2048) {
    cuts.clear();
    for (std::size_t at = 1; at < stream.size(); ++at) cuts.push_back(at);
    if (read_stream(stream, cuts, limits) != whole) broken("whole and byte by byte read differently");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  read_every_way(stream, net::ParserLimits{});
  net::ParserLimits small;
  small.max_head = 512;
  small.max_fields = 8;
  small.max_line = 128;
  small.max_body = 64;
  small.max_trailer = 96;
  read_every_way(stream, small);
  return 0;
}
