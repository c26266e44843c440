#pragma once
// The HTTP/1.1 listener of `verify serve` and of `auth login`'s callback: an epoll event loop per
// core over RequestParser, optionally with TLS. Connections cost memory, not threads.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/http_message.hpp"
#include "net/reply.hpp"
#include "net/request_parser.hpp"
#include "net/tls.hpp"
#include "util/result.hpp"

namespace hookauth::net {

// Who sent a request: "address:port", and with mutual TLS the client certificate's subject.
struct Peer {
  std::string address;
  std::string client_cert;
};

struct ListenOptions {
  // Open connections at most; more wait in the listen backlog (at least 511), then are refused.
  std::size_t max_connections = 1024;
  ParserLimits limits;
  // A request's head and body must arrive whole within this time after its first byte (408).
  std::chrono::milliseconds read_timeout{10'000};
  // A connection with no request under way is closed after this time.
  std::chrono::milliseconds keep_alive_timeout{5'000};
  std::size_t max_requests_per_connection = 1000;  // as nginx's keepalive_requests
  std::optional<TlsFiles> tls;
  // Told of each TLS handshake that failed, with OpenSSL's reason (or that the connection ended
  // mid-handshake); called from an event loop thread. No request was read: the handler never sees it.
  std::function<void(const Peer& peer, const std::string& reason)> on_handshake_failure;
  // True when the handler may wait on the network (token introspection, a key set URL): it then
  // runs on a pool of worker threads instead of the event loops.
  bool handler_may_block = true;
};

// Receives each request with its origin-form target in url. problem is set when the request could
// not be read whole or as sent (see RequestParser), its method is not served (405), or it did not
// arrive within the read timeout (408): the request then holds what was read, and the reply should
// refuse it with problem->status. The connection ends after such an answer.
using RequestHandler = std::function<Reply(const auth::Request& request, const Peer& peer, const Problem* problem)>;

class Listener {
 public:
  // Binds host:port (port 0 picks a free one) and loads the TLS files; a usage error when it cannot.
  static Result<std::unique_ptr<Listener>> bind(const std::string& host, int port, ListenOptions options = {});
  virtual ~Listener() = default;

  virtual int port() const = 0;
  // Answers requests until stop() is called or max_requests (0: no limit) have been answered.
  virtual void serve(RequestHandler handler, std::size_t max_requests) = 0;
  // Safe from any thread, the handler included; serve() returns once the answers under way are sent.
  virtual void stop() = 0;
};

}  // namespace hookauth::net
