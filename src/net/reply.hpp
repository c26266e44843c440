#pragma once
// What the listener's handler answers, and its bytes on the wire.

#include <string>
#include <string_view>

#include "auth/http_message.hpp"

namespace hookauth::net {

struct Reply {
  int status = 200;
  auth::Headers headers;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

// The HTTP/1.1 answer's bytes: status line, Content-Type, Content-Length, a Connection field when
// connection is not empty, the reply's headers (any holding CR or LF left out, so no handler can
// split the answer), and the body unless head_only (an answer to HEAD).
std::string serialize(const Reply& reply, bool head_only, std::string_view connection);

}  // namespace hookauth::net
