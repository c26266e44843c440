#include "net/request_parser.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

namespace hookauth::net {

namespace {

using State = RequestParser::State;

// What a parser made of some bytes: its state and request, the problem, and how many bytes it took.
struct Parsed {
  State state = State::idle;
  auth::Request request;
  Problem problem;
  bool keep_alive = false;
  std::size_t used = 0;
};

// Feeds text cut at the given offsets (ascending), piece by piece, until the parser is done. A piece
// fed before that must be taken whole.
Parsed parse_in_pieces(std::string_view text, const std::vector<std::size_t>& cuts, ParserLimits limits = {}) {
  RequestParser parser(limits);
  Parsed out;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size() && !parser.done(); ++i) {
    std::size_t to = i < cuts.size() ? cuts[i] : text.size();
    std::string_view piece = text.substr(from, to - from);
    std::size_t n = parser.feed(piece);
    CHECK(n <= piece.size());
    if (!parser.done()) CHECK(n == piece.size());
    out.used += n;
    from = to;
  }
  out.state = parser.state();
  out.request = parser.request();
  out.problem = parser.problem();
  out.keep_alive = parser.keep_alive();
  return out;
}

Parsed parse_whole(std::string_view text, ParserLimits limits = {}) { return parse_in_pieces(text, {}, limits); }

Parsed parse_bytewise(std::string_view text, ParserLimits limits = {}) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < text.size(); ++i) cuts.push_back(i);
  return parse_in_pieces(text, cuts, limits);
}

// The same outcome; the bytes taken only count when the request completed (a refused request ends
// its connection, so what it took of the stream does not matter).
void check_same_parse(const Parsed& a, const Parsed& b) {
  CHECK(a.state == b.state);
  CHECK(a.request.method == b.request.method);
  CHECK(a.request.url == b.request.url);
  CHECK(a.request.headers.items == b.request.headers.items);
  CHECK(a.request.body == b.request.body);
  CHECK(a.problem.status == b.problem.status);
  CHECK(a.problem.reason == b.problem.reason);
  CHECK(a.keep_alive == b.keep_alive);
  if (a.state == State::complete) CHECK(a.used == b.used);
}

// A request that the parser must refuse with this status.
void check_refused(std::string_view text, int status, ParserLimits limits = {}) {
  CAPTURE(text);
  auto p = parse_whole(text, limits);
  CHECK(p.state == State::failed);
  CHECK(p.problem.status == status);
  CHECK_FALSE(p.problem.reason.empty());
  CHECK_FALSE(p.keep_alive);
}

Parsed parse_complete(std::string_view text, ParserLimits limits = {}) {
  CAPTURE(text);
  auto p = parse_whole(text, limits);
  REQUIRE_MESSAGE(p.state == State::complete, p.problem.reason);
  return p;
}

std::string head_with(std::string_view fields) {
  return "POST /hook HTTP/1.1\r\nHost: example.com\r\n" + std::string(fields);
}

}  // namespace

TEST_CASE("RequestParser reads a request the same whole, byte by byte, and split at any point") {
  const std::string post = "POST /hook?a=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 11\r\n\r\nhello world";
  const std::string chunked =
      "POST /hook HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
  const std::string lf_head_chunked =
      "\n\nPUT /x HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\nA\r\n0123456789\r\n0\r\n\r\n";
  const std::string get = "\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\nX-Empty:\r\n\r\n";
  struct Case {
    std::string text;
    State state;
    std::string body;
  };
  const std::vector<Case> cases = {
      {post, State::complete, "hello world"},
      {chunked, State::complete, "hello world"},
      {lf_head_chunked, State::complete, "0123456789"},
      {get, State::complete, ""},
      {post + "GET / HTTP/1.1\r\n", State::complete, "hello world"},  // the next request is left over
      {chunked + chunked, State::complete, "hello world"},
      {head_with("Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello"), State::failed, ""},
      {head_with("Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nz\r\n"), State::failed, "hello"},
      {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", State::failed, ""},
      {head_with("Content-Length: 100\r\n\r\nnot all of it"), State::body, "not all of it"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto whole = parse_whole(c.text);
    CHECK(whole.state == c.state);
    CHECK(whole.request.body == c.body);
    check_same_parse(parse_bytewise(c.text), whole);
    for (std::size_t cut = 1; cut < c.text.size(); ++cut) {
      CAPTURE(cut);
      check_same_parse(parse_in_pieces(c.text, {cut}), whole);
    }
  }
}

TEST_CASE("RequestParser takes lone LF line ends") {
  auto p = parse_complete("POST /x HTTP/1.1\nHost: a\nContent-Length: 2\n\nhi");
  CHECK(p.request.method == "POST");
  CHECK(p.request.url == "/x");
  CHECK(p.request.headers.items == std::vector<auth::Header>{{"Host", "a"}, {"Content-Length", "2"}});
  CHECK(p.request.body == "hi");
  // CRLF and LF mixed in one head.
  auto mixed = parse_complete("GET /y HTTP/1.1\r\nHost: b\nX-A: 1\r\n\n");
  CHECK(mixed.request.headers.get("X-A") == "1");
}

TEST_CASE("RequestParser skips blank lines before the request line") {
  RequestParser parser;
  CHECK(parser.feed("\r\n\n\r\n") == 5);
  CHECK(parser.state() == State::idle);
  const std::string request = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
  CHECK(parser.feed(request) == request.size());
  CHECK(parser.state() == State::complete);
  CHECK(parser.request().url == "/a");
  // Endless blank lines are refused: more than max_line of them is no request.
  check_refused(std::string(9000, '\n'), 400);
}

TEST_CASE("RequestParser keeps the target and header values as sent") {
  auto p = parse_complete(
      "GET /p%41th/%2e%2E/?q=%2f&x=a+b&e HTTP/1.1\r\n"
      "Host: example.com:8080\r\n"
      "X-Percent: a%20b%2F%zz%\r\n"
      "X-Empty:\r\n"
      "X-Empty-Ows: \t \r\n"
      "X-Ows: \t spaced  inside\t value \t\r\n"
      "X-Quoted: \"a, b\" ; c=\"d\\\"e\"\r\n"
      "X-Obs-Text: caf\xc3\xa9\r\n"
      "x-dup: 1\r\n"
      "X-DUP: 2\r\n"
      "Authorization: Digest username=\"Mufasa\", realm=\"x\"\r\n"
      "\r\n");
  CHECK(p.request.url == "/p%41th/%2e%2E/?q=%2f&x=a+b&e");
  const std::vector<auth::Header> expected = {
      {"Host", "example.com:8080"},
      {"X-Percent", "a%20b%2F%zz%"},
      {"X-Empty", ""},
      {"X-Empty-Ows", ""},
      {"X-Ows", "spaced  inside\t value"},
      {"X-Quoted", "\"a, b\" ; c=\"d\\\"e\""},
      {"X-Obs-Text", "caf\xc3\xa9"},
      {"x-dup", "1"},
      {"X-DUP", "2"},
      {"Authorization", "Digest username=\"Mufasa\", realm=\"x\""},
  };
  CHECK(p.request.headers.items == expected);
}

TEST_CASE("RequestParser reads pipelined requests: feed returns what it used, the rest follows reset()") {
  const std::string first = "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n";
  const std::string third = "\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  const std::string stream = first + second + third;
  std::string_view rest = stream;
  RequestParser parser;

  std::size_t n = parser.feed(rest);
  CHECK(n == first.size());
  REQUIRE(parser.state() == State::complete);
  CHECK(parser.request().url == "/1");
  CHECK(parser.request().body == "abc");
  CHECK(parser.keep_alive());
  CHECK(parser.feed(rest.substr(n)) == 0);  // nothing more until reset()
  rest.remove_prefix(n);

  auto taken = parser.take_request();
  CHECK(taken.body == "abc");
  parser.reset();
  CHECK(parser.state() == State::idle);
  CHECK(parser.request().url.empty());
  CHECK(parser.request().headers.items.empty());
  n = parser.feed(rest);
  CHECK(n == second.size());
  REQUIRE(parser.state() == State::complete);
  CHECK(parser.request().url == "/2");
  CHECK(parser.request().body == "de");
  rest.remove_prefix(n);

  parser.reset();
  n = parser.feed(rest);
  CHECK(n == third.size());
  REQUIRE(parser.state() == State::complete);
  CHECK(parser.request().method == "GET");
  CHECK(parser.request().url == "/3");
  CHECK(parser.request().body.empty());
  CHECK_FALSE(parser.keep_alive());
}

TEST_CASE("RequestParser: without Content-Length and Transfer-Encoding the body is empty") {
  const std::string head = "POST /x HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestParser parser;
  CHECK(parser.feed(head + "what follows is the next request") == head.size());
  CHECK(parser.state() == State::complete);
  CHECK(parser.request().body.empty());
  CHECK_FALSE(parser.expects_continue());

  auto zero = parse_complete("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  CHECK(zero.request.body.empty());
  auto repeated = parse_complete(head_with("Content-Length: 2\r\ncontent-length: 2\r\n\r\nok"));
  CHECK(repeated.request.body == "ok");
}

TEST_CASE("RequestParser refuses a head over max_head with 431, as soon as it passes the limit") {
  const std::string start = "GET / HTTP/1.1\r\nHost: a\r\n";
  const std::string end = "\r\n\r\n";
  // A head of exactly 64 KiB is read; one byte more is not.
  std::string exact = start + "X-Pad: " + std::string(64 * 1024 - start.size() - 7 - end.size(), 'p') + end;
  REQUIRE(exact.size() == 64 * 1024);
  auto p = parse_complete(exact);
  CHECK(p.request.headers.get("X-Pad")->size() > 65000);
  std::string over = start + "X-Pad: " + std::string(64 * 1024 - start.size() - 6 - end.size(), 'p') + end;
  check_refused(over, 431);

  // Many fields under the field limit but over the size limit.
  std::string many = start;
  for (int i = 0; i < 70; ++i) many += "X-Field-" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
  check_refused(many + "\r\n", 431);

  // A line that never ends is refused once it passes the limit, without waiting for its end.
  RequestParser parser;
  std::string endless = start + "X-Endless: " + std::string(1024 * 1024, 'e');
  std::size_t n = parser.feed(endless);
  CHECK(parser.state() == State::failed);
  CHECK(parser.problem().status == 431);
  CHECK(n <= 64 * 1024 + 1);
}

TEST_CASE("RequestParser refuses more than max_fields field lines with 431, as soon as the line after the last ends") {
  std::string hundred = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 1; i < 100; ++i) hundred += "a:b\r\n";
  auto p = parse_complete(hundred + "\r\n");
  CHECK(p.request.headers.items.size() == 100);
  check_refused(hundred + "a:b\r\n\r\n", 431);

  // A flood of small fields, far under 64 KiB each, is refused after the 101st line.
  const std::string request_line = "GET / HTTP/1.1\r\n";
  std::string flood = request_line;
  for (int i = 0; i < 20000; ++i) flood += "a:b\r\n";
  RequestParser parser;
  std::size_t n = parser.feed(flood);
  CHECK(parser.state() == State::failed);
  CHECK(parser.problem().status == 431);
  CHECK(n == request_line.size() + 101 * 5);
  // The same fed line by line: refused as the 101st line ends.
  RequestParser by_line;
  by_line.feed(request_line);
  for (int i = 1; i <= 100; ++i) {
    by_line.feed("a:b\r\n");
    REQUIRE(by_line.state() == State::head);
  }
  by_line.feed("a:b");
  CHECK(by_line.state() == State::head);
  by_line.feed("\r\n");
  CHECK(by_line.state() == State::failed);
  CHECK(by_line.problem().status == 431);
}

TEST_CASE("RequestParser refuses a request line over max_line with 414, before it ends") {
  auto p = parse_complete("GET /" + std::string(8000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(p.request.url.size() == 8001);
  check_refused("GET /" + std::string(8300, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
  // Refused once the line passes 8 KiB, without waiting for its end.
  RequestParser parser;
  parser.feed("GET /");
  int pieces = 0;
  while (!parser.done() && pieces < 64) {
    parser.feed(std::string(1024, 'a'));
    ++pieces;
  }
  CHECK(parser.state() == State::failed);
  CHECK(parser.problem().status == 414);
  CHECK(pieces == 8);
  // A long field line is no request line: 414 is for the request line only.
  auto long_field = parse_complete(head_with("X-Long: " + std::string(9000, 'x') + "\r\n\r\n"));
  CHECK(long_field.request.headers.get("X-Long")->size() == 9000);
}

TEST_CASE("RequestParser refuses a Content-Length over max_body with 413 once the head is whole") {
  const std::string head = head_with("Content-Length: 1048577\r\n\r\n");
  RequestParser parser;
  CHECK(parser.feed(head + "body bytes") == head.size());
  CHECK(parser.state() == State::failed);
  CHECK(parser.problem().status == 413);
  check_refused(head_with("Content-Length: 999999999999999999\r\n\r\n"), 413);

  ParserLimits small;
  small.max_body = 10;
  check_refused(head_with("Content-Length: 11\r\n\r\n"), 413, small);
  auto at_limit = parse_complete(head_with("Content-Length: 10\r\n\r\n0123456789"), small);
  CHECK(at_limit.request.body == "0123456789");
  // The default limit itself is read.
  auto mib = parse_complete(head_with("Content-Length: 1048576\r\n\r\n") + std::string(1024 * 1024, 'b'));
  CHECK(mib.request.body.size() == 1024 * 1024);
}

TEST_CASE("RequestParser refuses a chunked body over max_body with 413") {
  ParserLimits small;
  small.max_body = 10;
  const std::string head = head_with("Transfer-Encoding: chunked\r\n\r\n");
  auto at_limit = parse_complete(head + "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n", small);
  CHECK(at_limit.request.body == "0123456789");
  RequestParser parser(small);
  const std::string first = head + "6\r\n012345\r\n";
  CHECK(parser.feed(first) == first.size());
  CHECK(parser.state() == State::body);
  parser.feed("5\r\n01234\r\n0\r\n\r\n");
  CHECK(parser.state() == State::failed);
  CHECK(parser.problem().status == 413);
  CHECK(parser.request().body == "012345");  // refused at the size line, before its data
  // Sizes that overflow or fill a size_t are over the limit, not wrapped around.
  check_refused(head + "FFFFFFFFFFFFFFFF\r\n", 413);
  check_refused(head + "10000000000000000\r\n", 400);  // 17 hex digits
}

TEST_CASE("RequestParser refuses chunk lines and trailers over max_trailer with 400") {
  ParserLimits small;
  small.max_trailer = 64;
  const std::string head = head_with("Transfer-Encoding: chunked\r\n\r\n");
  parse_complete(head + "1;" + std::string(50, 'e') + "\r\na\r\n0\r\n\r\n", small);
  check_refused(head + "1;" + std::string(70, 'e') + "\r\na\r\n0\r\n\r\n", 400, small);
  check_refused(head + "0\r\nX-Trailer: " + std::string(70, 't') + "\r\n\r\n", 400, small);
}

TEST_CASE("RequestParser wants CRLF in a chunked body's framing: a lone LF there is refused") {
  const std::string head = head_with("Transfer-Encoding: chunked\r\n\r\n");
  for (std::string body : {"2;a\nxx\r\n0\r\n\r\n", "2\nxx\r\n0\r\n\r\n", "2\r\nxx\n0\r\n\r\n", "2\r\nxx\r\n0\n\n",
                           "2\r\nxx\r\n0\r\nX-T: 1\n\r\n"}) {
    CAPTURE(body);
    check_refused(head + body, 400);
  }
}

TEST_CASE("RequestParser bounds each chunk line, not their sum: many small chunks are read") {
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "1\r\nx\r\n";
  RequestParser p;
  p.feed(head_with("Transfer-Encoding: chunked\r\n\r\n") + body + "0\r\n\r\n");
  CHECK(p.state() == RequestParser::State::complete);
  CHECK(p.request().body == std::string(2000, 'x'));
}

TEST_CASE("RequestParser refuses framing that two parsers could read differently") {
  struct Case {
    const char* what;
    std::string text;
    int status;
  };
  const std::string te = "Transfer-Encoding: chunked\r\n\r\n";
  const std::vector<Case> cases = {
      {"space before colon", head_with("Content-Length : 5\r\n\r\nhello"), 400},
      {"tab before colon", head_with("Content-Length\t: 5\r\n\r\nhello"), 400},
      {"obs-fold", head_with("X-A: a\r\n b\r\n\r\n"), 400},
      {"obs-fold with tab", head_with("X-A: a\r\n\tb\r\n\r\n"), 400},
      {"whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
      {"field without colon", head_with("X-A\r\n\r\n"), 400},
      {"empty field name", head_with(": v\r\n\r\n"), 400},
      {"chunked, identity", head_with("Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"), 400},
      {"chunked, chunked", head_with("Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"), 400},
      {"chunked in two fields", head_with("Transfer-Encoding: chunked\r\n" + te + "0\r\n\r\n"), 400},
      {"coding other than chunked", head_with("Transfer-Encoding: gzip\r\n\r\n"), 400},
      {"empty Transfer-Encoding", head_with("Transfer-Encoding: ,\r\n\r\n"), 400},
      {"two different Content-Lengths", head_with("Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), 400},
      {"Content-Length as a list", head_with("Content-Length: 5, 5\r\n\r\nhello"), 400},
      {"Content-Length and Transfer-Encoding", head_with("Content-Length: 5\r\n" + te + "0\r\n\r\n"), 400},
      {"Transfer-Encoding and Content-Length", head_with(te.substr(0, 28) + "Content-Length: 5\r\n\r\n"), 400},
      {"Content-Length not a number", head_with("Content-Length: abc\r\n\r\n"), 400},
      {"Content-Length negative", head_with("Content-Length: -1\r\n\r\n"), 400},
      {"Content-Length with sign", head_with("Content-Length: +5\r\n\r\nhello"), 400},
      {"Content-Length hex", head_with("Content-Length: 0x5\r\n\r\nhello"), 400},
      {"Content-Length empty", head_with("Content-Length:\r\n\r\n"), 400},
      {"Content-Length of 19 digits", head_with("Content-Length: 1000000000000000000\r\n\r\n"), 400},
      {"chunk data not followed by CRLF", head_with(te + "5\r\nhelloX\r\n0\r\n\r\n"), 400},
      {"chunk data longer than its size", head_with(te + "3\r\nhello\r\n0\r\n\r\n"), 400},
      {"chunk size not hex", head_with(te + "zz\r\nhello\r\n0\r\n\r\n"), 400},
      {"chunk size negative", head_with(te + "-5\r\nhello\r\n0\r\n\r\n"), 400},
      {"chunk size with 0x", head_with(te + "0x5\r\nhello\r\n0\r\n\r\n"), 400},
      {"chunk size with leading space", head_with(te + " 5\r\nhello\r\n0\r\n\r\n"), 400},
      {"chunk size missing", head_with(te + "\r\nhello\r\n0\r\n\r\n"), 400},
      {"chunk size line with bare CR", head_with(te + "5\r;x\r\nhello\r\n0\r\n\r\n"), 400},
      {"bare CR in a chunk extension", head_with(te + "5;x\ry\r\nhello\r\n0\r\n\r\n"), 400},
      {"bare CR in a trailer field", head_with(te + "0\r\nX-T: a\rb\r\n\r\n"), 400},
      {"trailer field without colon", head_with(te + "0\r\nnot a field\r\n\r\n"), 400},
      {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\n" + te + "0\r\n\r\n", 400},
      {"no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400},
      {"no Host with an absolute target", "GET http://example.com/ HTTP/1.1\r\n\r\n", 400},
      {"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400},
      {"Host twice in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"control character in a value",
       head_with("X-A: a\x01"
                 "b\r\n\r\n"),
       400},
      {"NUL in a value", head_with(std::string("X-A: a\0b\r\n\r\n", 12)), 400},
      {"DEL in a value", head_with("X-A: a\x7f\r\n\r\n"), 400},
      {"bare CR in a value", head_with("X-A: a\rb\r\n\r\n"), 400},
      {"CR CR LF", head_with("X-A: a\r\r\n\r\n"), 400},
      {"space in a field name", head_with("X A: a\r\n\r\n"), 400},
      {"two spaces in the request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"no version", "GET /\r\nHost: a\r\n\r\n", 400},
      {"space in the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"method not a token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
      {"version with three digits", "GET / HTTP/1.11\r\nHost: a\r\n\r\n", 400},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
      {"HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
      {"gzip, chunked", head_with("Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), 501},
      {"gzip then chunked in two fields", head_with("Transfer-Encoding: gzip\r\n" + te + "0\r\n\r\n"), 501},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    check_refused(c.text, c.status);
  }
}

TEST_CASE("RequestParser refuses a bad request line as soon as it is whole") {
  for (auto [line, status] : {std::pair{"GET / HTTP/2.0\r\n", 505}, std::pair{"GET /a b HTTP/1.1\r\n", 400},
                              std::pair{"GET / HTTP/1.1 x\n", 400}}) {
    CAPTURE(line);
    RequestParser parser;
    parser.feed(line);
    CHECK(parser.state() == State::failed);
    CHECK(parser.problem().status == status);
  }
}

TEST_CASE("RequestParser reads a Transfer-Encoding of chunked however it is written") {
  for (const char* te : {"chunked", "Chunked", "CHUNKED", " chunked ", ", chunked,"}) {
    CAPTURE(te);
    auto p = parse_complete(head_with("Transfer-Encoding: " + std::string(te) + "\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    CHECK(p.request.body == "abc");
  }
}

TEST_CASE("RequestParser keep_alive") {
  CHECK(parse_complete("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keep_alive);
  CHECK_FALSE(parse_complete("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive);
  CHECK_FALSE(parse_complete("GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, Close\r\n\r\n").keep_alive);
  CHECK(parse_complete("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  CHECK_FALSE(parse_complete("GET / HTTP/1.0\r\n\r\n").keep_alive);
  CHECK(parse_complete("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  CHECK(parse_complete("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
  CHECK_FALSE(parse_complete("GET / HTTP/1.0\r\nConnection: close\r\n\r\n").keep_alive);
  // A refused request ends its connection, whatever it asked for.
  CHECK_FALSE(parse_whole("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").keep_alive);
}

TEST_CASE("RequestParser expects_continue while the body of an Expect: 100-continue request is to come") {
  RequestParser parser;
  parser.feed(head_with("Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  CHECK(parser.state() == State::body);
  CHECK(parser.expects_continue());
  parser.feed("hel");
  CHECK(parser.expects_continue());
  parser.feed("lo");
  CHECK(parser.state() == State::complete);
  CHECK_FALSE(parser.expects_continue());

  RequestParser chunked;
  chunked.feed(head_with("Expect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n"));
  CHECK(chunked.expects_continue());

  RequestParser no_body;
  no_body.feed(head_with("Expect: 100-continue\r\n\r\n"));
  CHECK(no_body.state() == State::complete);
  CHECK_FALSE(no_body.expects_continue());

  RequestParser plain;
  plain.feed(head_with("Content-Length: 5\r\n\r\n"));
  CHECK(plain.state() == State::body);
  CHECK_FALSE(plain.expects_continue());

  RequestParser http10;
  http10.feed("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  CHECK(http10.state() == State::body);
  CHECK_FALSE(http10.expects_continue());
}

TEST_CASE("RequestParser accepts chunk extensions and trailer fields") {
  auto p =
      parse_complete(head_with("Transfer-Encoding: chunked\r\n\r\n"
                               "5;name=value;quoted=\"a;b\"\r\nhello\r\n"
                               "6 ; bws\r\n world\r\n"
                               "0;last\r\n"
                               "X-Trailer: t\r\n"
                               "Digest: sha-256=abc\r\n"
                               "\r\n"));
  CHECK(p.request.body == "hello world");
  CHECK(p.request.headers.get("Host") == "example.com");
}

TEST_CASE("RequestParser state goes idle, head, body, complete; or failed") {
  RequestParser parser;
  CHECK(parser.state() == State::idle);
  CHECK_FALSE(parser.done());
  parser.feed("\r\n");
  CHECK(parser.state() == State::idle);
  parser.feed("POST /x HTTP/1.1\r\nHost: a\r\n");
  CHECK(parser.state() == State::head);
  CHECK(parser.request().method == "POST");  // the request line is read as soon as it is whole
  CHECK(parser.request().url == "/x");
  CHECK(parser.request().headers.items.empty());
  parser.feed("Content-Length: 4\r\n\r");
  CHECK(parser.state() == State::head);
  parser.feed("\n");
  CHECK(parser.state() == State::body);
  CHECK(parser.request().method == "POST");
  CHECK(parser.request().headers.get("Content-Length") == "4");
  parser.feed("ab");
  CHECK(parser.state() == State::body);
  CHECK(parser.request().body == "ab");
  CHECK(parser.feed("cdef") == 2);
  CHECK(parser.state() == State::complete);
  CHECK(parser.done());
  CHECK(parser.feed("more") == 0);
  CHECK(parser.request().body == "abcd");

  parser.reset();
  CHECK(parser.state() == State::idle);
  CHECK(parser.request().body.empty());
  parser.feed("GET / HTTP/3.0\r\n\r\n");
  CHECK(parser.state() == State::failed);
  CHECK(parser.done());
  CHECK(parser.problem().status == 505);
  CHECK_FALSE(parser.keep_alive());
  CHECK(parser.feed("GET / HTTP/1.1\r\n") == 0);
  CHECK(parser.state() == State::failed);

  parser.reset();
  CHECK(parser.state() == State::idle);
  CHECK(parser.problem().reason.empty());
  CHECK(parser.keep_alive());
  parser.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(parser.state() == State::complete);
}

}  // namespace hookauth::net
