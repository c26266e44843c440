#include "session/signer.hpp"

#include <doctest/doctest.h>

#include "auth/oauth2.hpp"
#include "auth/sigv4.hpp"
#include "fake_transport.hpp"
#include "session/token_source.hpp"
#include "store/state_file.hpp"
#include "test_support.hpp"

namespace hookauth::session {

namespace {

using test::answer;
using test::FakeTransport;

// A controllable world: the --at clock, the token clock, the monotonic clock and counted random bytes.
struct World {
  test::TempDir dir;
  FakeTransport token_endpoint;
  util::Clock::time_point now = test::at(1440938160);  // 2015-08-30T12:36:00Z
  std::chrono::steady_clock::time_point monotonic{};
  int random_calls = 0;
  std::vector<std::string> sigv4_traced, lines;

  SignerDeps deps() {
    SignerDeps d;
    d.now = [this] { return now; };
    d.token_now = [this] { return now; };
    d.monotonic = [this] { return monotonic; };
    d.random_bytes = [this](std::size_t n) -> Result<std::string> {
      ++random_calls;
      return std::string(n, static_cast<char>('a' + random_calls % 26));
    };
    d.make_transport = token_endpoint.factory();
    d.trace.sigv4 = [this](const auth::SigV4Steps& s) { sigv4_traced.push_back(s.canonical_request); };
    d.trace.line = [this](const std::string& s) { lines.push_back(s); };
    return d;
  }

  Authorization authorization(std::string name, auth::Credentials credentials) {
    Authorization a;
    a.name = std::move(name);
    a.credentials = std::move(credentials);
    a.redactor = auth::redactor_for(a.credentials);
    a.state = store::StateFile(dir / "state.json");
    return a;
  }
};

auth::Request request(std::string url = "http://127.0.0.1:8080/hook", std::string body = R"({"event":"ping"})") {
  auth::Request r;
  r.method = "POST";
  r.url = std::move(url);
  r.headers.add("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string authorization_of(const auth::Request& r) { return r.headers.get("Authorization").value_or(""); }

net::Response token_answer(const std::string& token) {
  return answer(200, {{"Content-Type", "application/json"}},
                R"({"access_token":")" + token + R"(","token_type":"Bearer","expires_in":3600})");
}

auth::OAuth2Credentials client_credentials() {
  auth::OAuth2Credentials c;
  c.grant = auth::OAuth2Grant::client_credentials;
  c.client_id = "hooks";
  c.client_secret = "client-secret-1";
  c.token_url = "http://127.0.0.1:9/token";
  c.refresh_margin = 30;
  return c;
}

// Signs a fresh copy of the request with one message's signer; the copy is returned.
auth::Request signed_with(net::Signer& s, auth::Request r = request()) {
  auto ok = s.sign(r);
  REQUIRE_MESSAGE(ok, test::error_of(ok));
  return r;
}

bool answer_challenge(net::Signer& s, const net::Response& r) {
  auto ok = s.on_challenge(r);
  REQUIRE_MESSAGE(ok, test::error_of(ok));
  return *ok;
}

}  // namespace

TEST_CASE("bearer signer: a 401 gets one refreshed token and one retry per message") {
  World w;
  w.token_endpoint.script = {token_answer("tok-1"), token_answer("tok-2"), token_answer("tok-3")};
  Authorization a = w.authorization("partner", client_credentials());
  auto signer = make_signer(a, {}, w.deps());
  REQUIRE(signer);
  CHECK((*signer)->carries_credentials());
  CHECK((*signer)->query_params().empty());
  auto m = (*signer)->message();
  REQUIRE(m);
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-1");
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-1");  // cached in the signer
  CHECK(w.token_endpoint.requests.size() == 1);
  CHECK(answer_challenge(*m, answer(401)));
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-2");
  CHECK(w.token_endpoint.requests.size() == 2);
  CHECK_FALSE(answer_challenge(*m, answer(401)));  // refused twice: the 401 is the caller's
  CHECK(w.token_endpoint.requests.size() == 2);
  // Every token used is a secret the redactor knows.
  CHECK(a.redactor.text("tok-1 tok-2") == "[redacted] [redacted]");
  // The token is cached for the next process.
  auto cached = store::load_token(*a.state, "partner");
  REQUIRE(cached);
  REQUIRE(*cached);
  CHECK((*cached)->token.access_token == "tok-2");
}

TEST_CASE("bearer signer: a token about to expire is refreshed before it is sent") {
  World w;
  w.token_endpoint.script = {token_answer("tok-1"), token_answer("tok-2")};
  Authorization a = w.authorization("partner", client_credentials());
  auto signer = make_signer(a, {}, w.deps());
  REQUIRE(signer);
  auto m = (*signer)->message();
  REQUIRE(m);
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-1");
  w.now += std::chrono::seconds(3600 - 30 - 1);
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-1");
  w.now += std::chrono::seconds(1);  // within --refresh-margin of expiry
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-2");
}

TEST_CASE("bearer signer: in a batch, one forced refresh per interval, and older messages re-signed") {
  World w;
  w.token_endpoint.script = {token_answer("tok-1"), token_answer("tok-2"), token_answer("tok-3")};
  Authorization a = w.authorization("partner", client_credentials());
  SignerOptions options;
  options.batch = true;
  auto signer = make_signer(a, options, w.deps());
  REQUIRE(signer);
  auto m1 = (*signer)->message(), m2 = (*signer)->message();
  REQUIRE(m1);
  REQUIRE(m2);
  signed_with(*m1);
  signed_with(*m2);
  CHECK(answer_challenge(*m1, answer(401)));  // refreshes: tok-2
  CHECK(w.token_endpoint.requests.size() == 2);
  CHECK(answer_challenge(*m2, answer(401)));  // signed with tok-1: sent again with tok-2, no refresh
  CHECK(w.token_endpoint.requests.size() == 2);
  CHECK(authorization_of(signed_with(*m2)) == "Bearer tok-2");

  auto m3 = (*signer)->message();
  REQUIRE(m3);
  CHECK(authorization_of(signed_with(*m3)) == "Bearer tok-2");
  w.monotonic += forced_refresh_interval - std::chrono::seconds(1);
  CHECK_FALSE(answer_challenge(*m3, answer(401)));  // a refresh 9 s ago: this 401 is the caller's
  CHECK(w.token_endpoint.requests.size() == 2);

  auto m4 = (*signer)->message();
  REQUIRE(m4);
  signed_with(*m4);
  w.monotonic += std::chrono::seconds(1);
  CHECK(answer_challenge(*m4, answer(401)));
  CHECK(w.token_endpoint.requests.size() == 3);
  CHECK(authorization_of(signed_with(*m4)) == "Bearer tok-3");
}

TEST_CASE("bearer signer: outside a batch the interval does not apply") {
  World w;
  w.token_endpoint.script = {token_answer("tok-1"), token_answer("tok-2"), token_answer("tok-3")};
  Authorization a = w.authorization("partner", client_credentials());
  auto signer = make_signer(a, {}, w.deps());
  REQUIRE(signer);
  for (int i = 0; i < 2; ++i) {
    auto m = (*signer)->message();
    REQUIRE(m);
    signed_with(*m);
    CHECK(answer_challenge(*m, answer(401)));
  }
  CHECK(w.token_endpoint.requests.size() == 3);
}

TEST_CASE("bearer signer: a token another process saved meanwhile answers the 401 without a request") {
  World w;
  w.token_endpoint.script = {token_answer("tok-1"), token_answer("tok-2")};
  auto credentials = client_credentials();
  Authorization a = w.authorization("partner", credentials);
  auto signer = make_signer(a, {}, w.deps());
  REQUIRE(signer);
  auto m = (*signer)->message();
  REQUIRE(m);
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-1");
  auth::OAuth2Token other;
  other.access_token = "tok-from-another-process";
  other.expires_at = w.now + std::chrono::seconds(3600);
  REQUIRE(store::save_token(*a.state, "partner", {token_fingerprint(credentials), other}));
  CHECK(answer_challenge(*m, answer(401)));
  CHECK(w.token_endpoint.requests.size() == 1);
  CHECK(authorization_of(signed_with(*m)) == "Bearer tok-from-another-process");
  CHECK(a.redactor.text("tok-from-another-process") == "[redacted]");
}

TEST_CASE("bearer signer: --dry-run uses the cached token and never asks for one") {
  World w;
  w.token_endpoint.script = {token_answer("tok-1")};
  Authorization a = w.authorization("partner", client_credentials());
  SignerOptions options;
  options.dry_run = true;
  auto signer = make_signer(a, options, w.deps());
  REQUIRE(signer);
  auto m = (*signer)->message();
  REQUIRE(m);
  auth::Request r = request();
  auto ok = m->sign(r);
  REQUIRE_FALSE(ok);
  CHECK(test::contains(ok.error().message, "no fresh cached token"));
  CHECK(w.token_endpoint.requests.empty());
}

namespace {

auth::DigestCredentials digest_credentials() {
  auth::DigestCredentials d;
  d.username = "Mufasa";
  d.password = "Circle of Life";
  return d;
}

net::Response digest_challenge(const std::string& nonce, bool stale = false) {
  return answer(401, {{"WWW-Authenticate",
                       "Digest realm=\"http-auth@example.org\", qop=\"auth\", "
                       "algorithm=SHA-256, nonce=\"" +
                           nonce + "\", opaque=\"op\"" + (stale ? ", stale=true" : "")}});
}

}  // namespace

TEST_CASE("digest signer: a challenge, a stale re-challenge, and the session remembered for the next process") {
  World w;
  Authorization a = w.authorization("partner", digest_credentials());
  SignerOptions options;
  options.origin = "http://127.0.0.1:8080";
  auto signer = make_signer(a, options, w.deps());
  REQUIRE(signer);
  auto m = (*signer)->message();
  REQUIRE(m);
  CHECK(authorization_of(signed_with(*m)).empty());  // nothing to answer yet
  CHECK(answer_challenge(*m, digest_challenge("nonce-1")));
  std::string first = authorization_of(signed_with(*m));
  CHECK(test::contains(first, "Digest username=\"Mufasa\""));
  CHECK(test::contains(first, "nonce=\"nonce-1\""));
  CHECK(test::contains(first, "nc=00000001"));
  CHECK(test::contains(first, "algorithm=SHA-256"));
  CHECK(test::contains(first, "cnonce=\"" + auth::crypto::hex_encode(std::string(16, 'b')) + "\""));
  // A stale nonce: the credentials were right, the new nonce is answered.
  CHECK(answer_challenge(*m, digest_challenge("nonce-2", true)));
  std::string second = authorization_of(signed_with(*m));
  CHECK(test::contains(second, "nonce=\"nonce-2\""));
  CHECK(test::contains(second, "nc=00000001"));
  // A fresh challenge after one was answered, without stale: the password is wrong.
  CHECK_FALSE(answer_challenge(*m, digest_challenge("nonce-3")));
  // -v shows the intermediate values, never the password.
  REQUIRE_FALSE(w.lines.empty());
  for (const auto& line : w.lines) CHECK_FALSE(test::contains(line, "Circle of Life"));

  // The next process answers the remembered nonce at once, with the next count.
  World next;
  Authorization b = next.authorization("partner", digest_credentials());
  b.state = a.state;
  auto signer2 = make_signer(b, options, next.deps());
  REQUIRE(signer2);
  auto m2 = (*signer2)->message();
  REQUIRE(m2);
  std::string third = authorization_of(signed_with(*m2));
  CHECK(test::contains(third, "nonce=\"nonce-2\""));
  CHECK(test::contains(third, "nc=00000002"));
  CHECK(next.token_endpoint.requests.empty());
}

TEST_CASE("digest signer: a challenge the profile cannot answer is an error") {
  World w;
  auto credentials = digest_credentials();
  credentials.algorithms = {"SHA-512-256"};
  Authorization a = w.authorization("partner", credentials);
  auto signer = make_signer(a, {}, w.deps());
  REQUIRE(signer);
  auto m = (*signer)->message();
  REQUIRE(m);
  signed_with(*m);
  CHECK_FALSE(m->on_challenge(digest_challenge("nonce-1")));
}

namespace {

// The AWS SigV4 test suite's credentials.
auth::AwsCredentials aws() {
  auth::AwsCredentials c;
  c.access_key = "AKIDEXAMPLE";
  c.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.region = "us-east-1";
  c.service = "service";
  return c;
}

}  // namespace

namespace {

// An AWS profile's provider as the signer sees it: the keys change once the real clock passes `rotate`.
struct RotatingKeys final : store::KeyProvider {
  util::Clock::time_point rotate;
  std::vector<util::Clock::time_point> asked;
  Result<void> fill(auth::Credentials& c, util::Clock::time_point now) override {
    asked.push_back(now);
    auto& a = std::get<auth::AwsCredentials>(c);
    bool rotated = now >= rotate;
    a.access_key = rotated ? "ASIANEW" : "ASIAOLD";
    a.secret_key = rotated ? "new-secret-key" : "old-secret-key";
    a.session_token = rotated ? "new-session-token" : "old-session-token";
    return {};
  }
};

}  // namespace

TEST_CASE("sigv4 signer: keys from a provider, asked before each signature with the real clock") {
  World w;
  Authorization a = w.authorization("s4", aws());
  auto keys = std::make_shared<RotatingKeys>();
  keys->rotate = w.now + std::chrono::hours(1);
  a.keys = keys;
  util::Clock::time_point real = w.now;
  SignerDeps deps = w.deps();
  deps.token_now = [&real] { return real; };  // --at stays at w.now
  auto signer = make_signer(a, {}, deps);
  REQUIRE(signer);
  auto m1 = (*signer)->message();
  REQUIRE(m1);
  auto first = signed_with(*m1);
  CHECK(test::contains(authorization_of(first), "Credential=ASIAOLD/20150830/"));
  CHECK(first.headers.get("X-Amz-Security-Token") == "old-session-token");
  real += std::chrono::hours(2);
  auto m2 = (*signer)->message();
  REQUIRE(m2);
  auto second = signed_with(*m2);
  CHECK(test::contains(authorization_of(second), "Credential=ASIANEW/20150830/"));  // still signed at --at
  CHECK(second.headers.get("X-Amz-Security-Token") == "new-session-token");
  CHECK(keys->asked == std::vector<util::Clock::time_point>{w.now, w.now + std::chrono::hours(2)});
  // The new secrets are redacted like the ones the authorization was loaded with.
  CHECK(a.redactor.text("new-secret-key new-session-token") == "[redacted] [redacted]");
  auth::VerifyContext context;
  context.now = w.now;
  second.headers.add("Host", "127.0.0.1:8080");
  auto rotated = std::get<auth::AwsCredentials>(a.credentials);
  rotated.access_key = "ASIANEW";
  rotated.secret_key = "new-secret-key";
  rotated.session_token = "new-session-token";
  auto verdict = auth::verify(rotated, second, context);
  CHECK_MESSAGE(verdict.valid, verdict.reason);
}

TEST_CASE("sigv4 signer: header signing and presigning, each verified by the receiver's check") {
  World w;
  Authorization a = w.authorization("s4", aws());
  for (bool presign : {false, true}) {
    CAPTURE(presign);
    SignerOptions options;
    options.presign = presign;
    options.expires = 300;
    auto signer = make_signer(a, options, w.deps());
    REQUIRE(signer);
    auto m = (*signer)->message();
    REQUIRE(m);
    auth::Request r = signed_with(*m, request("http://127.0.0.1:8080/hook?a=1"));
    CHECK(authorization_of(r).empty() == presign);
    CHECK(test::contains(r.url, "X-Amz-Signature=") == presign);
    CHECK(test::contains(r.url, "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request") ==
          presign);
    auto params = (*signer)->query_params();
    CHECK(params.empty() == !presign);
    if (presign)
      for (const auto* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                               "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
        CHECK(test::contains(r.url, std::string(name) + "="));
        CHECK(std::ranges::find(params, name) != params.end());
      }
    auth::VerifyContext context;
    context.now = w.now;
    r.headers.add("Host", "127.0.0.1:8080");  // as the receiver gets it
    auto verdict = auth::verify(a.credentials, r, context);
    CHECK_MESSAGE(verdict.valid, verdict.reason);
  }
  CHECK(w.sigv4_traced.size() == 2);
}

TEST_CASE("make_signer: --presign needs aws-sigv4; No Auth carries nothing") {
  World w;
  Authorization basic = w.authorization("b", auth::BasicCredentials{"user", "pw"});
  SignerOptions options;
  options.presign = true;
  auto refused = make_signer(basic, options, w.deps());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "--presign: only an aws-sigv4 authorization presigns URLs");
  Authorization none = w.authorization("", auth::NoAuth{});
  auto signer = make_signer(none, {}, w.deps());
  REQUIRE(signer);
  CHECK_FALSE((*signer)->carries_credentials());
  auto m = (*signer)->message();
  REQUIRE(m);
  CHECK(authorization_of(signed_with(*m)).empty());
  CHECK_FALSE(m->on_challenge);
}

TEST_CASE("payload signature over another type: both signed, one id per message, the inner query names kept") {
  World w;
  Authorization a =
      w.authorization("stacked", auth::ApiKeyCredentials{"api_key", "key-value-1", auth::KeyLocation::query});
  a.signature = auth::SignatureCredentials{};
  a.signature->secrets = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
  std::vector<std::string> signed_content;
  auto deps = w.deps();
  deps.trace.signature = [&](const auth::SignatureCredentials&, const auth::SignatureSteps& s) {
    signed_content.push_back(s.content);
  };
  auto signer = make_signer(a, {}, deps);
  REQUIRE(signer);
  CHECK((*signer)->carries_credentials());
  CHECK((*signer)->query_params() == std::vector<std::string>{"api_key"});

  auto given = (*signer)->message("msg_given");
  REQUIRE(given);
  auth::Request r = signed_with(*given);
  CHECK(test::contains(r.url, "api_key=key-value-1"));
  CHECK(r.headers.get("webhook-id") == "msg_given");
  auth::PayloadCheck check;
  check.now = w.now;
  auto verdict = auth::verify_payload(*a.signature, r, check);
  CHECK_MESSAGE(verdict.valid, verdict.reason);
  auth::VerifyContext context;
  context.now = w.now;
  CHECK(auth::verify(a.credentials, r, context).valid);
  // A retry of the same message keeps its id; another message gets a fresh one.
  CHECK(signed_with(*given).headers.get("webhook-id") == "msg_given");
  auto fresh1 = (*signer)->message(), fresh2 = (*signer)->message();
  REQUIRE(fresh1);
  REQUIRE(fresh2);
  auto id1 = signed_with(*fresh1).headers.get("webhook-id").value_or("");
  auto id2 = signed_with(*fresh2).headers.get("webhook-id").value_or("");
  CHECK(id1.starts_with("msg_"));
  CHECK(id2.starts_with("msg_"));
  CHECK(id1 != id2);
  CHECK(signed_content.size() == 4);
  CHECK(signed_content.front() == "msg_given.1440938160." + request().body);
}

TEST_CASE("payload signature over Digest: the challenge is still the inner signer's") {
  World w;
  Authorization a = w.authorization("stacked", digest_credentials());
  a.signature = auth::SignatureCredentials{};
  a.signature->scheme = auth::SignatureScheme::github;
  a.signature->secrets = {"It's a Secret to Everybody"};
  auto signer = make_signer(a, {}, w.deps());
  REQUIRE(signer);
  auto m = (*signer)->message("id-1");
  REQUIRE(m);
  auth::Request r = signed_with(*m);
  CHECK(r.headers.has("X-Hub-Signature-256"));
  CHECK_FALSE(r.headers.has("Authorization"));
  REQUIRE(m->on_challenge);
  CHECK(answer_challenge(*m, digest_challenge("nonce-1")));
  r = signed_with(*m);
  CHECK(r.headers.has("X-Hub-Signature-256"));
  CHECK(test::contains(authorization_of(r), "nonce=\"nonce-1\""));
}

}  // namespace hookauth::session
