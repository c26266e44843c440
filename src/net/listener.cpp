#include "net/listener.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "net/event_loop.hpp"

namespace hookauth::net {

namespace {

// A fixed set of threads that run the handler when it may block.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned n) {
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return done_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool done_ = false;
  std::vector<std::thread> threads_;
};

class EventListener final : public Listener {
 public:
  EventListener(int fd, int port, ListenOptions options, std::shared_ptr<TlsServer> tls) : port_(port) {
    state_.fd = fd;
    state_.options = std::move(options);
    state_.tls = std::move(tls);
    state_.stop = [this] { stop(); };
  }
  ~EventListener() override { ::close(state_.fd); }

  int port() const override { return port_; }

  void serve(RequestHandler handler, std::size_t max_requests) override {
    state_.handler = std::move(handler);
    state_.max_requests = max_requests;
    std::unique_ptr<WorkerPool> pool;
    if (state_.options.handler_may_block) {
      pool = std::make_unique<WorkerPool>(16);
      state_.submit = [&pool](std::function<void()> job) { pool->submit(std::move(job)); };
    }
    unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    {
      std::lock_guard lock(loops_mutex_);
      for (unsigned i = 0; i < n; ++i) loops_.push_back(std::make_unique<EventLoop>(state_));
    }
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < n; ++i) threads.emplace_back([this, i] { loops_[i]->run(); });
    loops_[0]->run();
    for (auto& t : threads) t.join();
    pool.reset();  // every job has posted its answer: the loops ended only after that
    state_.submit = nullptr;
  }

  void stop() override {
    state_.stopping = true;
    std::lock_guard lock(loops_mutex_);
    for (auto& l : loops_) l->wake();
  }

 private:
  ListenerState state_;
  int port_;
  std::mutex loops_mutex_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
};

int listen_on(const std::string& host, int port, std::size_t backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    // SO_REUSEADDR only: SO_REUSEPORT would let a second listener share a port in use.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, static_cast<int>(backlog)) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

// Room for max_connections sockets besides the process's other files.
void raise_file_limit(std::size_t max_connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t want = static_cast<rlim_t>(max_connections) + 256;
  if (limit.rlim_cur >= want) return;
  limit.rlim_cur = std::min(want, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

Result<std::unique_ptr<Listener>> Listener::bind(const std::string& host, int port, ListenOptions options) {
  std::shared_ptr<TlsServer> tls;
  if (options.tls) {
    auto loaded = TlsServer::load(*options.tls);
    if (!loaded) return std::unexpected(loaded.error());
    tls = std::move(*loaded);
  }
  raise_file_limit(options.max_connections);
  int fd = listen_on(host, port, std::max<std::size_t>(511, options.max_connections));
  if (fd < 0)
    return usage_error("cannot listen on " + host + ":" + std::to_string(port) + " (in use, or not an address here)");
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int bound = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return std::unique_ptr<Listener>(std::make_unique<EventListener>(fd, bound, std::move(options), std::move(tls)));
}

}  // namespace hookauth::net
