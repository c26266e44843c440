#pragma once
// Many webhooks at once: each item runs the single-send policy (an Exchange: its own signature,
// retries, challenges and redirects) while up to `concurrency` requests are in flight on a
// transport that multiplexes them (libcurl's multi interface). Items are taken from the input as
// slots free up, so memory does not grow with the input's length.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/sender.hpp"
#include "net/transport.hpp"
#include "util/result.hpp"

namespace hookauth::net {

// Requests in flight at once; the real one is libcurl's multi interface.
class MultiTransport {
 public:
  struct Done {
    std::uint64_t tag = 0;
    Result<Response> response;
  };
  virtual ~MultiTransport() = default;
  // Puts the request (signed) on the wire; poll() returns its answer under the same tag.
  virtual void start(std::uint64_t tag, auth::Request request, const TransportOptions& options) = 0;
  // Moves the transfers on, waiting at most `wait` when none has ended yet; the ones that ended.
  virtual std::vector<Done> poll(std::chrono::milliseconds wait) = 0;
};

// At most `concurrency` transfers and kept-alive connections; HTTP/2 multiplexing over TLS where
// the server offers it.
std::unique_ptr<MultiTransport> make_curl_multi_transport(int concurrency);

struct BatchItem {
  std::uint64_t number = 0;  // the input line's number, from 1
  std::string text;          // the line, without its end
};

struct BatchResult {
  const BatchItem& item;
  const Result<Response>& response;
  std::chrono::microseconds latency{0};  // from the first attempt to the final answer
  int attempts = 0;                      // requests put on the wire for this item
};

struct BatchHooks {
  // The next item, nothing at the end of the input, or an error reading it (which ends the run).
  std::function<Result<std::optional<BatchItem>>()> next_item;
  // The exchange for one item: its request and its own signer (an error fails only that item).
  std::function<Result<Exchange>(const BatchItem&)> exchange_for;
  // Once per item, with its final result; false stops taking new items (those in flight finish).
  std::function<bool(const BatchResult&)> done;
  // About every 100 ms, for progress.
  std::function<void()> tick;
};

// Runs until the input ends (or done() says stop) and every item taken has its final result.
Result<void> run_batch(MultiTransport& transport, int concurrency, const TransportOptions& options,
                       const BatchHooks& hooks);

}  // namespace hookauth::net
