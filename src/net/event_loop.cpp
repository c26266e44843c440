#include "net/event_loop.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "util/strings.hpp"

namespace hookauth::net {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view served_methods = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE";

bool is_served(std::string_view method) {
  for (auto m : {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
    if (method == m) return true;
  return false;
}

std::string numeric_address(const sockaddr* addr, socklen_t len) {
  char host[NI_MAXHOST] = "", serv[NI_MAXSERV] = "";
  if (::getnameinfo(addr, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) return "";
  return std::string(host) + ":" + serv;
}

// The handler's answer; a handler that throws gets 500, never an unanswered client.
Reply call(ListenerState& state, const auth::Request& request, const Peer& peer, const Problem* problem) {
  try {
    return state.handler(request, peer, problem);
  } catch (const std::exception&) {
    return Reply{500, {}, "internal error\n"};
  }
}

// Counts an answer; true when it is the last one --count allows (the listener then stops).
bool count_answer(ListenerState& state) {
  std::size_t n = state.served.fetch_add(1) + 1;
  if (state.max_requests > 0 && n >= state.max_requests) {
    state.stop();
    return true;
  }
  return false;
}

}  // namespace

struct EventLoop::Connection {
  enum class Phase { handshake, reading, handling, writing, lingering };
  // What follows once out is written.
  enum class Then { read_body, next_request, close, linger };

  Connection(int fd, ParserLimits limits) : fd(fd), parser(limits) {}

  int fd;
  std::unique_ptr<TlsStream> tls;
  Peer peer;
  RequestParser parser;
  Phase phase = Phase::reading;
  Then then = Then::next_request;
  std::string pending;  // bytes read past the current request: the next, pipelined, one
  std::string out;      // the answer being written
  std::size_t out_pos = 0;
  Clock::time_point deadline;
  bool request_started = false;  // the deadline is the read timeout's, not the keep-alive's
  bool sent_continue = false;
  bool peer_closed = false;
  bool head_only = false;
  std::size_t served = 0;
  std::uint32_t interest = 0;
};

EventLoop::EventLoop(ListenerState& state) : state_(state) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
}

EventLoop::~EventLoop() {
  for (auto& [c, owned] : connections_) ::close(c->fd);
  ::close(wake_);
  ::close(epoll_);
}

void EventLoop::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(wake_, &one, sizeof one);
}

void EventLoop::post(Connection* c, Reply reply, bool problem) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.emplace_back(c, std::move(reply), problem);
  }
  wake();
}

void EventLoop::set_accepting(bool on) {
  if (on == accepting_) return;
  accepting_ = on;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.ptr = &state_;
  ::epoll_ctl(epoll_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, state_.fd, &ev);
}

void EventLoop::run() {
  set_accepting(!state_.stopping);
  epoll_event events[128];
  auto next_sweep = Clock::now();
  for (;;) {
    bool stopping = state_.stopping;
    if (stopping) {
      set_accepting(false);
      // Connections with no answer under way end now; the others once their answer is out.
      std::vector<Connection*> idle;
      for (auto& [c, owned] : connections_)
        if (c->phase != Connection::Phase::handling && c->phase != Connection::Phase::writing) idle.push_back(c);
      for (auto* c : idle) close(*c);
      if (connections_.empty()) return;
    }
    int n = ::epoll_wait(epoll_, events, 128, ready_.empty() ? 100 : 0);
    auto now = Clock::now();
    for (int i = 0; i < std::max(n, 0); ++i) {
      void* p = events[i].data.ptr;
      if (p == nullptr) {
        std::uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_, &count, sizeof count);
        std::vector<std::tuple<Connection*, Reply, bool>> posted;
        {
          std::lock_guard lock(posted_mutex_);
          posted.swap(posted_);
        }
        for (auto& [c, reply, problem] : posted) {
          answer(*c, reply, problem);
          advance(*c);
        }
      } else if (p == &state_) {
        accept_some(now);
      } else {
        auto* c = static_cast<Connection*>(p);
        if (connections_.count(c)) advance(*c);
      }
    }
    std::vector<Connection*> ready;
    ready.swap(ready_);
    for (auto* c : ready)
      if (connections_.count(c) && c->phase == Connection::Phase::reading) advance(*c);
    if (now >= next_sweep) {
      sweep(now);
      next_sweep = now + std::chrono::milliseconds(100);
    }
  }
}

void EventLoop::accept_some(Clock::time_point now) {
  for (int i = 0; i < 64; ++i) {
    // A place is taken before the accept, so that loops accepting at once never pass the cap.
    if (state_.open.fetch_add(1) >= state_.options.max_connections) {
      --state_.open;
      return set_accepting(false);
    }
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(state_.fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      --state_.open;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) set_accepting(false);
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto owned = std::make_unique<Connection>(fd, state_.options.limits);
    Connection& c = *owned;
    c.peer.address = numeric_address(reinterpret_cast<sockaddr*>(&addr), len);
    if (state_.tls) {
      c.tls = state_.tls->accept(fd);
      if (!c.tls) {
        ::close(fd);
        --state_.open;
        continue;
      }
      c.phase = Connection::Phase::handshake;
      c.deadline = now + state_.options.read_timeout;
    } else {
      c.deadline = now + state_.options.keep_alive_timeout;
    }
    connections_.emplace(&c, std::move(owned));
    epoll_event ev{};
    ev.events = c.interest = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }
}

void EventLoop::want(Connection& c, Io io) {
  std::uint32_t interest = io == Io::want_write  ? std::uint32_t{EPOLLOUT}
                           : io == Io::want_read ? std::uint32_t{EPOLLIN}
                                                 : 0;
  if (interest == c.interest) return;
  // No interest is no registration: epoll reports a hang-up even to a socket that asked for nothing.
  int op = c.interest == 0 ? EPOLL_CTL_ADD : interest == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  c.interest = interest;
  epoll_event ev{};
  ev.events = interest;
  ev.data.ptr = &c;
  ::epoll_ctl(epoll_, op, c.fd, &ev);
}

void EventLoop::close(Connection& c) {
  if (c.tls && !c.peer_closed && c.phase != Connection::Phase::handshake) c.tls->shutdown();
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  --state_.open;
  connections_.erase(&c);  // c is gone
  // Room again: connections waiting in the backlog come in.
  if (!state_.stopping && !accepting_ && state_.open < state_.options.max_connections) set_accepting(true);
}

Io EventLoop::read_some(Connection& c, char* data, std::size_t size, std::size_t& n) {
  if (c.tls) return c.tls->read(data, size, n);
  for (;;) {
    ssize_t r = ::recv(c.fd, data, size, 0);
    if (r > 0) {
      n = static_cast<std::size_t>(r);
      return Io::done;
    }
    n = 0;
    if (r == 0) return Io::closed;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? Io::want_read : Io::failed;
  }
}

Io EventLoop::write_some(Connection& c) {
  while (c.out_pos < c.out.size()) {
    std::size_t n = 0;
    Io io;
    if (c.tls) {
      io = c.tls->write(c.out.data() + c.out_pos, c.out.size() - c.out_pos, n);
    } else {
      ssize_t r = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
      if (r >= 0) {
        io = Io::done;
        n = static_cast<std::size_t>(r);
      } else if (errno == EINTR) {
        continue;
      } else {
        io = errno == EAGAIN || errno == EWOULDBLOCK ? Io::want_write : Io::failed;
      }
    }
    if (io != Io::done) return io;
    c.out_pos += n;
  }
  return Io::done;
}

// Feeds the parser from what is pending, then from the socket, until the request is whole, has
// failed, or the socket has nothing more for now. False when the connection is gone or must wait.
bool EventLoop::read_request(Connection& c) {
  auto feed = [&c, this](std::string_view bytes) {
    bool was_idle = c.parser.state() == RequestParser::State::idle;
    std::size_t used = c.parser.feed(bytes);
    if (was_idle && c.parser.state() != RequestParser::State::idle && !c.request_started) {
      c.request_started = true;
      c.deadline = Clock::now() + state_.options.read_timeout;
    }
    return used;
  };
  if (!c.pending.empty()) {
    std::size_t used = feed(c.pending);
    c.pending.erase(0, used);
  }
  while (!c.parser.done()) {
    if (c.parser.expects_continue() && !c.sent_continue) {
      c.sent_continue = true;
      c.out = "HTTP/1.1 100 Continue\r\n\r\n";
      c.out_pos = 0;
      c.phase = Connection::Phase::writing;
      c.then = Connection::Then::read_body;
      return true;
    }
    std::size_t n = 0;
    Io io = read_some(c, scratch_, sizeof scratch_, n);
    if (io == Io::done) {
      std::size_t used = feed(std::string_view(scratch_, n));
      if (used < n) c.pending.assign(scratch_ + used, n - used);
      continue;
    }
    if (io == Io::want_read || io == Io::want_write) {
      want(c, io);
      return false;
    }
    // The client closed or the connection broke: a request begun is answered (the client may only
    // have closed its sending side), a connection between requests just ends.
    c.peer_closed = true;
    if (c.parser.state() == RequestParser::State::idle || io == Io::failed) {
      close(c);
      return false;
    }
    dispatch(c, Problem{400, "the request did not arrive whole: the client stopped sending"});
    return true;
  }
  std::optional<Problem> problem;
  if (c.parser.state() == RequestParser::State::failed)
    problem = c.parser.problem();
  else if (!is_served(c.parser.request().method))
    problem = Problem{405, "method " + util::excerpt(c.parser.request().method, 32) + " is not accepted"};
  dispatch(c, std::move(problem));
  return true;
}

void EventLoop::dispatch(Connection& c, std::optional<Problem> problem) {
  c.head_only = c.parser.request().method == "HEAD";
  if (!state_.submit) {
    auto request = c.parser.take_request();
    answer(c, call(state_, request, c.peer, problem ? &*problem : nullptr), problem.has_value());
    return;
  }
  c.phase = Connection::Phase::handling;
  want(c, Io::done);  // no events while the handler runs
  state_.submit([this, &c, request = c.parser.take_request(), problem = std::move(problem)] {
    Reply reply = call(state_, request, c.peer, problem ? &*problem : nullptr);
    post(&c, std::move(reply), problem.has_value());
  });
}

void EventLoop::answer(Connection& c, const Reply& reply, bool problem) {
  bool last = count_answer(state_);
  ++c.served;
  bool close = problem || last || state_.stopping || !c.parser.keep_alive() ||
               c.served >= state_.options.max_requests_per_connection;
  Reply r = reply;
  if (problem && r.status == 405) r.headers.set("Allow", std::string(served_methods));
  c.out = serialize(r, c.head_only, close ? "close" : c.parser.http10() ? "keep-alive" : "");
  c.out_pos = 0;
  c.phase = Connection::Phase::writing;
  c.then = !close                      ? Connection::Then::next_request
           : problem && !c.peer_closed ? Connection::Then::linger
                                       : Connection::Then::close;
  c.deadline = Clock::now() + state_.options.read_timeout;
}

// Drives a connection as far as its socket allows, then waits for epoll (or the worker) again.
void EventLoop::advance(Connection& c) {
  int answered = 0;
  for (;;) {
    switch (c.phase) {
      case Connection::Phase::handshake: {
        Io io = c.tls->handshake();
        if (io == Io::done) {
          c.peer.client_cert = c.tls->client_subject();
          c.phase = Connection::Phase::reading;
          c.deadline = Clock::now() + state_.options.keep_alive_timeout;
          continue;
        }
        if (io == Io::want_read || io == Io::want_write) return want(c, io);
        if (io == Io::failed && state_.options.on_handshake_failure)
          state_.options.on_handshake_failure(c.peer, c.tls->error());
        c.peer_closed = true;
        return close(c);
      }
      case Connection::Phase::reading:
        if (!read_request(c)) return;
        continue;
      case Connection::Phase::handling:
        return;
      case Connection::Phase::writing: {
        Io io = write_some(c);
        if (io == Io::want_read || io == Io::want_write) return want(c, io);
        if (io != Io::done) return close(c);
        c.out.clear();
        switch (c.then) {
          case Connection::Then::read_body:
            c.phase = Connection::Phase::reading;
            continue;
          case Connection::Then::next_request:
            c.parser.reset();
            c.phase = Connection::Phase::reading;
            c.request_started = false;
            c.sent_continue = false;
            c.deadline = Clock::now() + state_.options.keep_alive_timeout;
            // Nothing read ahead: wait for epoll rather than try a read that would find nothing.
            if (c.pending.empty() && (!c.tls || !c.tls->has_pending())) return want(c, Io::want_read);
            // Pipelined requests: 16 a turn, then the loop's other connections have theirs.
            if (++answered == 16) {
              ready_.push_back(&c);
              return want(c, Io::want_read);
            }
            continue;
          case Connection::Then::close:
            return close(c);
          case Connection::Then::linger:
            // A lingering close (RFC 9112 section 9.6): bytes the client sent after the request we
            // refused, still unread at close(), would make the kernel answer with a reset that can
            // destroy the answer on its way. So: end our side, and read until the client closes.
            if (c.tls) c.tls->shutdown();
            ::shutdown(c.fd, SHUT_WR);
            c.pending.clear();
            c.pending.shrink_to_fit();
            c.parser.reset();
            c.phase = Connection::Phase::lingering;
            c.deadline = Clock::now() + std::chrono::seconds(2);
            continue;
        }
        return;
      }
      case Connection::Phase::lingering: {
        // At most 256 KiB a turn, so a fast sender cannot keep the loop from its other connections.
        for (int turns = 0;; ++turns) {
          if (turns == 16) return want(c, Io::want_read);  // epoll reports the rest (level-triggered)
          ssize_t r = ::recv(c.fd, scratch_, sizeof scratch_, 0);
          if (r > 0) continue;
          if (r < 0 && errno == EINTR) continue;
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return want(c, Io::want_read);
          c.peer_closed = true;
          return close(c);
        }
      }
    }
  }
}

// Ends what has waited too long: a connection with no request under way (silently), a request not
// whole within the read timeout (408), an answer the client does not read, a lingering close.
void EventLoop::sweep(Clock::time_point now) {
  std::vector<Connection*> late;
  for (auto& [c, owned] : connections_)
    if (c->phase != Connection::Phase::handling && now >= c->deadline) late.push_back(c);
  for (auto* c : late) {
    if (c->phase == Connection::Phase::reading && c->request_started) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(state_.options.read_timeout).count();
      std::string within = ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
      dispatch(*c, Problem{408, "the request did not arrive whole within " + within});
      advance(*c);
    } else {
      close(*c);
    }
  }
  if (!accepting_ && !state_.stopping && state_.open < state_.options.max_connections) set_accepting(true);
}

}  // namespace hookauth::net
