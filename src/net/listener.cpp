#include "net/listener.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <httplib.h>

namespace hookauth::net {

namespace {

// Set when the current request's head did not arrive within the read timeout (see
// ConnectionStream::read), so that its refusal says so.
thread_local bool head_timed_out = false;

// A client's connection, read through a small buffer. It also keeps every byte cpp-httplib takes from
// it since the start of the current request, until told to stop: cpp-httplib reads the request line
// and the header fields one byte at a time, so at its setup_request hook what was kept is exactly the
// request's head, as sent.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(socket_t sock, int read_timeout_ms, int write_timeout_ms)
      : sock_(sock), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {}

  bool is_readable() const override { return pos_ < buffer_.size() || wait(POLLIN, read_timeout_ms_); }
  bool is_writable() const override { return wait(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == buffer_.size()) {
      int timeout_ms = read_timeout_ms_;
      if (keeping_) {  // the whole head within one read timeout, however slowly it trickles in
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(head_deadline_ - Clock::now()).count();
        if (left <= 0) {
          head_timed_out = true;
          return -1;
        }
        timeout_ms = static_cast<int>(std::min<long long>(timeout_ms, left));
      }
      if (!wait(POLLIN, timeout_ms)) {
        head_timed_out = keeping_;
        return -1;
      }
      buffer_.resize(16 * 1024);
      ssize_t n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      buffer_.resize(n > 0 ? static_cast<size_t>(n) : 0);
      pos_ = 0;
      if (n <= 0) return n;
    }
    size_t n = std::min(size, buffer_.size() - pos_);
    std::copy_n(buffer_.data() + pos_, n, ptr);
    pos_ += n;
    if (keeping_) {
      if (kept_.size() + n > max_head) {
        keeping_ = false;
        kept_overflow_ = true;
      } else {
        kept_.append(ptr, n);
      }
    }
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return ::send(sock_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(::getsockname, ip, port); }
  socket_t socket() const override { return sock_; }

  // True when a next request's first byte is here before keep_alive_ms, or false (and at once) when
  // stopping() turns true, the client closed, or the time passed.
  template <typename Stopping>
  bool next_request(int keep_alive_ms, Stopping stopping) {
    kept_.clear();
    keeping_ = true;
    kept_overflow_ = false;
    auto starts = [this] {
      head_deadline_ = Clock::now() + std::chrono::milliseconds(read_timeout_ms_);
      return true;
    };
    if (pos_ < buffer_.size()) return starts();
    auto end = Clock::now() + std::chrono::milliseconds(keep_alive_ms);
    while (!stopping()) {
      if (wait(POLLIN, 10)) return starts();
      if (Clock::now() >= end) return false;
    }
    return false;
  }

  // The head kept since next_request(), and stops keeping; nullptr if it outgrew max_head.
  const std::string* take_head() {
    keeping_ = false;
    return kept_overflow_ ? nullptr : &kept_;
  }

 private:
  static constexpr size_t max_head = 1024 * 1024;

  bool wait(short events, int timeout_ms) const {
    pollfd p{sock_, events, 0};
    int r;
    do r = ::poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }

  template <typename Get>
  void address(Get get, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    char host[NI_MAXHOST] = "";
    char serv[NI_MAXSERV] = "";
    if (get(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
        ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      ip = host;
      port = std::atoi(serv);
    }
  }

  using Clock = std::chrono::steady_clock;
  socket_t sock_;
  int read_timeout_ms_, write_timeout_ms_;
  Clock::time_point head_deadline_;
  std::string buffer_;
  size_t pos_ = 0;
  std::string kept_;
  bool keeping_ = false, kept_overflow_ = false;
};

// The header fields of a request's head as sent (cpp-httplib's own values are percent-decoded), in
// order. They must be the fields cpp-httplib found, decoded the same way; when they are not, nothing
// is returned and the request is refused rather than verified on values it did not carry.
std::optional<httplib::Headers> raw_fields(const std::string& head, const httplib::Headers& parsed) {
  httplib::Headers fields;
  size_t line_end = head.find("\r\n");  // past the request line
  while (line_end != std::string::npos) {
    size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    if (line_end == std::string::npos || line_end == start) break;
    std::string_view line(head.data() + start, line_end - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // cpp-httplib drops such lines too
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) continue;  // likewise
    fields.emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  for (const auto& [k, v] : fields) {
    auto range = parsed.equal_range(k);
    bool found = false;
    for (auto it = range.first; it != range.second && !found; ++it)
      found = it->second == httplib::detail::decode_url(v, false);
    if (!found) return std::nullopt;
  }
  return fields;
}

// The header field that marks a request whose fields could not be read as sent. It has a space in its
// name, so no client can send it.
constexpr const char* unreadable_fields = "hookauth unreadable fields";

// The connection being served on this thread: whether its current request reached the handler (the
// error handler answers, and reports, only the ones cpp-httplib refused before that), whether it must
// end after this answer, and its peer's address.
thread_local bool reached_handler = false;
thread_local bool end_connection = false;
thread_local std::string connection_peer;

// What is wrong with a request's framing that cpp-httplib lets through: it reads a Content-Length
// that is not a number as 0, and takes the first of several.
std::optional<Problem> framing_problem(const httplib::Headers& fields) {
  auto lengths = fields.equal_range("Content-Length");
  for (auto it = lengths.first; it != lengths.second; ++it) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
      return Problem{400, "Content-Length '" + v.substr(0, 32) + "' is not a number"};
    if (v != lengths.first->second) return Problem{400, "the request has two different Content-Length fields"};
  }
  if (lengths.first != lengths.second && fields.count("Transfer-Encoding"))
    return Problem{400, "the request has both Content-Length and Transfer-Encoding"};
  return std::nullopt;
}

// What cpp-httplib refused, from the status it chose.
Problem refused(const httplib::Request& in, int status) {
  static const std::string served[] = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"};
  if (head_timed_out) return {408, "the request line and header fields did not arrive within 10 s"};
  if (status == 413) return {413, "the body is larger than 64 MiB"};
  if (status == 414) return {414, "the request target is too long"};
  if (in.version.empty() || in.target.empty()) return {status, "malformed request line"};
  if (std::find(std::begin(served), std::end(served), in.method) == std::end(served))
    return {405, "method " + in.method.substr(0, 32) + " is not accepted"};
  return {status, "a header field is malformed or longer than 8 KiB"};
}

// cpp-httplib's server with its connection loop replaced, so that each request's header fields can be
// taken as sent (raw_fields) before the handler sees them.
class Server final : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override {
    int yes = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    ConnectionStream stream(sock, static_cast<int>(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000),
                            static_cast<int>(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000));
    bool ok = false;
    end_connection = false;
    int port = 0;
    stream.get_remote_ip_and_port(connection_peer, port);
    connection_peer += ":" + std::to_string(port);
    auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
    for (size_t left = keep_alive_max_count_;
         left > 0 && stream.next_request(static_cast<int>(keep_alive_timeout_sec_ * 1000), stopping); --left) {
      bool closed = false;
      reached_handler = false;
      head_timed_out = false;
      ok = process_request(stream, left == 1, closed, [&stream](httplib::Request& req) {
        const std::string* head = stream.take_head();
        auto fields = head ? raw_fields(*head, req.headers) : std::nullopt;
        if (!fields) {
          req.headers.emplace(unreadable_fields, "1");
          return;
        }
        for (const char* own : {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"})
          if (req.has_header(own)) fields->emplace(own, req.get_header_value(own));
        req.headers = std::move(*fields);
      });
      if (!ok || closed || end_connection) break;
    }
    if (end_connection) {
      // A lingering close (RFC 9112 9.6): bytes the client sent after the request we refused, still
      // unread at close(), would make the kernel answer with a reset that can destroy the answer on
      // its way. So: end our side, read what comes for up to 2 s, and close when the client does.
      ::shutdown(sock, SHUT_WR);
      char sink[4096];
      auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      for (pollfd p{sock, POLLIN, 0}; std::chrono::steady_clock::now() < end && ::poll(&p, 1, 100) >= 0;)
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && ::recv(sock, sink, sizeof sink, 0) <= 0) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }
};

constexpr size_t max_body = 64 * 1024 * 1024;

class HttplibListener final : public Listener {
 public:
  HttplibListener() {
    server_.set_keep_alive_timeout(5);
    // As nginx's keepalive_requests: cpp-httplib's default of 5 made a kept-alive client reconnect
    // every fifth request.
    server_.set_keep_alive_max_count(1000);
    server_.set_read_timeout(10);
    server_.set_payload_max_length(max_body);
    // Answers go out at once: with Nagle's algorithm a kept-alive client waits for the delayed
    // ACK (40 ms) between the header and body writes of every answer.
    server_.set_tcp_nodelay(true);
    // A connection holds a thread while open: enough of them that a few dozen slow or idle
    // clients do not stall the others (each head must also arrive whole within the read timeout).
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
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
    auto reply_to = [this, handler, max_requests](const httplib::Request& in, httplib::Response& out, std::string body,
                                                  const Problem* problem) {
      reached_handler = true;
      auth::Request req;
      req.method = in.method;
      req.url = in.target.empty() ? in.path : in.target;
      for (const auto& [k, v] : in.headers) {
        // cpp-httplib adds these for its own bookkeeping; they did not come from the client.
        if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT" ||
            k == unreadable_fields)
          continue;
        req.headers.add(k, v);
      }
      req.body = std::move(body);
      Reply reply = handler(req, connection_peer, problem);
      out.status = reply.status;
      for (const auto& [k, v] : reply.headers.items) out.set_header(k, v);
      out.set_content(reply.body, reply.content_type);
      // After a problem the next request's first byte is unknown: the connection ends here.
      bool last = max_requests > 0 && ++served_ >= max_requests;
      end_connection = problem != nullptr || last;
      if (end_connection) out.set_header("Connection", "close");
      if (last) stop();
    };
    auto answer = [reply_to](const httplib::Request& in, httplib::Response& out, std::string body, bool whole) {
      std::optional<Problem> problem;
      if (in.has_header(unreadable_fields))
        problem = Problem{400, "the header fields could not be read as sent"};
      else if (!whole)
        problem = body.size() >= max_body
                      ? Problem{413, "the body is larger than 64 MiB"}
                      : Problem{400, "the body did not arrive whole (shorter than announced, or a broken chunk)"};
      else
        problem = framing_problem(in.headers);
      reply_to(in, out, std::move(body), problem ? &*problem : nullptr);
    };
    auto without_body = [answer](const httplib::Request& in, httplib::Response& out) {
      answer(in, out, in.body, true);
    };
    // Bodies are read raw, whatever their Content-Type: cpp-httplib would otherwise parse (and cap
    // at 8 KiB) form bodies, and a verifier needs the exact bytes.
    auto with_body = [answer](const httplib::Request& in, httplib::Response& out, const httplib::ContentReader& read) {
      std::string body;
      bool whole = read([&body](const char* data, size_t n) {
        body.append(data, n);
        return true;
      });
      answer(in, out, std::move(body), whole);
    };
    // A request cpp-httplib refused itself (a method it does not route, a request line or header
    // field it cannot parse, a target or body over its limits) is answered and reported too.
    server_.set_error_handler(
        httplib::Server::HandlerWithResponse([reply_to](const httplib::Request& in, httplib::Response& out) {
          if (reached_handler) return httplib::Server::HandlerResponse::Unhandled;
          Problem problem = refused(in, out.status);
          reply_to(in, out, "", &problem);
          if (problem.status == 405) out.set_header("Allow", "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE");
          return httplib::Server::HandlerResponse::Handled;
        }));
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
  Server server_;
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
