#include "net/listener.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hookauth::net {

namespace {

// A loopback client socket with a 10 s guard on every read.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& data) { ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  // Everything until the server closes, or what came within timeout_ms.
  std::string read_all(int timeout_ms = 10'000) {
    std::string out;
    char buf[4096];
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::vector<std::string> statuses(const std::string& answers) {
  std::vector<std::string> out;
  std::regex status("HTTP/1\\.1 (\\d{3}) ");
  for (std::sregex_iterator it(answers.begin(), answers.end(), status), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

// serve() on its own thread, stopped and joined at the end of the scope.
struct Serving {
  explicit Serving(ListenOptions options, RequestHandler handler, std::size_t max_requests = 0) {
    auto bound = Listener::bind("127.0.0.1", 0, std::move(options));
    REQUIRE(bound);
    listener = std::move(*bound);
    thread = std::thread([this, handler, max_requests] {
      listener->serve(handler, max_requests);
      ended = true;
    });
  }
  ~Serving() {
    listener->stop();
    thread.join();
  }
  std::unique_ptr<Listener> listener;
  std::thread thread;
  std::atomic<bool> ended{false};
};

Reply echo_target(const auth::Request& request, const Peer&, const Problem* problem) {
  if (problem) return Reply{problem->status, {}, problem->reason};
  return Reply{200, {}, request.method + " " + request.url + " " + std::to_string(request.body.size())};
}

}  // namespace

TEST_CASE("listener: pipelined requests are answered in order, in the loops and on the worker pool") {
  for (bool pool : {false, true}) {
    CAPTURE(pool);
    ListenOptions options;
    options.handler_may_block = pool;
    Serving s(options, echo_target);
    Client c(s.listener->port());
    REQUIRE(c.connected());
    c.send(
        "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        "POST /b HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    std::string got = c.read_all();
    CHECK(statuses(got) == std::vector<std::string>{"200", "200", "200"});
    auto a = got.find("POST /a 3"), b = got.find("POST /b 0"), cc = got.find("GET /c 0");
    CHECK(a != std::string::npos);
    CHECK(b > a);
    CHECK(cc > b);
    CHECK(got.find("Connection: close") != std::string::npos);
  }
}

TEST_CASE("listener: 40 pipelined requests, more than one turn of the loop takes, all answered in order") {
  Serving s({}, echo_target);
  Client c(s.listener->port());
  std::string requests;
  for (int i = 0; i < 40; ++i) requests += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  c.send(requests + "GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  std::string got = c.read_all();
  CHECK(statuses(got).size() == 41);
  std::size_t at = 0;
  for (int i = 0; i < 40; ++i) {
    std::size_t next = got.find("GET /" + std::to_string(i) + " 0", at);
    REQUIRE(next != std::string::npos);
    at = next;
  }
  CHECK(got.find("GET /last 0", at) != std::string::npos);
}

TEST_CASE("listener: an HTTP/1.0 client that asks to keep the connection is told it is kept") {
  Serving s({}, echo_target);
  Client c(s.listener->port());
  c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  std::string got = c.read_all(1000);
  CHECK(statuses(got) == std::vector<std::string>{"200"});
  CHECK(got.find("Connection: keep-alive\r\n") != std::string::npos);
  c.send("GET /b HTTP/1.0\r\n\r\n");  // without: answered, then closed
  got = c.read_all();
  CHECK(got.find("Connection: close\r\n") != std::string::npos);
  CHECK(got.find("GET /b 0") != std::string::npos);
}

TEST_CASE("listener: a problem ends the connection, with Allow on a 405") {
  Serving s({}, echo_target);
  Client c(s.listener->port());
  c.send("TRACE / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string got = c.read_all();
  CHECK(statuses(got) == std::vector<std::string>{"405"});
  CHECK(got.find("\r\nAllow: GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE\r\n") != std::string::npos);
  CHECK(got.find("Connection: close") != std::string::npos);
}

TEST_CASE("listener: HEAD gets the length of the body it does not get") {
  Serving s({}, echo_target);
  Client c(s.listener->port());
  c.send("HEAD /h HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  std::string got = c.read_all();
  CHECK(got.find("Content-Length: 9\r\n") != std::string::npos);  // "HEAD /h 0"
  CHECK(got.ends_with("\r\n\r\n"));
}

TEST_CASE("listener: max_requests stops serve() after that many answers") {
  Serving s({}, echo_target, 2);
  Client c(s.listener->port());
  c.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string got = c.read_all();
  CHECK(statuses(got) == std::vector<std::string>{"200", "200"});
  for (int i = 0; i < 100 && !s.ended; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(s.ended);
}

TEST_CASE("listener: past max_connections a client waits in the backlog until one closes") {
  ListenOptions options;
  options.max_connections = 1;
  Serving s(options, echo_target);
  Client first(s.listener->port());
  first.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(statuses(first.read_all(500)) == std::vector<std::string>{"200"});  // kept alive
  Client second(s.listener->port());
  REQUIRE(second.connected());  // in the backlog
  second.send("GET /second HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(second.read_all(500).empty());
  first.send("GET /again HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(statuses(first.read_all()) == std::vector<std::string>{"200"});
  std::string got = second.read_all();
  CHECK(statuses(got) == std::vector<std::string>{"200"});
  CHECK(got.find("GET /second 0") != std::string::npos);
}

TEST_CASE("listener: a request not whole within the read timeout gets 408 with its target") {
  ListenOptions options;
  options.read_timeout = std::chrono::milliseconds(300);
  std::string logged;
  std::mutex m;
  Serving s(options, [&](const auth::Request& r, const Peer& peer, const Problem* problem) {
    std::lock_guard lock(m);
    logged = r.url + " " + (problem ? problem->reason : "") + " " + peer.address.substr(0, 10);
    return echo_target(r, peer, problem);
  });
  Client c(s.listener->port());
  c.send("GET /slow HTTP/1.1\r\nHost: h\r\n");
  CHECK(statuses(c.read_all()) == std::vector<std::string>{"408"});
  std::lock_guard lock(m);
  CHECK(logged == "/slow the request did not arrive whole within 300 ms 127.0.0.1:");
}

TEST_CASE("listener: a handler that throws gets 500, and the connection goes on") {
  Serving s({}, [](const auth::Request& r, const Peer&, const Problem*) -> Reply {
    if (r.url == "/throw") throw std::runtime_error("boom");
    return Reply{200, {}, "ok"};
  });
  Client c(s.listener->port());
  c.send("GET /throw HTTP/1.1\r\nHost: h\r\n\r\nGET /ok HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(statuses(c.read_all()) == std::vector<std::string>{"500", "200"});
}

TEST_CASE("listener: stop() before serve() makes serve() return at once") {
  auto bound = Listener::bind("127.0.0.1", 0);
  REQUIRE(bound);
  (*bound)->stop();
  (*bound)->serve(echo_target, 0);  // returns: the test would hang otherwise
  CHECK((*bound)->port() > 0);
}

TEST_CASE("listener: a port in use is a usage error; bad TLS files name the flag") {
  auto first = Listener::bind("127.0.0.1", 0);
  REQUIRE(first);
  auto second = Listener::bind("127.0.0.1", (*first)->port());
  REQUIRE(!second);
  CHECK(second.error().message.find("cannot listen on 127.0.0.1:") == 0);
  ListenOptions tls;
  tls.tls = TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem", ""};
  auto bad = Listener::bind("127.0.0.1", 0, tls);
  REQUIRE(!bad);
  CHECK(bad.error().message.find("--tls-cert /nonexistent/cert.pem: ") == 0);
}

}  // namespace hookauth::net
