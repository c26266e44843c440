#pragma once
// An HTTP/1.1 listener on a local address for `verify serve` (and later the OAuth callback),
// built on cpp-httplib.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "auth/http_message.hpp"
#include "util/result.hpp"

namespace hookauth::net {

struct Reply {
  int status = 200;
  auth::Headers headers;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

// Why a request could not be read whole; its answer's status (400, 413, 414) and the reason.
struct Problem {
  int status = 400;
  std::string reason;
};

// Receives each request with its origin-form target in url, and its peer's address. problem is set
// when the request could not be read whole or as sent (a body shorter than announced, broken
// framing, a method or request line the HTTP layer refused): then the request holds what was read,
// and the reply should refuse it with problem->status.
using RequestHandler =
    std::function<Reply(const auth::Request& request, const std::string& peer, const Problem* problem)>;

class Listener {
 public:
  // Binds host:port (port 0 picks a free one); a usage error when it cannot.
  static Result<std::unique_ptr<Listener>> bind(const std::string& host, int port);
  virtual ~Listener() = default;

  virtual int port() const = 0;
  // Answers requests until stop() is called or max_requests (0: no limit) have been answered.
  virtual void serve(RequestHandler handler, std::size_t max_requests) = 0;
  // Safe from any thread; serve() returns once the requests in flight are answered.
  virtual void stop() = 0;
};

}  // namespace hookauth::net
