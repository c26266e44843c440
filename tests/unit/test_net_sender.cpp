#include "net/sender.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "auth/api_key.hpp"
#include "auth/basic.hpp"
#include "fake_transport.hpp"
#include "net/url.hpp"
#include "test_support.hpp"

namespace hookauth::net {

using std::chrono::milliseconds;

namespace {

using test::answer;
using test::FakeTransport;

Response redirect(long status, std::string location) { return answer(status, {{"Location", std::move(location)}}); }

Result<Response> network_error() { return fail(ExitCode::network, "connection refused"); }

// 2026-11-27T22:30:00Z, a Friday.
const util::Clock::time_point fixed_now{std::chrono::seconds(1795818600)};

// The world the sender sees: recorded sleeps and notes, a fixed random number and clock.
struct World {
  std::vector<milliseconds> sleeps;
  std::vector<std::string> notes;
  double unit = 0.0;

  SendEnvironment env() {
    return {[this](milliseconds d) { sleeps.push_back(d); }, [this] { return unit; }, [] { return fixed_now; },
            [this](const std::string& n) { notes.push_back(n); }};
  }
};

auth::Request get(std::string url) {
  auth::Request r;
  r.url = std::move(url);
  return r;
}

const auth::BasicCredentials basic_credentials{"Aladdin", "open sesame"};
const std::string basic_value = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";

// A signer that counts its calls.
struct CountingSigner {
  int calls = 0;
  Signer basic() {
    return Signer{[this](auth::Request& r) {
                    ++calls;
                    return auth::sign_basic(basic_credentials, r);
                  },
                  {}};
  }
  Signer api_key(auth::KeyLocation in) {
    return Signer{[this, in](auth::Request& r) {
                    ++calls;
                    return auth::sign_api_key({"api_key", "k3y-s3cret", in}, r);
                  },
                  {}};
  }
};

SendPolicy with_credentials() {
  SendPolicy p;
  p.has_credentials = true;
  return p;
}

}  // namespace

TEST_CASE("send signs and sends once when the answer is final") {
  FakeTransport t;
  t.script = {answer(200)};
  World w;
  CountingSigner s;
  auto r = send(t, get("https://api.example.com/hook"), s.basic(), with_credentials(), {}, w.env());
  REQUIRE(r);
  CHECK(r->status == 200);
  REQUIRE(t.requests.size() == 1);
  CHECK(t.requests[0].headers.get("Authorization") == basic_value);
  CHECK(s.calls == 1);
  CHECK(w.sleeps.empty());
}

TEST_CASE("send retries 503, 429 and 408 up to policy.retries") {
  for (long status : {503L, 429L, 408L, 500L, 502L}) {
    CAPTURE(status);
    FakeTransport t;
    t.script = {answer(status), answer(status), answer(200)};
    World w;
    CountingSigner s;
    auto policy = with_credentials();
    policy.retries = 3;
    auto r = send(t, get("https://api.example.com/hook"), s.basic(), policy, {}, w.env());
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(t.requests.size() == 3);
    CHECK(w.sleeps.size() == 2);
    CHECK(w.notes.size() == 2);
    // Every attempt is signed afresh.
    CHECK(s.calls == 3);
    for (const auto& req : t.requests) CHECK(req.headers.get("Authorization") == basic_value);
  }
}

TEST_CASE("send gives up after policy.retries and returns the last answer") {
  FakeTransport t;
  t.script = {answer(503)};
  World w;
  SendPolicy policy;
  policy.retries = 2;
  auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(t.requests.size() == 3);
  CHECK(w.sleeps.size() == 2);

  SUBCASE("no retries by default") {
    FakeTransport once;
    once.script = {answer(503)};
    World w0;
    auto r0 = send(once, get("https://api.example.com/hook"), Signer{}, SendPolicy{}, {}, w0.env());
    REQUIRE(r0);
    CHECK(once.requests.size() == 1);
    CHECK(w0.sleeps.empty());
  }
}

TEST_CASE("send does not retry a 4xx other than 408 and 429") {
  for (long status : {400L, 401L, 403L, 404L, 409L, 422L}) {
    CAPTURE(status);
    FakeTransport t;
    t.script = {answer(status), answer(200)};
    World w;
    SendPolicy policy;
    policy.retries = 5;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    REQUIRE(r);
    CHECK(r->status == status);
    CHECK(t.requests.size() == 1);
    CHECK(w.sleeps.empty());
  }
  CHECK_FALSE(is_retryable_status(400));
  CHECK_FALSE(is_retryable_status(200));
  CHECK_FALSE(is_retryable_status(302));
  CHECK(is_retryable_status(408));
  CHECK(is_retryable_status(429));
  CHECK(is_retryable_status(503));
}

TEST_CASE("send retries network errors, not other errors") {
  SUBCASE("recovers") {
    FakeTransport t;
    t.script = {network_error(), network_error(), answer(204)};
    World w;
    SendPolicy policy;
    policy.retries = 2;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    REQUIRE(r);
    CHECK(r->status == 204);
    CHECK(t.requests.size() == 3);
    CHECK(w.sleeps.size() == 2);
    REQUIRE(w.notes.size() == 2);
    CHECK(test::contains(w.notes[0], "connection refused"));
  }
  SUBCASE("gives up with the network error") {
    FakeTransport t;
    t.script = {network_error()};
    World w;
    SendPolicy policy;
    policy.retries = 1;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ExitCode::network);
    CHECK(t.requests.size() == 2);
  }
  SUBCASE("a non-network error is not retried") {
    FakeTransport t;
    t.script = {usage_error("bad option"), answer(200)};
    World w;
    SendPolicy policy;
    policy.retries = 3;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "bad option");
    CHECK(t.requests.size() == 1);
  }
  SUBCASE("a signer error stops before sending") {
    FakeTransport t;
    t.script = {answer(200)};
    World w;
    Signer bad{[](auth::Request& r) { return auth::sign_basic({"a:b", "p"}, r); }, {}};
    auto r = send(t, get("https://api.example.com/hook"), bad, with_credentials(), {}, w.env());
    CHECK_FALSE(r);
    CHECK(t.requests.empty());
  }
}

TEST_CASE("Retry-After is honoured") {
  SendPolicy policy;
  policy.retries = 1;
  auto run = [&](std::string retry_after) {
    FakeTransport t;
    t.script = {answer(503, {{"Retry-After", retry_after}}), answer(200)};
    World w;
    w.unit = 0.0;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    REQUIRE(r);
    CHECK(t.requests.size() == 2);
    REQUIRE(w.sleeps.size() == 1);
    return w.sleeps[0];
  };
  CHECK(run("7") == milliseconds(7000));
  CHECK(run(" 0 ") == milliseconds(0));
  CHECK(run("Fri, 27 Nov 2026 22:30:30 GMT") == milliseconds(30'000));
  CHECK(run("Fri, 27 Nov 2026 22:32:00 GMT") == milliseconds(120'000));
  // A date in the past means now.
  CHECK(run("Wed, 21 Oct 2015 07:28:00 GMT") == milliseconds(0));
  // Unreadable or negative: the backoff (500 ms cap, unit 0: 250 ms).
  CHECK(run("soon") == milliseconds(250));
  CHECK(run("-5") == milliseconds(250));
  // At most five minutes.
  CHECK(run("86400") == milliseconds(300'000));
}

TEST_CASE("backoff grows exponentially with jitter and is capped") {
  SendPolicy policy;
  policy.max_backoff = milliseconds(4000);
  World low;
  low.unit = 0.0;
  World high;
  high.unit = 0.999;
  std::vector<long long> lows;
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto lo = retry_delay(attempt, nullptr, policy, low.env());
    auto hi = retry_delay(attempt, nullptr, policy, high.env());
    CAPTURE(attempt);
    CHECK(lo <= hi);
    CHECK(hi <= milliseconds(4000));
    lows.push_back(lo.count());
  }
  CHECK(lows == std::vector<long long>{250, 500, 1000, 2000, 2000, 2000, 2000, 2000});
  CHECK(retry_delay(0, nullptr, policy, high.env()) == milliseconds(499));
  CHECK(retry_delay(3, nullptr, policy, high.env()) == milliseconds(3998));
  CHECK(retry_delay(60, nullptr, policy, high.env()) == milliseconds(3998));
  CHECK(retry_delay(2000, nullptr, policy, high.env()) <= milliseconds(4000));

  SUBCASE("the waits send() sleeps grow, up to the cap") {
    FakeTransport t;
    t.script = {answer(503)};
    World w;
    w.unit = 0.0;
    SendPolicy p;
    p.retries = 4;
    p.max_backoff = milliseconds(1500);
    REQUIRE(send(t, get("https://api.example.com/hook"), Signer{}, p, {}, w.env()));
    CHECK(w.sleeps ==
          std::vector<milliseconds>{milliseconds(250), milliseconds(500), milliseconds(750), milliseconds(750)});
  }
}

TEST_CASE("redirects are not followed unless asked") {
  FakeTransport t;
  t.script = {redirect(302, "/next"), answer(200)};
  World w;
  CountingSigner s;
  auto r = send(t, get("https://api.example.com/hook"), s.basic(), with_credentials(), {}, w.env());
  REQUIRE(r);
  CHECK(r->status == 302);
  CHECK(t.requests.size() == 1);
}

TEST_CASE("a same-origin redirect is followed and signed again") {
  for (const char* location : {"/next?x=1", "https://API.example.com:443/next?x=1", "next?x=1"}) {
    CAPTURE(location);
    FakeTransport t;
    t.script = {redirect(307, location), answer(200)};
    World w;
    CountingSigner s;
    auto policy = with_credentials();
    policy.follow_redirects = true;
    auto r = send(t, get("https://api.example.com/hook"), s.api_key(auth::KeyLocation::query), policy, {}, w.env());
    REQUIRE(r);
    CHECK(r->status == 200);
    REQUIRE(t.requests.size() == 2);
    CHECK(s.calls == 2);
    CHECK(test::contains(t.requests[1].url, "/next?x=1&api_key=k3y-s3cret"));
    auto second_origin = origin_of(t.requests[1].url);
    REQUIRE(second_origin);
    CHECK(second_origin->host == "api.example.com");
  }
  SUBCASE("with a Basic signer") {
    FakeTransport t;
    t.script = {redirect(302, "/elsewhere"), answer(200)};
    World w;
    CountingSigner s;
    auto policy = with_credentials();
    policy.follow_redirects = true;
    REQUIRE(send(t, get("https://api.example.com/hook"), s.basic(), policy, {}, w.env()));
    REQUIRE(t.requests.size() == 2);
    CHECK(t.requests[1].url == "https://api.example.com/elsewhere");
    CHECK(t.requests[1].headers.get("Authorization") == basic_value);
  }
}

TEST_CASE("a cross-origin redirect carries no credentials") {
  for (const char* location : {"https://other.example.net/x", "https://api.example.com:8443/x",
                               "http://api.example.com/x", "//evil.example.org/x"}) {
    CAPTURE(location);
    for (int kind = 0; kind < 3; ++kind) {
      CAPTURE(kind);
      FakeTransport t;
      t.script = {redirect(302, location), answer(200)};
      World w;
      CountingSigner s;
      Signer signer = kind == 0   ? s.basic()
                      : kind == 1 ? s.api_key(auth::KeyLocation::query)
                                  : s.api_key(auth::KeyLocation::header);
      auto request = get("https://api.example.com/hook?a=1");
      request.headers.add("Cookie", "session=abc");
      request.headers.add("X-Trace", "kept");
      auto policy = with_credentials();
      policy.follow_redirects = true;
      auto r = send(t, request, signer, policy, {}, w.env());
      REQUIRE(r);
      CHECK(r->status == 200);
      REQUIRE(t.requests.size() == 2);
      CHECK(s.calls == 1);
      const auto& second = t.requests[1];
      CHECK_FALSE(test::contains(second.url, "api.example.com/hook"));
      CHECK_FALSE(second.headers.has("Authorization"));
      CHECK_FALSE(second.headers.has("api_key"));
      CHECK_FALSE(second.headers.has("Cookie"));
      CHECK(second.headers.get("X-Trace") == "kept");
      CHECK_FALSE(test::contains(second.url, "api_key"));
      CHECK_FALSE(test::contains(second.url, "k3y-s3cret"));
      CHECK(std::any_of(w.notes.begin(), w.notes.end(),
                        [](const std::string& n) { return test::contains(n, "another origin"); }));
    }
  }
  SUBCASE("and none when it comes back to the first origin") {
    FakeTransport t;
    t.script = {redirect(302, "https://other.example.net/x"), redirect(302, "https://api.example.com/back"),
                answer(200)};
    World w;
    CountingSigner s;
    auto policy = with_credentials();
    policy.follow_redirects = true;
    REQUIRE(send(t, get("https://api.example.com/hook"), s.basic(), policy, {}, w.env()));
    REQUIRE(t.requests.size() == 3);
    CHECK(t.requests[2].url == "https://api.example.com/back");
    CHECK_FALSE(t.requests[2].headers.has("Authorization"));
    CHECK(s.calls == 1);
  }
}

TEST_CASE("redirects change the method as RFC 9110 section 15.4 says") {
  auto follow = [](long status, std::string method) {
    FakeTransport t;
    t.script = {redirect(status, "/status"), answer(200)};
    World w;
    auto request = get("https://api.example.com/hook");
    request.method = std::move(method);
    request.body = "{\"event\":1}";
    request.headers.add("Content-Type", "application/json");
    request.headers.add("Content-Length", "11");
    SendPolicy policy;
    policy.follow_redirects = true;
    auto r = send(t, request, Signer{}, policy, {}, w.env());
    REQUIRE(r);
    REQUIRE(t.requests.size() == 2);
    return t.requests[1];
  };
  SUBCASE("303 turns POST into GET without a body") {
    auto second = follow(303, "POST");
    CHECK(second.method == "GET");
    CHECK(second.body.empty());
    CHECK_FALSE(second.headers.has("Content-Type"));
    CHECK_FALSE(second.headers.has("Content-Length"));
    CHECK(second.url == "https://api.example.com/status");
    CHECK(follow(303, "PUT").method == "GET");
  }
  SUBCASE("301 and 302 turn POST into GET, not PUT") {
    CHECK(follow(301, "POST").method == "GET");
    CHECK(follow(302, "POST").method == "GET");
    auto put = follow(302, "PUT");
    CHECK(put.method == "PUT");
    CHECK(put.body == "{\"event\":1}");
  }
  SUBCASE("307 and 308 keep method and body") {
    for (long status : {307L, 308L}) {
      auto second = follow(status, "POST");
      CHECK(second.method == "POST");
      CHECK(second.body == "{\"event\":1}");
      CHECK(second.headers.get("Content-Type") == "application/json");
    }
  }
}

TEST_CASE("redirect limits and odd redirects") {
  SUBCASE("more than max_redirects is an error") {
    FakeTransport t;
    t.script = {redirect(302, "/again")};
    World w;
    SendPolicy policy;
    policy.follow_redirects = true;
    policy.max_redirects = 2;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    REQUIRE_FALSE(r);
    CHECK(test::contains(r.error().message, "more than 2 redirects"));
    CHECK(t.requests.size() == 3);
  }
  SUBCASE("a redirect without Location is the answer") {
    FakeTransport t;
    t.script = {answer(302), answer(200)};
    World w;
    SendPolicy policy;
    policy.follow_redirects = true;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    REQUIRE(r);
    CHECK(r->status == 302);
    CHECK(t.requests.size() == 1);
  }
  SUBCASE("a redirect to another scheme is refused") {
    FakeTransport t;
    t.script = {redirect(302, "ftp://files.example.com/x"), answer(200)};
    World w;
    SendPolicy policy;
    policy.follow_redirects = true;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
    CHECK_FALSE(r);
    CHECK(t.requests.size() == 1);
  }
  SUBCASE("300 and 304 are not redirects to follow") {
    for (long status : {300L, 304L}) {
      FakeTransport t;
      t.script = {redirect(status, "/x"), answer(200)};
      World w;
      SendPolicy policy;
      policy.follow_redirects = true;
      auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env());
      REQUIRE(r);
      CHECK(r->status == status);
      CHECK(t.requests.size() == 1);
    }
  }
}

TEST_CASE("send gives the receiver's answer that came before an error, and only that one") {
  World w;
  std::optional<Response> before;
  SUBCASE("a challenge that cannot be answered") {
    FakeTransport t;
    t.script = {answer(401, {{"WWW-Authenticate", "Digest realm=\"r\""}}), answer(200)};
    Signer s{{}, [](const Response&) -> Result<bool> { return fail(ExitCode::auth_flow, "no usable challenge"); }};
    auto r = send(t, get("https://api.example.com/hook"), s, SendPolicy{}, {}, w.env(), &before);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ExitCode::auth_flow);
    REQUIRE(before);
    CHECK(before->status == 401);
    CHECK(before->headers.get("WWW-Authenticate") == "Digest realm=\"r\"");
  }
  SUBCASE("a challenge taken whose answer cannot be signed") {
    FakeTransport t;
    t.script = {answer(401), answer(200)};
    int signs = 0;
    Signer s{[&](auth::Request&) -> Result<void> {
               if (signs++ == 0) return {};
               return fail(ExitCode::auth_flow, "token refresh refused");
             },
             [](const Response&) -> Result<bool> { return true; }};
    auto r = send(t, get("https://api.example.com/hook"), s, SendPolicy{}, {}, w.env(), &before);
    REQUIRE_FALSE(r);
    REQUIRE(before);
    CHECK(before->status == 401);
    CHECK(t.requests.size() == 1);
  }
  SUBCASE("too many redirects") {
    FakeTransport t;
    t.script = {redirect(302, "/again")};
    SendPolicy policy;
    policy.follow_redirects = true;
    policy.max_redirects = 1;
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, policy, {}, w.env(), &before);
    REQUIRE_FALSE(r);
    REQUIRE(before);
    CHECK(before->status == 302);
  }
  SUBCASE("a network error after a challenge answered: no answer") {
    FakeTransport t;
    t.script = {answer(401), network_error()};
    Signer s{{}, [](const Response&) -> Result<bool> { return true; }};
    auto r = send(t, get("https://api.example.com/hook"), s, SendPolicy{}, {}, w.env(), &before);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ExitCode::network);
    CHECK_FALSE(before);
  }
  SUBCASE("an answer is not an error") {
    FakeTransport t;
    t.script = {answer(500)};
    auto r = send(t, get("https://api.example.com/hook"), Signer{}, SendPolicy{}, {}, w.env(), &before);
    REQUIRE(r);
    CHECK(r->status == 500);
    CHECK_FALSE(before);
  }
}

TEST_CASE("check_transport_security") {
  auto policy = with_credentials();
  SUBCASE("refuses credentials over http to a host outside loopback") {
    for (const char* url :
         {"http://example.com/hook", "http://10.0.0.1:8080/", "http://128.0.0.1/", "http://127.0.0.1.example.com/"}) {
      CAPTURE(url);
      auto r = check_transport_security(url, policy);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--allow-insecure-http"));
    }
    FakeTransport t;
    World w;
    CountingSigner s;
    CHECK_FALSE(send(t, get("http://example.com/hook"), s.basic(), policy, {}, w.env()));
    CHECK(t.requests.empty());
    CHECK(s.calls == 0);
  }
  SUBCASE("allows loopback") {
    for (const char* url : {"http://127.0.0.1:8080/hook", "http://127.5.5.5/", "http://localhost:9000/",
                            "http://LOCALHOST/", "http://[::1]:8080/"}) {
      CAPTURE(url);
      auto r = check_transport_security(url, policy);
      CHECK_MESSAGE(r, test::error_of(r));
    }
  }
  SUBCASE("allows https, no credentials, and --allow-insecure-http") {
    CHECK(check_transport_security("https://example.com/", policy));
    CHECK(check_transport_security("http://example.com/", SendPolicy{}));
    auto insecure = policy;
    insecure.allow_insecure_http = true;
    CHECK(check_transport_security("http://example.com/", insecure));
  }
  SUBCASE("refuses what is not an http(s) URL") {
    CHECK_FALSE(check_transport_security("ftp://example.com/", SendPolicy{}));
    CHECK_FALSE(check_transport_security("/relative", SendPolicy{}));
  }
}

}  // namespace hookauth::net

TEST_CASE("sender: remove_query_params drops the named parameters, keeps the rest and the fragment") {
  using hookauth::net::remove_query_params;
  CHECK(remove_query_params("http://h/p?api_key=s3&x=1#f", {"api_key"}) == "http://h/p?x=1#f");
  CHECK(remove_query_params("http://h/p?api%5Fkey=s3", {"api_key"}) == "http://h/p");
  CHECK(remove_query_params("http://h/p?x=1", {"api_key"}) == "http://h/p?x=1");
  CHECK(remove_query_params("http://h/p", {"api_key"}) == "http://h/p");
}
