#include "net/batch.hpp"

#include <algorithm>
#include <queue>

namespace hookauth::net {

namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Slot {
  BatchItem item;
  std::optional<Exchange> exchange;
  Steady::time_point started;
};

struct Retry {
  Steady::time_point due;
  std::size_t slot;
  bool operator>(const Retry& other) const { return due > other.due; }
};

class Runner {
 public:
  Runner(MultiTransport& transport, int concurrency, const TransportOptions& options, const BatchHooks& hooks)
      : transport_(transport), options_(options), hooks_(hooks), slots_(static_cast<std::size_t>(concurrency)) {
    for (std::size_t i = slots_.size(); i-- > 0;) free_.push_back(i);
  }

  Result<void> run() {
    auto last_tick = Steady::now();
    for (;;) {
      fill();
      if (free_.size() == slots_.size()) break;  // nothing in flight or waiting
      auto wait = milliseconds(100);
      if (!retries_.empty()) {
        auto until = std::chrono::ceil<milliseconds>(retries_.top().due - Steady::now());
        wait = std::clamp(until, milliseconds(0), wait);
      }
      for (auto& d : transport_.poll(wait)) answered(static_cast<std::size_t>(d.tag), std::move(d.response));
      while (!retries_.empty() && retries_.top().due <= Steady::now()) {
        auto slot = retries_.top().slot;
        retries_.pop();
        launch(slot);
      }
      if (hooks_.tick && Steady::now() - last_tick >= milliseconds(100)) {
        last_tick = Steady::now();
        hooks_.tick();
      }
    }
    if (hooks_.tick) hooks_.tick();
    if (input_error_) return std::unexpected(*input_error_);
    return {};
  }

 private:
  void fill() {
    while (!input_done_ && !stopped_ && !free_.empty()) {
      auto next = hooks_.next_item();
      if (!next) {
        input_error_ = next.error();
        input_done_ = true;
        return;
      }
      if (!*next) {
        input_done_ = true;
        return;
      }
      auto slot = free_.back();
      free_.pop_back();
      Slot& s = slots_[slot];
      s.item = std::move(**next);
      s.started = Steady::now();
      auto exchange = hooks_.exchange_for(s.item);
      if (!exchange) {
        finish(slot, std::unexpected(exchange.error()));
        continue;
      }
      s.exchange.emplace(std::move(*exchange));
      launch(slot);
    }
  }

  void launch(std::size_t slot) {
    auto request = slots_[slot].exchange->next();
    if (!request) return finish(slot, std::unexpected(request.error()));
    transport_.start(slot, std::move(*request), options_);
  }

  void answered(std::size_t slot, Result<Response> response) {
    auto step = slots_[slot].exchange->answer(std::move(response));
    if (step.done) return finish(slot, std::move(*step.done));
    if (step.backoff && step.wait.count() > 0) {
      retries_.push({Steady::now() + step.wait, slot});
      return;
    }
    launch(slot);
  }

  void finish(std::size_t slot, Result<Response> response) {
    Slot& s = slots_[slot];
    auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - s.started);
    int attempts = s.exchange ? s.exchange->attempts() : 0;
    if (!hooks_.done({s.item, response, latency, attempts})) stopped_ = true;
    s.exchange.reset();
    s.item.text.clear();
    free_.push_back(slot);
  }

  MultiTransport& transport_;
  const TransportOptions& options_;
  const BatchHooks& hooks_;
  std::vector<Slot> slots_;
  std::vector<std::size_t> free_;
  std::priority_queue<Retry, std::vector<Retry>, std::greater<>> retries_;
  bool input_done_ = false;
  bool stopped_ = false;
  std::optional<Error> input_error_;
};

}  // namespace

Result<void> run_batch(MultiTransport& transport, int concurrency, const TransportOptions& options,
                       const BatchHooks& hooks) {
  if (concurrency < 1) return usage_error("--concurrency: must be at least 1");
  return Runner(transport, concurrency, options, hooks).run();
}

}  // namespace hookauth::net
