#include "session/probe.hpp"

#include <doctest/doctest.h>

#include "fake_transport.hpp"
#include "test_support.hpp"

namespace hookauth::session {

namespace {

using test::answer;
using test::FakeTransport;

const ProbeCheck& check(std::string_view id) {
  for (const auto& c : probe_checks())
    if (c.id == id) return c;
  FAIL("no check " << id);
  throw std::logic_error("unreachable");
}

Authorization basic() {
  Authorization a;
  a.name = "partner";
  a.type = "basic";
  a.credentials = auth::BasicCredentials{"acme", "correct horse"};
  a.redactor = auth::redactor_for(a.credentials);
  return a;
}

SignerDeps deps() {
  SignerDeps d;
  d.now = [] { return test::at(1440938160); };
  d.random_bytes = [](std::size_t n) -> Result<std::string> { return std::string(n, 'r'); };
  return d;
}

auth::Request base() {
  auth::Request r;
  r.method = "POST";
  r.url = "http://127.0.0.1:9/hook";
  r.body = "{}";
  return r;
}

}  // namespace

TEST_CASE("probe judge: refused is a 4xx but 404, 405, 408 and 429; accepted a 2xx; anything else an error") {
  const auto& refused = check("basic-wrong-password");  // MUST, expects refused
  const auto& accepted = check("basic-scheme-case");    // SHOULD, expects accepted
  struct Row {
    long status;
    ProbeVerdict when_refused_expected, when_accepted_expected;
  };
  for (auto row :
       {Row{401, ProbeVerdict::pass, ProbeVerdict::warn}, Row{403, ProbeVerdict::pass, ProbeVerdict::warn},
        Row{400, ProbeVerdict::pass, ProbeVerdict::warn}, Row{200, ProbeVerdict::fail, ProbeVerdict::pass},
        Row{204, ProbeVerdict::fail, ProbeVerdict::pass}, Row{404, ProbeVerdict::error, ProbeVerdict::error},
        Row{405, ProbeVerdict::error, ProbeVerdict::error}, Row{408, ProbeVerdict::error, ProbeVerdict::error},
        Row{429, ProbeVerdict::error, ProbeVerdict::error}, Row{500, ProbeVerdict::error, ProbeVerdict::error},
        Row{302, ProbeVerdict::error, ProbeVerdict::error}}) {
    CAPTURE(row.status);
    CHECK(judge(refused, answer(row.status)).verdict == row.when_refused_expected);
    CHECK(judge(accepted, answer(row.status)).verdict == row.when_accepted_expected);
  }
  auto none = judge(refused, fail(ExitCode::network, "connection refused"));
  CHECK(none.verdict == ProbeVerdict::error);
  CHECK(none.status == 0);
  CHECK(none.reason == "connection refused");
}

TEST_CASE("probe judge: a challenge check wants 401 with that scheme among the challenges") {
  const auto& challenge = check("basic-challenge");
  CHECK(judge(challenge, answer(401, {{"WWW-Authenticate", "Basic realm=\"x\""}})).verdict == ProbeVerdict::pass);
  CHECK(judge(challenge, answer(401, {{"WWW-Authenticate", "Digest realm=\"x\", nonce=\"n\", Basic realm=\"y\""}}))
            .verdict == ProbeVerdict::pass);
  CHECK(judge(challenge, answer(401, {{"WWW-Authenticate", "basic realm=\"x\""}})).verdict == ProbeVerdict::pass);
  auto bare = judge(challenge, answer(401));
  CHECK(bare.verdict == ProbeVerdict::warn);
  CHECK(bare.reason == "401 without WWW-Authenticate: Basic");
  CHECK(judge(challenge, answer(401, {{"WWW-Authenticate", "Bearer"}})).verdict == ProbeVerdict::warn);
  CHECK(judge(challenge, answer(403)).verdict == ProbeVerdict::warn);
  CHECK(judge(challenge, answer(503)).verdict == ProbeVerdict::error);
}

TEST_CASE("probe selection: the type's checks, ids and prefixes, the baseline always first") {
  Authorization a = basic();
  auto all = select_checks(a, {});
  REQUIRE(all);
  CHECK((*all)[0]->id == "baseline");
  CHECK(std::ranges::all_of(*all, [](const ProbeCheck* c) {
    return c->id == "baseline" || c->id == "no-credentials" || c->id.starts_with("basic-");
  }));
  ProbeOptions only;
  only.only = {"basic-password-"};
  only.skip = {"basic-password-longer"};
  auto some = select_checks(a, only);
  REQUIRE(some);
  REQUIRE(some->size() == 2);
  CHECK((*some)[1]->id == "basic-password-prefix");
  ProbeOptions unknown;
  unknown.only = {"sig-"};  // no payload signature: no sig- check applies
  CHECK(test::error_of(select_checks(a, unknown)) ==
        "'sig-' names no check of basic (see 'hookauth webhook probe --list')");
  Authorization none;
  none.name = "open";
  CHECK(test::error_of(select_checks(none, {})) ==
        "nothing to probe: 'open' is none (see 'hookauth webhook probe --list')");
}

TEST_CASE("probe run: a refused baseline ends the run; each request carries its check id") {
  Authorization a = basic();
  ProbeContext context{a, {}, deps(), {}, {}, {}};
  auto signer = make_signer(a, context.options, context.deps);
  REQUIRE(signer);
  context.signer = std::move(*signer);
  auto checks = select_checks(a, {});
  REQUIRE(checks);
  ProbeOptions options;
  options.delay = std::chrono::milliseconds(0);
  int sleeps = 0;
  options.env.sleep = [&](std::chrono::milliseconds) { ++sleeps; };
  options.env.random_unit = [] { return 0.5; };
  options.env.now = [] { return test::at(1440938160); };
  options.env.note = [](const std::string&) {};

  SUBCASE("refused baseline") {
    FakeTransport t;
    t.script = {answer(401, {{"WWW-Authenticate", "Basic realm=\"partner\""}})};
    auto results = run_probe(context, base(), *checks, t, options);
    REQUIRE(results);
    REQUIRE(results->size() == 1);
    CHECK((*results)[0].verdict == ProbeVerdict::fail);
    CHECK((*results)[0].reason == "refused with 401");
    CHECK((*results)[0].challenge == "Basic realm=\"partner\"");
    CHECK(t.requests.size() == 1);
  }
  SUBCASE("a receiver that accepts everything") {
    FakeTransport t;
    t.script = {answer(200)};
    options.delay = std::chrono::milliseconds(5);
    auto results = run_probe(context, base(), *checks, t, options);
    REQUIRE(results);
    CHECK(results->size() == checks->size());
    CHECK(t.requests.size() == checks->size());
    for (std::size_t i = 0; i < t.requests.size(); ++i)
      CHECK(t.requests[i].headers.get("X-Hookauth-Probe") == std::string((*checks)[i]->id));
    CHECK(sleeps == static_cast<int>(checks->size()) - 1);
    CHECK((*results)[0].verdict == ProbeVerdict::pass);
    CHECK(t.requests[0].headers.get("Authorization") == "Basic YWNtZTpjb3JyZWN0IGhvcnNl");
    CHECK_FALSE(t.requests[1].headers.has("Authorization"));  // no-credentials
  }
  SUBCASE("--dry-run sends nothing") {
    FakeTransport t;
    options.dry_run = true;
    auto results = run_probe(context, base(), *checks, t, options);
    REQUIRE(results);
    CHECK(t.requests.empty());
    CHECK(results->size() == checks->size());
    CHECK(std::ranges::all_of(*results, [](const ProbeResult& r) { return r.sent.has_value(); }));
  }
}

}  // namespace hookauth::session
