#include <doctest/doctest.h>

#include <chrono>

#include "auth/digest.hpp"
#include "test_support.hpp"

using namespace hookauth;
using namespace hookauth::auth;

namespace {

const char* password = "Circle of Life";

DigestCredentials digest_receiver() {
  DigestCredentials c;
  c.username = "Mufasa";
  c.password = password;
  c.realm = "hooks@example.org";
  return c;
}

using test::at;

Request post(std::string target = "/hook", std::string body = "{}") {
  Request r;
  r.method = "POST";
  r.url = std::move(target);
  r.body = std::move(body);
  return r;
}

// The receiver's first 401: a request without Authorization, answered with its challenges.
std::vector<std::string> challenges_for(const DigestCredentials& c, VerifyContext& ctx) {
  Verdict v = verify_digest(c, post(), ctx);
  REQUIRE_FALSE(v.valid);
  CHECK(v.reason == "no Authorization header");
  return v.challenges;
}

// The challenge a sender would answer, read from the receiver's WWW-Authenticate values.
DigestChallenge issued(const DigestCredentials& c, VerifyContext& ctx) {
  auto picked = pick_digest_challenge(challenges_for(c, ctx));
  REQUIRE(picked);
  return *picked;
}

DigestSecrets secrets_of(const DigestCredentials& c, std::string qop = "") {
  return DigestSecrets{c.username, c.password, std::move(qop), c.userhash};
}

// request with an Authorization header answering challenge.
Request answered(Request request, const DigestSecrets& s, const DigestChallenge& challenge, std::uint32_t nc = 1,
                 std::string_view cnonce = "0a4f113b") {
  auto a = answer_digest(s, challenge, {request.method, request.url, request.body}, cnonce, nc);
  REQUIRE(a);
  request.headers.set("Authorization", a->authorization);
  return request;
}

// Replaces the first "name=value" parameter of an Authorization value (value up to ", " or end).
std::string with_param(std::string header, const std::string& name, const std::string& value) {
  auto at = header.find(" " + name + "=");
  REQUIRE(at != std::string::npos);
  auto start = at + name.size() + 2;
  auto end = header.find(", ", start);
  header.replace(start, end == std::string::npos ? std::string::npos : end - start, value);
  return header;
}

Request with_header(Request r, const std::string& value) {
  r.headers.set("Authorization", value);
  return r;
}

}  // namespace

TEST_CASE("verify_digest: a nonce this receiver issued is accepted once per nonce count") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  auto ch = issued(c, ctx);
  CHECK(ch.realm == "hooks@example.org");
  CHECK(ch.qops == std::vector<std::string>{"auth"});

  auto r1 = answered(post(), secrets_of(c), ch, 1);
  Verdict v = verify_digest(c, r1, ctx);
  CHECK(v.valid);
  CHECK(v.reason == "");
  CHECK(v.challenges.empty());

  Verdict replay = verify_digest(c, r1, ctx);
  CHECK_FALSE(replay.valid);
  CHECK(test::contains(replay.reason, "00000001 was already used with this nonce (replay)"));
  CHECK_FALSE(replay.challenges.empty());

  CHECK(verify_digest(c, answered(post(), secrets_of(c), ch, 2), ctx).valid);
  // A count is not required to grow, only to be new for this nonce.
  CHECK(verify_digest(c, answered(post(), secrets_of(c), ch, 7), ctx).valid);
  CHECK_FALSE(verify_digest(c, answered(post(), secrets_of(c), ch, 2), ctx).valid);
}

TEST_CASE("verify_digest: nonces this receiver did not issue are refused") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  auto ch = issued(c, ctx);
  auto s = secrets_of(c);

  SUBCASE("made with another key") {
    auto forged = ch;
    forged.nonce = make_digest_nonce("another key", ctx.now, 1, c.realm);
    Verdict v = verify_digest(c, answered(post(), s, forged), ctx);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "nonce was not issued by this receiver");
  }
  SUBCASE("the HMAC altered") {
    auto forged = ch;
    forged.nonce.back() = forged.nonce.back() == 'A' ? 'B' : 'A';
    CHECK(verify_digest(c, answered(post(), s, forged), ctx).reason == "nonce was not issued by this receiver");
  }
  SUBCASE("another serial under the same HMAC") {
    auto forged = ch;
    auto dot = forged.nonce.find('.');
    forged.nonce.insert(dot + 1, "1");
    CHECK(verify_digest(c, answered(post(), s, forged), ctx).reason == "nonce was not issued by this receiver");
  }
  SUBCASE("garbage") {
    for (const char* nonce : {"x", "a.b.c", "..", "abc.def", "1.2.3.4", "zz.1.AAAA"}) {
      CAPTURE(nonce);
      auto forged = ch;
      forged.nonce = nonce;
      CHECK(verify_digest(c, answered(post(), s, forged), ctx).reason == "nonce was not issued by this receiver");
    }
  }
  SUBCASE("issued for another realm") {
    auto other = c;
    other.realm = "elsewhere";
    auto forged = ch;
    forged.nonce = make_digest_nonce(book.key(), ctx.now, 99, "elsewhere");
    CHECK(verify_digest(c, answered(post(), s, forged), ctx).reason == "nonce was not issued by this receiver");
  }
}

TEST_CASE("verify_digest: an expired nonce gets a stale=true challenge") {
  DigestNonceBook book("key-for-stale-tests", std::chrono::seconds(60));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  auto ch = issued(c, ctx);
  auto request = answered(post(), secrets_of(c), ch);

  VerifyContext later{at(1'700'000'000 + 60), &book};
  CHECK(verify_digest(c, request, later).valid);  // the last second of its lifetime

  VerifyContext expired{at(1'700'000'000 + 61), &book};
  Verdict v = verify_digest(c, answered(post(), secrets_of(c), ch, 2), expired);
  CHECK_FALSE(v.valid);
  CHECK(v.reason == "nonce expired");
  REQUIRE(v.challenges.size() == 1);
  CHECK(test::contains(v.challenges[0], ", stale=true"));
  auto fresh = pick_digest_challenge(v.challenges);
  REQUIRE(fresh);
  CHECK(fresh->stale);
  CHECK(fresh->nonce != ch.nonce);
  CHECK(verify_digest(c, answered(post(), secrets_of(c), *fresh), expired).valid);

  // Other refusals are not stale: the sender must not retry them as such.
  Verdict wrong = verify_digest(c, post(), ctx);
  CHECK_FALSE(test::contains(wrong.challenges.at(0), "stale"));

  // A nonce from too far in the future is not accepted either.
  VerifyContext before{at(1'700'000'000 - 61), &book};
  CHECK(verify_digest(c, answered(post(), secrets_of(c), ch, 3), before).reason == "nonce expired");
}

TEST_CASE("verify_digest: a pair is refused as a replay for as long as its nonce is accepted, then dropped") {
  const long long t = 1'700'000'000;
  DigestNonceBook book("key-for-expiry-tests", std::chrono::seconds(60));
  VerifyContext ctx{at(t), &book};
  auto c = digest_receiver();
  auto ch = issued(c, ctx);
  auto first = answered(post(), secrets_of(c), ch, 1);
  REQUIRE(verify_digest(c, first, ctx).valid);
  const std::string replay = "nonce count 00000001 was already used with this nonce (replay)";
  for (auto later : {at(t + 30), at(t + 60), at(t + 60) + std::chrono::milliseconds(999)}) {
    VerifyContext again{later, &book};
    CHECK(verify_digest(c, first, again).reason == replay);  // the last second of the nonce's lifetime included
  }
  CHECK(book.size() == 1);
  VerifyContext expired{at(t + 61), &book};
  CHECK(verify_digest(c, first, expired).reason == "nonce expired");

  // The next pair recorded drops the expired nonce's pairs: the book shrinks.
  VerifyContext next{at(t + 62), &book};
  auto fresh = issued(c, next);
  CHECK(verify_digest(c, answered(post(), secrets_of(c), fresh, 1), next).valid);
  CHECK(book.size() == 1);

  SUBCASE("a nonce dated ahead of this clock is held until its own expiry, not a lifetime after receipt") {
    // This clock is 30 s behind the one that issued the nonce (accepted: up to 60 s is).
    DigestNonceBook ahead("key-for-expiry-tests", std::chrono::seconds(60));
    VerifyContext behind{at(t - 30), &ahead};
    auto request = answered(post(), secrets_of(c), ch, 5);
    REQUIRE(verify_digest(c, request, behind).valid);
    VerifyContext near_end{at(t + 45), &ahead};
    CHECK(verify_digest(c, request, near_end).reason ==
          "nonce count 00000005 was already used with this nonce (replay)");
  }
}

TEST_CASE("verify_digest: a full nonce book refuses a right answer with stale=true, and no replay passes") {
  const long long t = 1'700'000'000;
  DigestNonceBook book("key-for-cap-tests", std::chrono::seconds(60), 2);
  VerifyContext ctx{at(t), &book};
  auto c = digest_receiver();
  auto ch = issued(c, ctx);
  CHECK(verify_digest(c, answered(post(), secrets_of(c), ch, 1), ctx).valid);
  CHECK(verify_digest(c, answered(post(), secrets_of(c), ch, 2), ctx).valid);

  VerifyContext mid{at(t + 30), &book};
  Verdict full = verify_digest(c, answered(post(), secrets_of(c), ch, 3), mid);
  CHECK_FALSE(full.valid);
  CHECK(
      full.reason ==
      "this receiver holds too many Digest nonce counts (its limit of 2, none yet expired): refused until some expire");
  // The password was right: stale=true lets the client ask again with the fresh nonce it is given.
  REQUIRE(full.challenges.size() == 1);
  CHECK(test::contains(full.challenges[0], ", stale=true"));
  auto again = pick_digest_challenge(full.challenges);
  REQUIRE(again);
  CHECK(again->nonce != ch.nonce);
  CHECK(verify_digest(c, answered(post(), secrets_of(c), *again, 1), mid).reason == full.reason);

  // A replay at the cap is still called a replay; a wrong password is still not stale.
  CHECK(verify_digest(c, answered(post(), secrets_of(c), ch, 1), mid).reason ==
        "nonce count 00000001 was already used with this nonce (replay)");
  auto wrong = secrets_of(c);
  wrong.password = "not it";
  Verdict refused = verify_digest(c, answered(post(), wrong, *again, 2), mid);
  CHECK(test::contains(refused.reason, "wrong response"));
  CHECK_FALSE(test::contains(refused.challenges.at(0), "stale"));
  CHECK(book.size() == 2);

  // Once the first nonce's pairs expire, the fresh nonce (issued at t + 30, so still alive) is
  // accepted and the book holds only its pair.
  VerifyContext later{at(t + 62), &book};
  CHECK(verify_digest(c, answered(post(), secrets_of(c), *again, 1), later).valid);
  CHECK(book.size() == 1);
}

TEST_CASE("verify_digest: each part of the answer must match") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  auto ch = issued(c, ctx);
  auto s = secrets_of(c);
  auto good = answered(post(), s, ch).headers.get("Authorization");
  REQUIRE(good);

  SUBCASE("uri") {
    auto r = answered(post("/other"), s, ch);
    r.url = "/hook";
    Verdict v = verify_digest(c, r, ctx);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == R"(uri "/other" is not the request target "/hook")");
    // The absolute form of the target is accepted when that is what the request line had.
    auto abs = post("http://example.org/hook?x=1");
    CHECK(verify_digest(c, answered(abs, s, ch), ctx).valid);
  }
  SUBCASE("realm") {
    auto wrong = ch;
    wrong.realm = "other@example.org";
    Verdict v = verify_digest(c, answered(post(), s, wrong), ctx);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == R"(realm "other@example.org" is not "hooks@example.org")");
  }
  SUBCASE("algorithm not offered") {
    auto sha = ch;
    sha.algorithm = {crypto::Hash::sha256, false};
    CHECK(verify_digest(c, answered(post(), s, sha), ctx).reason == "algorithm SHA-256 was not offered");
    CHECK(verify_digest(c, with_header(post(), with_param(*good, "algorithm", "SHA-1")), ctx).reason ==
          "algorithm SHA-1 was not offered");
    auto sess = ch;
    sess.algorithm = {crypto::Hash::md5, true};
    CHECK(verify_digest(c, answered(post(), s, sess), ctx).reason == "algorithm MD5-sess was not offered");
  }
  SUBCASE("qop not offered") {
    auto both = ch;
    both.qops = {"auth", "auth-int"};
    Verdict v = verify_digest(c, answered(post(), secrets_of(c, "auth-int"), both), ctx);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "qop auth-int was not offered");
  }
  SUBCASE("no qop when one was offered") {
    auto rfc2069 = ch;
    rfc2069.qops.clear();
    Verdict v = verify_digest(c, answered(post(), s, rfc2069), ctx);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "no qop, but the receiver offered qop auth");
  }
  SUBCASE("nc that is not 8 hex digits") {
    for (const char* nc : {"1", "0000001", "000000001", "0000000g", "-0000001", "+0000001"}) {
      CAPTURE(nc);
      Verdict v = verify_digest(c, with_header(post(), with_param(*good, "nc", nc)), ctx);
      CHECK_FALSE(v.valid);
      CHECK(v.reason == "nc \"" + std::string(nc) + "\" is not 8 hex digits");
    }
  }
  SUBCASE("missing cnonce with qop") {
    Verdict v = verify_digest(c, with_header(post(), with_param(*good, "cnonce", R"("")")), ctx);
    CHECK(v.reason == "qop auth needs a cnonce");
  }
  SUBCASE("missing parameters") {
    for (const char* name : {"realm", "nonce", "uri", "response"}) {
      CAPTURE(name);
      std::string h = *good;
      auto at = h.find(std::string(" ") + name + "=");
      auto end = h.find(", ", at);
      h.erase(at - 1, end - at + 1);
      CHECK(verify_digest(c, with_header(post(), h), ctx).reason == std::string("Digest credentials have no ") + name);
    }
  }
  SUBCASE("another scheme") {
    Verdict v = verify_digest(c, with_header(post(), "Basic TXVmYXNhOkNpcmNsZSBvZiBMaWZl"), ctx);
    CHECK(v.reason == "Authorization has 'Basic', expected 'Digest'");
    CHECK_FALSE(test::contains(v.reason, "TXVm"));
  }
  SUBCASE("username") {
    auto other = s;
    other.username = "Scar";
    CHECK(verify_digest(c, answered(post(), other, ch), ctx).reason == "unknown username");
  }
  SUBCASE("method") {
    auto r = answered(post(), s, ch);
    r.method = "PUT";
    CHECK(verify_digest(c, r, ctx).reason == "wrong response (password, method or uri differ)");
  }
}

TEST_CASE("verify_digest: a wrong password is refused without saying it") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  auto ch = issued(c, ctx);
  auto wrong = secrets_of(c);
  wrong.password = "Circle of Death";
  Verdict v = verify_digest(c, answered(post(), wrong, ch), ctx);
  CHECK_FALSE(v.valid);
  CHECK(v.reason == "wrong response (password, method or uri differ)");
  CHECK_FALSE(test::contains(v.reason, password));
  CHECK_FALSE(test::contains(v.reason, "Circle"));
  for (const auto& h : v.challenges) CHECK_FALSE(test::contains(h, password));
  // A refused answer does not use up its nonce count.
  CHECK(verify_digest(c, answered(post(), secrets_of(c), ch), ctx).valid);
}

TEST_CASE("verify_digest: userhash and username*") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};

  SUBCASE("userhash accepted when it is H(username:realm)") {
    auto c = digest_receiver();
    c.userhash = true;
    c.algorithms = {"SHA-256"};
    auto ch = issued(c, ctx);
    CHECK(ch.userhash);
    auto r = answered(post(), secrets_of(c), ch);
    auto h = *r.headers.get("Authorization");
    CHECK(test::contains(h, "username=\"" + crypto::hash_hex(crypto::Hash::sha256, "Mufasa:hooks@example.org")));
    CHECK(test::contains(h, "userhash=true"));
    CHECK_FALSE(test::contains(h, "Mufasa"));
    CHECK(verify_digest(c, r, ctx).valid);

    // A hash of another name, or of the name with another realm, is an unknown username.
    auto wrong = with_param(h, "username", quote(crypto::hash_hex(crypto::Hash::sha256, "Mufasa:elsewhere")));
    CHECK(verify_digest(c, with_header(post(), wrong), ctx).reason == "unknown username");
  }
  SUBCASE("userhash from a sender the receiver did not ask it of") {
    auto c = digest_receiver();
    auto ch = issued(c, ctx);
    auto s = secrets_of(c);
    s.userhash = true;
    CHECK(verify_digest(c, answered(post(), s, ch), ctx).valid);
  }
  SUBCASE("username* (RFC 8187)") {
    auto c = digest_receiver();
    c.username = "J\xc3\xa4s\xc3\xb8n Doe";
    auto ch = issued(c, ctx);
    auto r = answered(post(), secrets_of(c), ch);
    auto h = *r.headers.get("Authorization");
    CHECK(test::contains(h, "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"));
    CHECK(verify_digest(c, r, ctx).valid);

    CHECK(verify_digest(c, with_header(post(), with_param(h, "username*", "ISO-8859-1''J%E4s%F8n")), ctx).reason ==
          "username* is not UTF-8''-encoded");
    CHECK(verify_digest(c, with_header(post(), h + ", userhash=true"), ctx).reason ==
          "username* cannot be used with userhash");
  }
}

TEST_CASE("verify_digest: auth-int hashes the body received") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  c.qop = "auth, auth-int";
  auto ch = issued(c, ctx);
  CHECK(ch.qops == std::vector<std::string>{"auth", "auth-int"});
  auto s = secrets_of(c, "auth-int");

  CHECK(verify_digest(c, answered(post("/hook", R"({"event":"paid"})"), s, ch, 1), ctx).valid);

  SUBCASE("computed over an empty body") {
    auto r = answered(post("/hook", ""), s, ch, 2);
    r.body = R"({"event":"paid"})";
    Verdict v = verify_digest(c, r, ctx);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "wrong response: auth-int was computed over an empty body, not the body received");
  }
  SUBCASE("computed over another body") {
    auto r = answered(post("/hook", R"({"event":"refunded"})"), s, ch, 3);
    r.body = R"({"event":"paid"})";
    CHECK(verify_digest(c, r, ctx).reason == "wrong response (password, method, uri or body differ)");
  }
}

TEST_CASE("verify_digest: one challenge per configured algorithm, all with the same nonce") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  c.algorithms = {"SHA-512-256", "SHA-256", "MD5"};
  c.qop = "auth,auth-int";
  auto values = challenges_for(c, ctx);
  REQUIRE(values.size() == 3);
  std::string nonce;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto parsed = parse_challenges(values[i]);
    REQUIRE(parsed);
    REQUIRE(parsed->size() == 1);
    auto d = read_digest_challenge(parsed->front());
    REQUIRE(d);
    CHECK(digest_algorithm_name(d->algorithm) == c.algorithms[i]);
    CHECK(d->realm == c.realm);
    CHECK(d->qops == std::vector<std::string>{"auth", "auth-int"});
    CHECK(d->has_opaque);
    CHECK(d->charset_utf8);
    CHECK_FALSE(d->stale);
    if (i == 0) nonce = d->nonce;
    CHECK(d->nonce == nonce);
  }
  // Each 401 has a nonce of its own.
  auto again = challenges_for(c, ctx);
  CHECK(pick_digest_challenge(again)->nonce != nonce);

  // Each offered algorithm is accepted; the sender picks the strongest.
  auto picked = pick_digest_challenge(values);
  REQUIRE(picked);
  CHECK(picked->algorithm.hash == crypto::Hash::sha512_256);
  std::uint32_t nc = 0;  // one nonce for all three: each answer needs a count of its own
  for (auto alg : {DigestAlgorithm{crypto::Hash::sha512_256, false}, DigestAlgorithm{crypto::Hash::sha256, false},
                   DigestAlgorithm{crypto::Hash::md5, false}}) {
    auto ch = *picked;
    ch.algorithm = alg;
    CAPTURE(digest_algorithm_name(alg));
    CHECK(verify_digest(c, answered(post(), secrets_of(c), ch, ++nc), ctx).valid);
  }

  SUBCASE("the defaults: MD5, qop auth, realm hookauth") {
    DigestCredentials d;
    d.username = "u";
    d.password = "p";
    auto v = challenges_for(d, ctx);
    REQUIRE(v.size() == 1);
    CHECK(test::contains(v[0], R"(Digest realm="hookauth", qop="auth", algorithm=MD5, nonce=")"));
  }
  SUBCASE("qop none offers no qop and takes RFC 2069 answers") {
    auto n = digest_receiver();
    n.qop = "none";
    auto ch = issued(n, ctx);
    CHECK(ch.qops.empty());
    CHECK(verify_digest(n, answered(post(), secrets_of(n), ch), ctx).valid);
  }
}

TEST_CASE("verify_digest offline (no nonce book): any nonce, unless the profile shares one") {
  VerifyContext offline{at(1'700'000'000), nullptr};
  auto c = digest_receiver();
  DigestChallenge ch;
  ch.realm = c.realm;
  ch.nonce = "any-nonce-at-all";
  ch.qops = {"auth"};
  auto r = answered(post(), secrets_of(c), ch);
  Verdict v = verify_digest(c, r, offline);
  CHECK(v.valid);
  // No replay book: the same request is accepted again, and no challenge is made.
  CHECK(verify_digest(c, r, offline).valid);
  CHECK(verify_digest(c, post(), offline).challenges.empty());

  // RFC 2069 (no qop) is refused offline as `verify serve` refuses it: the profile offers qop=auth
  // by default (audit signing #6).
  auto rfc2069 = ch;
  rfc2069.qops.clear();
  CHECK(verify_digest(c, answered(post(), secrets_of(c), rfc2069), offline).reason ==
        "no qop, but the receiver offered qop auth");
  // A profile that offers no qop takes it; so does a shared nonce without a qop, whose preshared
  // challenge offers none (its sender answers as RFC 2069).
  auto no_qop = c;
  no_qop.qop = "none";
  CHECK(verify_digest(no_qop, answered(post(), secrets_of(c), rfc2069), offline).valid);
  auto shared_no_qop = c;
  shared_no_qop.nonce = rfc2069.nonce;
  REQUIRE(preshared_challenge(shared_no_qop));
  CHECK(preshared_challenge(shared_no_qop)->qops.empty());
  CHECK(verify_digest(shared_no_qop, answered(post(), secrets_of(c), rfc2069), offline).valid);
  auto wants_auth = c;
  wants_auth.qop = "auth";
  CHECK(verify_digest(wants_auth, answered(post(), secrets_of(c), rfc2069), offline).reason ==
        "no qop, but the receiver requires one of its offered qops");

  SUBCASE("a shared nonce must be the one used") {
    auto shared = c;
    shared.nonce = "shared-nonce-1";
    CHECK(verify_digest(shared, r, offline).reason == "nonce is not the profile's shared nonce");
    auto right = ch;
    right.nonce = "shared-nonce-1";
    CHECK(verify_digest(shared, answered(post(), secrets_of(c), right), offline).valid);
  }
  SUBCASE("the preshared challenge a sender builds from the same profile verifies") {
    auto shared = c;
    shared.nonce = "shared-nonce-2";
    shared.algorithms = {"SHA-256"};
    shared.qop = "auth";
    auto pre = preshared_challenge(shared);
    REQUIRE(pre);
    CHECK(verify_digest(shared, answered(post(), secrets_of(shared, "auth"), *pre, 5), offline).valid);
  }
}

TEST_CASE("verify_digest: no reason carries the password") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  c.qop = "auth,auth-int";
  auto ch = issued(c, ctx);
  auto good = *answered(post(), secrets_of(c), ch).headers.get("Authorization");
  std::vector<Request> requests = {
      post(),
      with_header(post(), "Digest garbage \"unterminated"),
      with_header(post(), with_param(good, "response", quote(password))),
      with_header(post(), with_param(good, "username", quote(password))),
      with_header(post(), with_param(good, "nonce", quote(password))),
      with_header(post(), with_param(good, "qop", "auth-int")),
  };
  for (const auto& r : requests) {
    Verdict v = verify_digest(c, r, ctx);
    CAPTURE(v.reason);
    CHECK_FALSE(v.valid);
    CHECK_FALSE(v.reason.empty());
    CHECK_FALSE(test::contains(v.reason, password));
  }
}

TEST_CASE("digest verify: stale=true only for a right answer on an expired nonce; absurd nonce times refused") {
  using namespace hookauth::auth;
  DigestCredentials c;
  c.username = "acme";
  c.password = "hunter22";
  DigestNonceBook book("k3y", std::chrono::seconds(10));
  VerifyContext ctx;
  ctx.now = hookauth::util::Clock::time_point(std::chrono::seconds(1'800'000'000));
  ctx.digest_nonces = &book;
  std::string nonce = make_digest_nonce("k3y", ctx.now, 1, "hookauth");
  DigestChallenge ch;
  ch.realm = "hookauth";
  ch.nonce = nonce;
  ch.qops = {"auth"};
  auto answer = [&](const std::string& password) {
    auto a = answer_digest({"acme", password, "auth", false}, ch, {"GET", "/x", ""}, "cn", 1);
    REQUIRE(a);
    Request r;
    r.url = "/x";
    r.headers.add("Authorization", a->authorization);
    return r;
  };
  ctx.now += std::chrono::seconds(60);
  auto wrong = verify_digest(c, answer("nope"), ctx);
  CHECK_FALSE(wrong.valid);
  CHECK(wrong.reason.find("wrong response") != std::string::npos);
  for (const auto& h : wrong.challenges) CHECK(h.find("stale=true") == std::string::npos);
  auto right = verify_digest(c, answer("hunter22"), ctx);
  CHECK(right.reason == "nonce expired");
  REQUIRE_FALSE(right.challenges.empty());
  CHECK(right.challenges[0].find("stale=true") != std::string::npos);

  Request absurd;
  absurd.url = "/x";
  absurd.headers.add("Authorization",
                     R"(Digest username="acme", realm="hookauth", nonce="7fffffffffffffff.1.AAAA", uri="/x", )"
                     R"(response="00", qop=auth, nc=00000001, cnonce="a", algorithm=MD5)");
  CHECK(verify_digest(c, absurd, ctx).reason == "nonce was not issued by this receiver");
}

TEST_CASE("verify_digest: a nonce count of zero, no username, and malformed credentials are refused, saying so") {
  DigestNonceBook book("0123456789abcdef0123456789abcdef", std::chrono::seconds(300));
  VerifyContext ctx{at(1'700'000'000), &book};
  auto c = digest_receiver();
  auto good = answered(post(), secrets_of(c), issued(c, ctx)).headers.get("Authorization");
  REQUIRE(good);

  Verdict zero = verify_digest(c, with_header(post(), with_param(*good, "nc", "00000000")), ctx);
  CHECK_FALSE(zero.valid);
  CHECK(zero.reason == "nc 00000000: the nonce count starts at 00000001");
  CHECK_FALSE(test::contains(zero.challenges.at(0), "stale"));

  std::string anonymous = *good;
  auto user = anonymous.find(" username=");
  REQUIRE(user != std::string::npos);
  anonymous.erase(user + 1, anonymous.find(", ", user) + 1 - user);
  CHECK(verify_digest(c, with_header(post(), anonymous), ctx).reason == "Digest credentials have no username");

  Verdict malformed = verify_digest(c, with_header(post(), *good + ", realm=\"again\""), ctx);
  CHECK_FALSE(malformed.valid);
  CHECK(malformed.reason.starts_with("malformed Digest credentials: "));
  CHECK_FALSE(malformed.challenges.empty());
}
