#include "auth/credentials.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "test_support.hpp"

namespace hookauth::auth {

TEST_CASE("type_name names each credentials type as the store does") {
  CHECK(type_name(NoAuth{}) == "none");
  CHECK(type_name(BasicCredentials{"u", "p"}) == "basic");
  CHECK(type_name(ApiKeyCredentials{"k", "v", KeyLocation::query}) == "api-key");
  CHECK(type_name(DigestCredentials{}) == "digest");
  CHECK(type_name(AwsCredentials{}) == "aws-sigv4");
  CHECK(type_name(OAuth2Credentials{}) == "oauth2");
}

TEST_CASE("sign and verify dispatch on the credentials type") {
  SignContext context;
  SUBCASE("none adds nothing and accepts anything") {
    Request r;
    r.url = "https://h.example/";
    REQUIRE(sign(NoAuth{}, r, context));
    CHECK(r.headers.items.empty());
    CHECK(r.url == "https://h.example/");
    CHECK(verify(NoAuth{}, r).valid);
  }
  SUBCASE("basic") {
    Credentials c = BasicCredentials{"Aladdin", "open sesame"};
    Request r;
    REQUIRE(sign(c, r, context));
    CHECK(r.headers.get("Authorization") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    CHECK(verify(c, r).valid);
    CHECK_FALSE(verify(BasicCredentials{"Aladdin", "other"}, r).valid);
    CHECK_FALSE(sign(BasicCredentials{"a:b", "p"}, r, context));
  }
  SUBCASE("api-key") {
    Credentials c = ApiKeyCredentials{"key", "v4lue", KeyLocation::query};
    Request r;
    r.url = "https://h.example/p";
    REQUIRE(sign(c, r, context));
    CHECK(r.url == "https://h.example/p?key=v4lue");
    CHECK(verify(c, r).valid);
    CHECK_FALSE(verify(ApiKeyCredentials{"key", "v4lue", KeyLocation::header}, r).valid);
  }
}

namespace {

constexpr const char* bearer_challenge = "Bearer realm=\"hookauth\"";
constexpr const char* invalid_token_challenge = "Bearer realm=\"hookauth\", error=\"invalid_token\"";

Request with_authorization(const char* value) {
  Request r;
  r.method = "POST";
  r.url = "/hook";
  if (value) r.headers.set("Authorization", value);
  return r;
}

OAuth2Credentials receiver() {
  OAuth2Credentials c;
  c.client_id = "receiver";
  c.client_secret = "receiver-secret";
  c.token_url = "https://auth.example.org/token";
  return c;
}

// A bearer check (introspection or a JWT check in the CLI) that records the tokens it is asked about
// and answers as told.
struct FakeCheck {
  BearerAnswer answer{true, ""};
  std::vector<std::string> asked;

  BearerCheck check() {
    BearerCheck b;
    b.check = [this](const std::string& token) {
      asked.push_back(token);
      return answer;
    };
    return b;
  }
};

}  // namespace

TEST_CASE("verify with OAuth 2.0 credentials: the bearer token (RFC 6750)") {
  const Credentials c = receiver();
  VerifyContext ctx;

  SUBCASE("without a way to check tokens, every request is refused, saying why") {
    Verdict v = verify(c, with_authorization("Bearer mF_9.B5f-4.1JqM"), ctx);
    CHECK_FALSE(v.valid);
    CHECK(v.reason.starts_with("no way to check a bearer token: give "));
    CHECK(test::contains(v.reason, "--expect-token"));
    CHECK(v.challenges == std::vector<std::string>{invalid_token_challenge});

    BearerCheck empty;
    ctx.bearer = &empty;
    Verdict e = verify(c, with_authorization("Bearer mF_9.B5f-4.1JqM"), ctx);
    CHECK_FALSE(e.valid);
    CHECK(e.reason == v.reason);
    CHECK(e.challenges == std::vector<std::string>{invalid_token_challenge});
  }
  SUBCASE("the expected token") {
    BearerCheck check;
    check.expected = "mF_9.B5f-4.1JqM";
    ctx.bearer = &check;

    Verdict ok = verify(c, with_authorization("Bearer mF_9.B5f-4.1JqM"), ctx);
    CHECK(ok.valid);
    CHECK(ok.reason.empty());
    CHECK(ok.challenges.empty());
    CHECK(verify(c, with_authorization("bearer   mF_9.B5f-4.1JqM "), ctx).valid);

    for (const char* other : {"Bearer mF_9.B5f-4.1Jq", "Bearer mF_9.B5f-4.1JqMx", "Bearer MF_9.B5F-4.1JQM"}) {
      CAPTURE(other);
      Verdict wrong = verify(c, with_authorization(other), ctx);
      CHECK_FALSE(wrong.valid);
      CHECK(wrong.reason == "the bearer token is not the expected one");
      CHECK(wrong.challenges == std::vector<std::string>{invalid_token_challenge});
      CHECK_FALSE(test::contains(wrong.reason, "mF_9"));
    }
  }
  SUBCASE("no token presented: a challenge without an error code (RFC 6750 3.1)") {
    BearerCheck check;
    check.expected = "mF_9.B5f-4.1JqM";
    ctx.bearer = &check;
    struct Case {
      const char* authorization;
      const char* reason;
    };
    for (const auto& k : {Case{nullptr, "no Authorization header"},
                          Case{"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Authorization has 'Basic', expected 'Bearer'"},
                          Case{"Bearer", "the Bearer token is empty"}}) {
      CAPTURE(k.reason);
      Verdict v = verify(c, with_authorization(k.authorization), ctx);
      CHECK_FALSE(v.valid);
      CHECK(v.reason == k.reason);
      CHECK(v.challenges == std::vector<std::string>{bearer_challenge});
    }
  }
  SUBCASE("the expected token is used rather than the check when both are there") {
    FakeCheck fake;
    BearerCheck check = fake.check();
    check.expected = "expected-token";
    ctx.bearer = &check;
    CHECK(verify(c, with_authorization("Bearer expected-token"), ctx).valid);
    CHECK_FALSE(verify(c, with_authorization("Bearer other-token"), ctx).valid);
    CHECK(fake.asked.empty());
  }
  SUBCASE("the caller's check (RFC 7662 introspection, a JWT): its verdict and reason") {
    FakeCheck fake;
    BearerCheck check = fake.check();
    ctx.bearer = &check;

    Verdict v = verify(c, with_authorization("Bearer 2YotnFZFEjr1zCsicMWpAA"), ctx);
    CHECK(v.valid);
    CHECK(v.reason.empty());
    CHECK(v.challenges.empty());
    CHECK(fake.asked == std::vector<std::string>{"2YotnFZFEjr1zCsicMWpAA"});

    for (const char* reason : {"the authorization server says the token is not active", "the token expired",
                               "introspection failed: the introspection endpoint did not answer: HTTP 503: down"}) {
      CAPTURE(reason);
      fake.answer = BearerAnswer{false, reason};
      Verdict refused = verify(c, with_authorization("Bearer 2YotnFZFEjr1zCsicMWpAA"), ctx);
      CHECK_FALSE(refused.valid);
      CHECK(refused.reason == reason);
      CHECK(refused.challenges == std::vector<std::string>{invalid_token_challenge});
    }

    // No token, no question asked.
    fake.asked.clear();
    Verdict none = verify(c, with_authorization(nullptr), ctx);
    CHECK_FALSE(none.valid);
    CHECK(none.challenges == std::vector<std::string>{bearer_challenge});
    CHECK(fake.asked.empty());
  }
}

TEST_CASE("sign with OAuth 2.0 credentials sends the context's bearer token") {
  const Credentials c = receiver();
  SignContext context;
  context.bearer_token = "mF_9.B5f-4.1JqM";
  Request r;
  r.url = "https://h.example/hook";
  REQUIRE(sign(c, r, context));
  CHECK(r.headers.get("Authorization") == "Bearer mF_9.B5f-4.1JqM");
  CHECK(r.url == "https://h.example/hook");
  CHECK_FALSE(test::contains(r.url, "client"));

  SUBCASE("an empty token is an error and adds nothing") {
    Request e;
    auto ok = sign(c, e, SignContext{});
    REQUIRE_FALSE(ok);
    CHECK(ok.error().code == ExitCode::auth_flow);
    CHECK(test::contains(ok.error().message, "no access token"));
    CHECK_FALSE(e.headers.has("Authorization"));
  }
  SUBCASE("what was signed verifies against the same expected token") {
    BearerCheck check;
    check.expected = "mF_9.B5f-4.1JqM";
    VerifyContext v;
    v.bearer = &check;
    CHECK(verify(c, r, v).valid);
  }
}

TEST_CASE("DigestNonceBook: a (nonce, nc) pair is held until its nonce expires, then dropped") {
  using std::chrono::seconds;
  const auto t = test::at(1'700'000'000);
  DigestNonceBook book("k", seconds(300));
  CHECK(book.capacity() == default_digest_nonce_capacity);
  CHECK(book.admit("n1", 1, t, t + seconds(301)) == Admission::first);
  CHECK(book.admit("n1", 2, t, t + seconds(301)) == Admission::first);
  CHECK(book.admit("n2", 1, t + seconds(10), t + seconds(311)) == Admission::first);
  CHECK(book.admit("n1", 1, t + seconds(10), t + seconds(301)) == Admission::replay);
  // A pair is not the nonce and the count run together: ("n11", 2) and ("n1", 12) are two pairs.
  CHECK(book.admit("n11", 2, t + seconds(10), t + seconds(301)) == Admission::first);
  CHECK(book.admit("n1", 12, t + seconds(10), t + seconds(301)) == Admission::first);
  CHECK(book.size() == 5);
  // Through the expiry's own instant the pair is still a replay.
  CHECK(book.admit("n1", 1, t + seconds(301), t + seconds(301)) == Admission::replay);
  CHECK(book.size() == 5);
  // After it, n1's pairs are dropped (n2's are not), and the book shrinks.
  CHECK(book.admit("n3", 1, t + seconds(302), t + seconds(603)) == Admission::first);
  CHECK(book.size() == 2);
  CHECK(book.admit("n2", 1, t + seconds(303), t + seconds(311)) == Admission::replay);
  CHECK(book.admit("n3", 1, t + seconds(700), t + seconds(603)) == Admission::first);
  CHECK(book.size() == 1);
}

TEST_CASE("DigestNonceBook: at its capacity, a new pair is refused and no held pair is evicted") {
  using std::chrono::seconds;
  const auto t = test::at(1'700'000'000);
  DigestNonceBook book("k", seconds(300), 2);
  CHECK(book.capacity() == 2);
  CHECK(book.admit("n1", 1, t, t + seconds(301)) == Admission::first);
  CHECK(book.admit("n2", 1, t + seconds(5), t + seconds(306)) == Admission::first);
  CHECK(book.admit("n1", 2, t + seconds(6), t + seconds(301)) == Admission::full);
  CHECK(book.admit("n1", 1, t + seconds(6), t + seconds(301)) == Admission::replay);
  CHECK(book.admit("n2", 1, t + seconds(7), t + seconds(306)) == Admission::replay);
  CHECK(book.size() == 2);
  // Once n1 expires its pair is dropped, which makes room for one new pair.
  CHECK(book.admit("n3", 1, t + seconds(302), t + seconds(603)) == Admission::first);
  CHECK(book.admit("n3", 2, t + seconds(302), t + seconds(603)) == Admission::full);
  CHECK(book.size() == 2);
}

}  // namespace hookauth::auth
