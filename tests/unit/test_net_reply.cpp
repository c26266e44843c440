#include "net/reply.hpp"

#include <doctest/doctest.h>

namespace hookauth::net {

TEST_CASE("serialize: status line, length, Connection, headers, body") {
  Reply r{401, {}, "invalid: no\n"};
  r.headers.add("WWW-Authenticate", "Basic realm=\"hookauth\"");
  CHECK(serialize(r, false, "close") ==
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n"
        "Connection: close\r\nWWW-Authenticate: Basic realm=\"hookauth\"\r\n\r\ninvalid: no\n");
  CHECK(serialize(Reply{200, {}, "valid\n"}, false, "") ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\nvalid\n");
}

TEST_CASE("serialize: HEAD gets the length without the body; unknown statuses get a class phrase") {
  CHECK(serialize(Reply{200, {}, "valid\n"}, true, "keep-alive") ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n"
        "Connection: keep-alive\r\n\r\n");
  CHECK(serialize(Reply{418, {}, ""}, false, "").starts_with("HTTP/1.1 418 Client Error\r\n"));
  CHECK(serialize(Reply{431, {}, ""}, false, "").starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

TEST_CASE("serialize: a header holding CR or LF is left out, so no handler can split the answer") {
  Reply r{200, {}, ""};
  r.headers.add("X-Ok", "1");
  r.headers.add("X-Bad", "a\r\nSet-Cookie: x=1");
  r.headers.add("X-Bad\nName", "v");
  r.content_type = "text/plain\r\nX-Injected: 1";
  std::string out = serialize(r, false, "");
  CHECK(out.find("X-Ok: 1\r\n") != std::string::npos);
  CHECK(out.find("Set-Cookie") == std::string::npos);
  CHECK(out.find("X-Injected") == std::string::npos);
  CHECK(out.find("Name") == std::string::npos);
}

}  // namespace hookauth::net
