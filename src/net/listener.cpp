#include "net/listener.hpp"

#include <sys/socket.h>

#include <httplib.h>

namespace hookauth::net {

namespace {

class HttplibListener final : public Listener {
 public:
  HttplibListener() {
    server_.set_keep_alive_timeout(5);
    server_.set_read_timeout(10);
    server_.set_payload_max_length(64 * 1024 * 1024);
    // Answers go out at once: with Nagle's algorithm a kept-alive client waits for the delayed
    // ACK (40 ms) between the header and body writes of every answer.
    server_.set_tcp_nodelay(true);
    // SO_REUSEADDR only: cpp-httplib's default SO_REUSEPORT would let a second listener share a
    // port that is in use instead of failing.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
  }

  bool bind(const std::string& host, int port) {
    if (port == 0) {
      port_ = server_.bind_to_any_port(host);
      return port_ > 0;
    }
    port_ = port;
    return server_.bind_to_port(host, port);
  }

  int port() const override { return port_; }

  void serve(RequestHandler handler, std::size_t max_requests) override {
    auto answer = [this, handler, max_requests](const httplib::Request& in, httplib::Response& out, std::string body) {
      auth::Request req;
      req.method = in.method;
      req.url = in.target.empty() ? in.path : in.target;
      for (const auto& [k, v] : in.headers) {
        // cpp-httplib adds these for its own bookkeeping; they did not come from the client.
        if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
        req.headers.add(k, v);
      }
      req.body = std::move(body);
      Reply reply = handler(req, in.remote_addr + ":" + std::to_string(in.remote_port));
      out.status = reply.status;
      for (const auto& [k, v] : reply.headers.items) out.set_header(k, v);
      out.set_content(reply.body, reply.content_type);
      if (max_requests > 0 && ++served_ >= max_requests) {
        out.set_header("Connection", "close");
        stop();
      }
    };
    auto without_body = [answer](const httplib::Request& in, httplib::Response& out) { answer(in, out, in.body); };
    // Bodies are read raw, whatever their Content-Type: cpp-httplib would otherwise parse (and cap
    // at 8 KiB) form bodies, and a verifier needs the exact bytes.
    auto with_body = [answer](const httplib::Request& in, httplib::Response& out, const httplib::ContentReader& read) {
      std::string body;
      read([&body](const char* data, size_t n) {
        body.append(data, n);
        return true;
      });
      answer(in, out, std::move(body));
    };
    const std::string any = ".*";
    server_.Get(any, without_body);
    server_.Options(any, without_body);
    server_.Post(any, with_body);
    server_.Put(any, with_body);
    server_.Patch(any, with_body);
    server_.Delete(any, with_body);
    if (!stopping_) server_.listen_after_bind();
  }

  void stop() override {
    stopping_ = true;
    server_.stop();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::atomic<std::size_t> served_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace

Result<std::unique_ptr<Listener>> Listener::bind(const std::string& host, int port) {
  auto l = std::make_unique<HttplibListener>();
  if (!l->bind(host, port))
    return usage_error("cannot listen on " + host + ":" + std::to_string(port) + " (in use, or not an address here)");
  return std::unique_ptr<Listener>(std::move(l));
}

}  // namespace hookauth::net
