#include "net/batch.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "auth/basic.hpp"
#include "test_support.hpp"

namespace hookauth::net {

using std::chrono::milliseconds;

namespace {

// A multi transport that keeps what was started, answers each request on the next poll from a
// function of the request, and records the most requests it ever had in flight.
class FakeMulti final : public MultiTransport {
 public:
  std::function<Result<Response>(const auth::Request&)> answer_for = [](const auth::Request&) -> Result<Response> {
    Response r;
    r.status = 204;
    r.status_line = "HTTP/1.1 204 No Content";
    return r;
  };
  std::vector<auth::Request> started;
  std::size_t max_in_flight = 0;

  void start(std::uint64_t tag, auth::Request request, const TransportOptions&) override {
    in_flight_.push_back({tag, answer_for(request)});
    started.push_back(std::move(request));
    max_in_flight = std::max(max_in_flight, in_flight_.size());
  }
  std::vector<Done> poll(milliseconds) override {
    std::vector<Done> out(std::make_move_iterator(in_flight_.begin()), std::make_move_iterator(in_flight_.end()));
    in_flight_.clear();
    return out;
  }

 private:
  std::vector<Done> in_flight_;
};

Response with_status(long status) {
  Response r;
  r.status = status;
  r.status_line = "HTTP/1.1 " + std::to_string(status);
  return r;
}

// Items "1".."n", counting how many have been read and how many are done.
struct Input {
  std::uint64_t n = 0, read = 0, finished = 0, most_ahead = 0;
  std::function<Result<std::optional<BatchItem>>()> reader() {
    return [this]() -> Result<std::optional<BatchItem>> {
      if (read == n) return std::optional<BatchItem>{};
      ++read;
      most_ahead = std::max(most_ahead, read - finished);
      return std::optional<BatchItem>{BatchItem{read, std::to_string(read)}};
    };
  }
};

const SendEnvironment quiet_env{[](milliseconds) {}, [] { return 0.0; }, [] { return util::Clock::now(); }, {}};

SendPolicy fast_retries(int retries) {
  SendPolicy p;
  p.has_credentials = true;
  p.retries = retries;
  p.max_backoff = milliseconds(1);
  return p;
}

// Exchanges that POST the item's text, signed with Basic by a signer of their own that counts.
struct Exchanges {
  SendPolicy policy;
  int signers_made = 0;
  std::function<Result<Exchange>(const BatchItem&)> factory() {
    return [this](const BatchItem& item) -> Result<Exchange> {
      ++signers_made;
      auth::Request r;
      r.method = "POST";
      r.url = "http://127.0.0.1:9/hook";
      r.body = item.text;
      Signer s{[n = item.number](auth::Request& req) {
                 req.headers.set("X-Item", std::to_string(n));
                 return auth::sign_basic({"user", "pass"}, req);
               },
               {}};
      return Exchange::start(std::move(r), std::move(s), policy, quiet_env);
    };
  }
};

}  // namespace

TEST_CASE("a batch sends every item once, each signed by its own signer, never more in flight than allowed") {
  FakeMulti t;
  Input in{.n = 1000};
  Exchanges ex{fast_retries(0)};
  std::map<std::uint64_t, long> results;
  BatchHooks hooks;
  hooks.next_item = in.reader();
  hooks.exchange_for = ex.factory();
  hooks.done = [&](const BatchResult& r) {
    ++in.finished;
    REQUIRE(r.response);
    results[r.item.number] = r.response->status;
    CHECK(r.attempts == 1);
    return true;
  };
  REQUIRE(run_batch(t, 16, {}, hooks));
  CHECK(results.size() == 1000);
  CHECK(t.started.size() == 1000);
  CHECK(ex.signers_made == 1000);
  CHECK(t.max_in_flight <= 16);
  CHECK(t.max_in_flight == 16);
  // Read as sent: never more than the slots ahead of what is done, so memory stays flat.
  CHECK(in.most_ahead <= 16);
  std::set<std::string> bodies;
  for (const auto& r : t.started) {
    CHECK(r.headers.get("X-Item") == r.body);  // each request carries its own item's signature
    CHECK(r.headers.get("Authorization") == "Basic dXNlcjpwYXNz");
    bodies.insert(r.body);
  }
  CHECK(bodies.size() == 1000);
}

TEST_CASE("a batch retries an item by the single-send policy and reports its attempts") {
  FakeMulti t;
  std::map<std::string, int> seen;
  t.answer_for = [&](const auth::Request& r) -> Result<Response> {
    int n = ++seen[r.body];
    if (r.body == "3" && n <= 2) return with_status(503);
    if (r.body == "5") return fail(ExitCode::network, "connection refused");
    return with_status(204);
  };
  Input in{.n = 6};
  Exchanges ex{fast_retries(2)};
  std::map<std::uint64_t, std::pair<int, std::string>> outcome;
  BatchHooks hooks;
  hooks.next_item = in.reader();
  hooks.exchange_for = ex.factory();
  hooks.done = [&](const BatchResult& r) {
    ++in.finished;
    outcome[r.item.number] = {r.attempts, r.response ? std::to_string(r.response->status) : r.response.error().message};
    return true;
  };
  REQUIRE(run_batch(t, 4, {}, hooks));
  CHECK(outcome[3] == std::pair<int, std::string>{3, "204"});
  CHECK(outcome[5] == std::pair<int, std::string>{3, "connection refused"});  // 1 + 2 retries
  CHECK(outcome[1] == std::pair<int, std::string>{1, "204"});
  CHECK(outcome.size() == 6);
}

TEST_CASE("a batch stops taking items when done() says so, and finishes those in flight") {
  FakeMulti t;
  Input in{.n = 100};
  Exchanges ex{fast_retries(0)};
  int done = 0;
  BatchHooks hooks;
  hooks.next_item = in.reader();
  hooks.exchange_for = ex.factory();
  hooks.done = [&](const BatchResult&) {
    ++in.finished;
    return ++done < 10;
  };
  REQUIRE(run_batch(t, 4, {}, hooks));
  CHECK(done >= 10);
  CHECK(done <= 13);  // the tenth, and at most three others already in flight
  CHECK(in.read == static_cast<std::uint64_t>(done));
}

TEST_CASE("an item whose exchange cannot start fails alone; an input error ends the batch with that error") {
  FakeMulti t;
  Input in{.n = 5};
  SendPolicy policy = fast_retries(0);
  int failed = 0, ok = 0;
  BatchHooks hooks;
  hooks.next_item = [&, reader = in.reader()]() -> Result<std::optional<BatchItem>> {
    if (in.read == 5) return usage_error("--data-lines: read error");
    return reader();
  };
  hooks.exchange_for = [&](const BatchItem& item) -> Result<Exchange> {
    auth::Request r;
    r.url = item.number == 2 ? "not a url" : "http://127.0.0.1:9/";
    return Exchange::start(std::move(r), Signer{}, policy, quiet_env);
  };
  hooks.done = [&](const BatchResult& r) {
    (r.response ? ok : failed)++;
    if (!r.response) CHECK(test::contains(r.response.error().message, "URL"));
    return true;
  };
  auto result = run_batch(t, 2, {}, hooks);
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "--data-lines: read error");
  CHECK(ok == 4);
  CHECK(failed == 1);
}

TEST_CASE("a batch refuses a concurrency below one") {
  FakeMulti t;
  BatchHooks hooks;
  CHECK_FALSE(run_batch(t, 0, {}, hooks));
}

}  // namespace hookauth::net
