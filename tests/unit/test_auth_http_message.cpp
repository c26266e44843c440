#include "auth/http_message.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace hookauth::auth {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("Headers get, set and remove by name, case-insensitively") {
  Headers h;
  h.add("Content-Type", "text/plain");
  h.add("X-Dup", "one");
  h.add("Accept", "*/*");
  h.add("x-dup", "two");

  CHECK(h.get("content-type") == "text/plain");
  CHECK(h.get("X-DUP") == "one");
  CHECK(h.has("ACCEPT"));
  CHECK_FALSE(h.get("Authorization").has_value());
  CHECK_FALSE(h.has("Authorization"));

  SUBCASE("set replaces every header of the name with one, at the first one's place") {
    h.set("X-DUP", "three");
    REQUIRE(h.items.size() == 3);
    CHECK(h.items[0] == Header{"Content-Type", "text/plain"});
    CHECK(h.items[1] == Header{"X-Dup", "three"});
    CHECK(h.items[2] == Header{"Accept", "*/*"});
  }
  SUBCASE("set appends a new header") {
    h.set("Authorization", "Basic x");
    REQUIRE(h.items.size() == 5);
    CHECK(h.items.back() == Header{"Authorization", "Basic x"});
  }
  SUBCASE("remove takes out every header of the name") {
    h.remove("X-DUP");
    CHECK(h.items.size() == 2);
    CHECK_FALSE(h.has("x-dup"));
    h.remove("not-there");
    CHECK(h.items.size() == 2);
  }
}

TEST_CASE("split_target") {
  auto check = [](std::string_view url, std::string_view path, std::string_view query) {
    CAPTURE(url);
    auto t = split_target(url);
    CHECK(t.path == path);
    CHECK(t.query == query);
  };
  check("https://h.example/a/b?x=1&y=2", "/a/b", "x=1&y=2");
  check("https://h.example/a/b", "/a/b", "");
  check("https://h.example/a?x=1#frag", "/a", "x=1");
  check("https://h.example/a#frag?x=1", "/a", "");
  check("https://h.example", "/", "");
  check("https://h.example:8443?x=1", "/", "x=1");
  check("https://h.example?x=1#frag", "/", "x=1");
  check("https://h.example#frag?x=1", "/", "");
  check("/p?q", "/p", "q");
  check("/p?", "/p", "");
  check("/", "/", "");
  check("", "/", "");
}

TEST_CASE("parse_query decodes names and values in order") {
  CHECK(parse_query("") == Params{});
  CHECK(parse_query("a=1&b=&c&&d=x%20y+z&a=2") == Params{{"a", "1"}, {"b", ""}, {"c", ""}, {"d", "x y z"}, {"a", "2"}});
  CHECK(parse_query("k%3Dey=v%26al=ue") == Params{{"k=ey", "v&al=ue"}});
  CHECK(parse_query("bad=%zz") == Params{{"bad", "%zz"}});
}

TEST_CASE("parse_raw_request with CRLF and LF line ends") {
  for (std::string eol : {"\r\n", "\n"}) {
    CAPTURE(eol.size());
    std::string raw = "POST /hook?x=1 HTTP/1.1" + eol + "Host: h.example" + eol + "X-Spaced:   v a l   " + eol +
                      "Content-Length: 5" + eol + eol + "hello";
    auto r = parse_raw_request(raw);
    REQUIRE_MESSAGE(r, test::error_of(r));
    CHECK(r->method == "POST");
    CHECK(r->url == "/hook?x=1");
    CHECK(r->headers.get("host") == "h.example");
    CHECK(r->headers.get("x-spaced") == "v a l");
    CHECK(r->body == "hello");
  }
}

TEST_CASE("parse_raw_request bodies") {
  SUBCASE("Content-Length takes that many bytes and ignores the rest") {
    auto r = parse_raw_request("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef");
    REQUIRE(r);
    CHECK(r->body == "abc");
  }
  SUBCASE("no Content-Length: the rest of the input") {
    auto r = parse_raw_request("POST / HTTP/1.1\r\n\r\nline1\r\nline2");
    REQUIRE(r);
    CHECK(r->body == "line1\r\nline2");
  }
  SUBCASE("chunked, with an extension and a trailer") {
    auto r = parse_raw_request(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7;ext=1\r\n, world\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n");
    REQUIRE_MESSAGE(r, test::error_of(r));
    CHECK(r->body == "hello, world0123456789");
  }
  SUBCASE("chunked wins over Content-Length") {
    auto r = parse_raw_request("POST / HTTP/1.1\nContent-Length: 1\nTransfer-Encoding: Chunked\n\n3\nabc\n0\n\n");
    REQUIRE_MESSAGE(r, test::error_of(r));
    CHECK(r->body == "abc");
  }
  SUBCASE("chunked errors") {
    CHECK_FALSE(parse_raw_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
    CHECK_FALSE(parse_raw_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"));
    CHECK_FALSE(parse_raw_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort\r\n0\r\n\r\n"));
  }
  SUBCASE("Content-Length larger than the body") {
    auto r = parse_raw_request("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "Content-Length says 10 bytes, 3 present"));
  }
  SUBCASE("Content-Length that is not a number") {
    CHECK_FALSE(parse_raw_request("POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\nabc"));
    CHECK_FALSE(parse_raw_request("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\nabc"));
    CHECK_FALSE(parse_raw_request("POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\nabc"));
  }
}

TEST_CASE("parse_raw_request errors name the malformed part") {
  SUBCASE("empty input") { CHECK_FALSE(parse_raw_request("")); }
  SUBCASE("leading blank lines are tolerated") {
    auto r = parse_raw_request("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    REQUIRE(r);
    CHECK(r->method == "GET");
  }
  SUBCASE("missing blank line after the headers") {
    auto r = parse_raw_request("GET / HTTP/1.1\r\nHost: h\r\n");
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "no blank line"));
    CHECK_FALSE(parse_raw_request("GET / HTTP/1.1\r\nHost: h"));
  }
  SUBCASE("malformed request lines") {
    for (const char* raw : {"GET /\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
                            "GET / FTP/1.0\r\n\r\n", "garbage\r\n\r\n"}) {
      CAPTURE(raw);
      auto r = parse_raw_request(raw);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "request line"));
    }
  }
  SUBCASE("malformed header lines") {
    for (const char* raw : {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
                            "GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", "GET / HTTP/1.1\r\nName : v\r\n\r\n",
                            "GET / HTTP/1.1\r\n folded: v\r\n\r\n"}) {
      CAPTURE(raw);
      auto r = parse_raw_request(raw);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "header"));
    }
  }
  SUBCASE("a header value may hold a colon") {
    auto r = parse_raw_request("GET / HTTP/1.1\r\nHost: h.example:8080\r\n\r\n");
    REQUIRE(r);
    CHECK(r->headers.get("Host") == "h.example:8080");
  }
}

}  // namespace hookauth::auth

TEST_CASE("split_target: a '/' inside the query does not start the path") {
  auto t = hookauth::auth::split_target("http://host?next=/a/b");
  CHECK(t.path == "/");
  CHECK(t.query == "next=/a/b");
  auto f = hookauth::auth::split_target("http://host#frag/x");
  CHECK(f.path == "/");
  CHECK(f.query.empty());
}

TEST_CASE("default_content_type: application/json for one JSON text, a form otherwise") {
  using hookauth::auth::default_content_type;
  constexpr std::string_view json = "application/json", form = "application/x-www-form-urlencoded";
  for (const char* yes : {"{}", "[]", " {\"a\":1} ", "{\"a\":[1,2.5e-3,-0,true,false,null,\"x\\u00e9\\n\"]}", "123",
                          "\"caf\xc3\xa9 \xe2\x98\x83\"", "true", "[[[[]]]]", "{\"a\":{\"b\":{}}}\r\n"}) {
    CAPTURE(yes);
    CHECK(default_content_type(yes) == json);
  }
  for (const char* no :
       {"",        "a=1&b=2", "{not json}", "{\"a\":1",  "{\"a\":1}}", "[1,]",     "{\"a\"}",  "{,}",
        "01",      "1.",      "-",          "tru",       "{} {}",      "\"\x01\"", "\"\xc3\"", "\"\xed\xa0\x80\"",
        "\"\\x\"", "[1 2]",   "{'a':1}",    "{\"a\":1,}"}) {
    CAPTURE(no);
    CHECK(default_content_type(no) == form);
  }
}

TEST_CASE("default_content_type agrees with nlohmann::json::accept on generated bodies") {
  // Pieces that make valid and broken JSON; no "\ud800" escapes, where nlohmann also checks surrogate
  // pairs and RFC 8259 section 8.2 accepts a lone one.
  const std::vector<std::string_view> pieces = {"{",    "}",  "[",   "]", ",", ":", "\"k\"", "\"\\n\"", "\"\xc3\xa9\"",
                                                "1",    "-",  "0",   ".", "e", "+", "true",  "nul",     " ",
                                                "\xff", "\"", "a=1", "\t"};
  std::mt19937 random(20261204);
  int json_bodies = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string body;
    for (auto k = random() % 9; k > 0; --k) body += pieces[random() % pieces.size()];
    bool is_json = nlohmann::json::accept(body);
    json_bodies += is_json;
    CAPTURE(body);
    CHECK((hookauth::auth::default_content_type(body) == "application/json") == is_json);
  }
  CHECK(json_bodies > 500);  // the generator does reach valid JSON
}
