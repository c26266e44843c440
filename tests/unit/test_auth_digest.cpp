#include <doctest/doctest.h>

#include "auth/digest.hpp"

using namespace hookauth::auth;

namespace {
// RFC 7616 section 3.9.1. (Section 3.9.2's published values are wrong: erratum 4897.)
DigestChallenge rfc7616_challenge(const char* algorithm) {
  auto c = parse_challenges(std::string(R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=)") +
                            algorithm +
                            R"(, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", )"
                            R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")");
  REQUIRE(c);
  auto d = read_digest_challenge(c->front());
  REQUIRE(d);
  return *d;
}
const DigestSecrets mufasa{"Mufasa", "Circle of Life", "", false};
const DigestRequest get_index{"GET", "/dir/index.html", ""};
const char* rfc_cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
}  // namespace

TEST_CASE("digest: RFC 7616 section 3.9.1, MD5") {
  auto a = answer_digest(mufasa, rfc7616_challenge("MD5"), get_index, rfc_cnonce, 1);
  REQUIRE(a);
  CHECK(a->response == "8ca523f5e9506fed4657c9700eebdbec");
  CHECK(a->qop == "auth");
  CHECK(a->nc == "00000001");
  CHECK(a->authorization ==
        R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, )"
        R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
        R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")");
  CHECK(a->a1_redacted == "Mufasa:http-auth@example.org:[redacted]");
  CHECK(a->authorization.find("Circle") == std::string::npos);
}

TEST_CASE("digest: RFC 7616 section 3.9.1, SHA-256") {
  auto a = answer_digest(mufasa, rfc7616_challenge("SHA-256"), get_index, rfc_cnonce, 1);
  REQUIRE(a);
  CHECK(a->response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST_CASE("digest: RFC 2617 section 3.5, MD5 with qop auth") {
  auto c = parse_challenges(
      R"(Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", )"
      R"(opaque="5ccc069c403ebaf9f0171e9517f40e41")");
  REQUIRE(c);
  auto d = read_digest_challenge(c->front());
  REQUIRE(d);
  auto a = answer_digest({"Mufasa", "Circle Of Life", "", false}, *d, get_index, "0a4f113b", 1);
  REQUIRE(a);
  CHECK(a->response == "6629fae49393a05397450978507c4ef1");
}

TEST_CASE("digest: SHA-512-256 hashes with FIPS 180-4 SHA-512/256") {
  // FIPS 180-4 example "abc" (NIST CSRC example values for SHA-512/256).
  CHECK(hookauth::auth::crypto::hash_hex(hookauth::auth::crypto::Hash::sha512_256, "abc") ==
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

TEST_CASE("digest: no qop offered answers as RFC 2069, without nc or cnonce") {
  auto c = parse_challenges(R"(Digest realm="r", nonce="n")");
  REQUIRE(c);
  auto d = read_digest_challenge(c->front());
  REQUIRE(d);
  auto a = answer_digest({"u", "p", "", false}, *d, {"GET", "/", ""}, "cn", 1);
  REQUIRE(a);
  CHECK(a->qop.empty());
  CHECK(a->authorization.find("nc=") == std::string::npos);
  CHECK(a->authorization.find("cnonce=") == std::string::npos);
  CHECK(a->authorization.find("qop=") == std::string::npos);
  CHECK(a->response == hookauth::auth::crypto::hash_hex(crypto::Hash::md5, a->ha1 + ":n:" + a->ha2));
}

TEST_CASE("digest: auth-int hashes the real body, and is refused when not offered") {
  auto c = parse_challenges(R"(Digest realm="r", nonce="n", qop="auth-int")");
  REQUIRE(c);
  auto d = read_digest_challenge(c->front());
  REQUIRE(d);
  auto with_body = answer_digest({"u", "p", "", false}, *d, {"POST", "/h", "{\"a\":1}"}, "cn", 1);
  auto empty_body = answer_digest({"u", "p", "", false}, *d, {"POST", "/h", ""}, "cn", 1);
  REQUIRE(with_body);
  REQUIRE(empty_body);
  CHECK(with_body->qop == "auth-int");
  CHECK(with_body->a2 == "POST:/h:" + crypto::hash_hex(crypto::Hash::md5, "{\"a\":1}"));
  CHECK(with_body->response != empty_body->response);

  auto only_auth = parse_challenges(R"(Digest realm="r", nonce="n", qop="auth")");
  REQUIRE(only_auth);
  auto d2 = read_digest_challenge(only_auth->front());
  REQUIRE(d2);
  auto refused = answer_digest({"u", "p", "auth-int", false}, *d2, {"POST", "/h", "x"}, "cn", 1);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == hookauth::ExitCode::auth_flow);
}

TEST_CASE("digest: -sess algorithms fold the nonces into HA1") {
  auto c = parse_challenges(R"(Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256-sess)");
  REQUIRE(c);
  auto d = read_digest_challenge(c->front());
  REQUIRE(d);
  auto a = answer_digest({"u", "p", "", false}, *d, {"GET", "/", ""}, "cn", 2);
  REQUIRE(a);
  auto H = [](std::string s) { return crypto::hash_hex(crypto::Hash::sha256, s); };
  CHECK(a->ha1 == H(H("u:r:p") + ":n:cn"));
  CHECK(a->nc == "00000002");
  CHECK(a->authorization.find("algorithm=SHA-256-sess") != std::string::npos);
}

TEST_CASE("digest: userhash and UTF-8 usernames") {
  auto c =
      parse_challenges(R"(Digest realm="api@example.org", nonce="n", qop="auth", algorithm=SHA-256, userhash=true)");
  REQUIRE(c);
  auto d = read_digest_challenge(c->front());
  REQUIRE(d);
  auto a =
      answer_digest({"J\xC3\xA4s\xC3\xB8n Doe", "Secret, or not?", "", false}, *d, {"GET", "/doe.json", ""}, "c", 1);
  REQUIRE(a);
  // RFC 7616 section 3.9.2's userhash value (the username hash there is right; the response is not).
  CHECK(a->username == "5a1a8a47df5c298551b9b42ba9b05835174a5bd7d511ff7fe9191d8e946fc4e7");
  CHECK(a->authorization.find("userhash=true") != std::string::npos);

  auto plain = parse_challenges(R"(Digest realm="r", nonce="n", qop="auth", charset=UTF-8)");
  REQUIRE(plain);
  auto d2 = read_digest_challenge(plain->front());
  REQUIRE(d2);
  auto b = answer_digest({"J\xC3\xA4s\xC3\xB8n", "p", "", false}, *d2, {"GET", "/", ""}, "c", 1);
  REQUIRE(b);
  CHECK(b->authorization.find("username*=UTF-8''J%C3%A4s%C3%B8n") != std::string::npos);
}

TEST_CASE("digest: the strongest algorithm is picked, never MD5 when more is offered") {
  auto d = pick_digest_challenge({R"(Digest realm="r", nonce="1", algorithm=MD5, qop="auth")",
                                  R"(Digest realm="r", nonce="2", algorithm=SHA-256, qop="auth", Basic realm="r")",
                                  R"(Digest realm="r", nonce="3", algorithm=UNKNOWN-9, qop="auth")"});
  REQUIRE(d);
  CHECK(d->nonce == "2");
  auto e = pick_digest_challenge(
      {R"(Digest realm="r", nonce="1", algorithm=SHA-512-256)", R"(Digest realm="r", nonce="2", algorithm=SHA-256)"});
  REQUIRE(e);
  CHECK(e->nonce == "1");
}

TEST_CASE("digest: unusable challenges give an auth-flow error naming the problem") {
  struct Case {
    const char* header;
    const char* reason;
  };
  const Case cases[] = {
      {R"(Digest realm="r")", "no nonce"},
      {R"(Digest nonce="n")", "no realm"},
      {R"(Digest realm="r", nonce="n", algorithm=SHA-1)", "unknown algorithm"},
      {R"(Basic realm="r")", "no Digest challenge"},
      {R"(Digest realm="r, nonce="n")", "WWW-Authenticate"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.header);
    auto r = pick_digest_challenge({c.header});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == hookauth::ExitCode::auth_flow);
    CHECK(r.error().message.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("digest: without a Digest challenge, the error names what was offered") {
  auto basic = pick_digest_challenge({R"(Basic realm="partner")", R"(Bearer, basic realm="again")"});
  REQUIRE_FALSE(basic);
  CHECK(basic.error().message ==
        "the receiver asked for authorization but offered no Digest challenge: it offered Basic, Bearer, basic "
        "(WWW-Authenticate)");
  auto none = pick_digest_challenge({});
  REQUIRE_FALSE(none);
  CHECK(none.error().message ==
        "the receiver asked for authorization but offered no Digest challenge: it sent no WWW-Authenticate");
}

TEST_CASE("sign_digest: a profile that lists several qops answers with the first one offered") {
  DigestCredentials creds;
  creds.username = "u";
  creds.password = "p";
  creds.qop = "auth-int, auth";
  auto signed_with = [&](const char* challenge_text) -> std::string {
    auto c = parse_challenges(challenge_text);
    REQUIRE(c);
    auto d = read_digest_challenge(c->front());
    REQUIRE(d);
    Request r;
    r.method = "POST";
    r.url = "http://127.0.0.1:8080/hook";
    r.body = "{}";
    SignContext ctx;
    ctx.digest_challenge = &*d;
    ctx.cnonce = "cn";
    auto ok = sign_digest(creds, r, ctx);
    if (!ok) return "error: " + ok.error().message;
    return *r.headers.get("Authorization");
  };
  CHECK(signed_with(R"(Digest realm="r", nonce="n", qop="auth, auth-int")").find("qop=auth-int,") != std::string::npos);
  CHECK(signed_with(R"(Digest realm="r", nonce="n", qop="auth")").find("qop=auth,") != std::string::npos);
  CHECK(signed_with(R"(Digest realm="r", nonce="n", qop="auth-conf")") ==
        "error: the profile wants qop auth-int but the receiver offers auth-conf");

  creds.qop = "none";
  CHECK(signed_with(R"(Digest realm="r", nonce="n", qop="auth-int")").find("qop=auth-int,") != std::string::npos);

  // The challenge shared in advance offers the profile's qops.
  creds.qop = "auth-int,auth";
  creds.realm = "r";
  creds.nonce = "shared";
  auto pre = preshared_challenge(creds);
  REQUIRE(pre);
  CHECK(pre->qops == std::vector<std::string>{"auth-int", "auth"});
  creds.qop = "none";
  CHECK(preshared_challenge(creds)->qops.empty());
}

TEST_CASE("digest: a profile that wants a qop refuses a challenge without one, and its algorithms limit the pick") {
  auto c = parse_challenges(R"(Digest realm="r", nonce="n", algorithm=MD5)");
  REQUIRE(c);
  auto d = read_digest_challenge(c->front());
  REQUIRE(d);
  auto refused = answer_digest({"u", "p", "auth-int", false}, *d, {"POST", "/", "x"}, "cn", 1);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == hookauth::ExitCode::auth_flow);
  CHECK(answer_digest({"u", "p", "", false}, *d, {"POST", "/", "x"}, "cn", 1));
  CHECK(answer_digest({"u", "p", "none", false}, *d, {"POST", "/", "x"}, "cn", 1));
  auto only_md5 = pick_digest_challenge({R"(Digest realm="r", nonce="1", algorithm=MD5, qop="auth")"}, {"SHA-256"});
  REQUIRE_FALSE(only_md5);
  CHECK(only_md5.error().message ==
        "the receiver offers no Digest algorithm the profile allows: it offers MD5, the profile's --algorithm allows "
        "SHA-256");
  auto two = pick_digest_challenge({R"(Digest realm="r", nonce="1", algorithm=MD5, qop="auth")",
                                    R"(Digest realm="r", nonce="2", qop="auth", Digest realm="r", nonce="3", )"
                                    R"(algorithm=md5-sess, Basic realm="r")"},
                                   {"SHA-256", "SHA-512-256"});
  REQUIRE_FALSE(two);
  CHECK(two.error().message ==
        "the receiver offers no Digest algorithm the profile allows: it offers MD5, MD5-sess, the profile's "
        "--algorithm allows SHA-256, SHA-512-256");
  auto picked = pick_digest_challenge({R"(Digest realm="r", nonce="1", algorithm=SHA-512-256, qop="auth")",
                                       R"(Digest realm="r", nonce="2", algorithm=SHA-256, qop="auth")"},
                                      {"SHA-256", "MD5"});
  REQUIRE(picked);
  CHECK(picked->nonce == "2");
  auto injected = answer_digest({"acme\r\nX-Injected: yes", "p", "", false}, *d, {"GET", "/", ""}, "cn", 1);
  CHECK_FALSE(injected);
}
