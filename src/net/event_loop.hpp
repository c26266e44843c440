#pragma once
// One event loop of the listener: an epoll set with the listening socket and the connections this
// loop accepted, each a small state machine (TLS handshake, reading, handling, writing, lingering)
// over RequestParser. Listener runs one per core; they share a ListenerState.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "net/listener.hpp"

namespace hookauth::net {

// What every loop of one listener shares.
struct ListenerState {
  int fd = -1;  // the listening socket, non-blocking
  ListenOptions options;
  std::shared_ptr<TlsServer> tls;
  RequestHandler handler;
  std::size_t max_requests = 0;  // 0: no limit
  // Runs a job on the worker pool; empty when the handler runs in the loops.
  std::function<void(std::function<void()>)> submit;
  // Asks every loop to end (Listener::stop).
  std::function<void()> stop;
  std::atomic<std::size_t> served{0};
  std::atomic<std::size_t> open{0};
  std::atomic<bool> stopping{false};
};

class EventLoop {
 public:
  explicit EventLoop(ListenerState& state);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Serves until the state is stopping and no answer is under way.
  void run();
  // Safe from any thread: run() looks at the state again.
  void wake();

 private:
  struct Connection;
  using Clock = std::chrono::steady_clock;

  void post(Connection* c, Reply reply, bool problem);
  void accept_some(Clock::time_point now);
  void set_accepting(bool on);
  void advance(Connection& c);
  bool read_request(Connection& c);
  void dispatch(Connection& c, std::optional<Problem> problem);
  void answer(Connection& c, const Reply& reply, bool problem);
  void want(Connection& c, Io io);
  void close(Connection& c);
  void sweep(Clock::time_point now);
  Io read_some(Connection& c, char* data, std::size_t size, std::size_t& n);
  Io write_some(Connection& c);

  ListenerState& state_;
  int epoll_ = -1;
  int wake_ = -1;
  bool accepting_ = false;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::mutex posted_mutex_;
  std::vector<std::tuple<Connection*, Reply, bool>> posted_;  // answers from the worker pool
  std::vector<Connection*> ready_;  // connections with pipelined requests read ahead, to go on next turn
  char scratch_[16 * 1024];         // what each read lands in
};

}  // namespace hookauth::net
