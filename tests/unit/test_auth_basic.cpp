#include "auth/basic.hpp"

#include <doctest/doctest.h>

#include "auth/crypto.hpp"
#include "test_support.hpp"

namespace hookauth::auth {

namespace {
Request with_authorization(const std::string& value) {
  Request r;
  r.headers.add("Authorization", value);
  return r;
}

const BasicCredentials aladdin{"Aladdin", "open sesame"};
}  // namespace

TEST_CASE("basic_authorization gives the RFC 7617 section 2 example") {
  auto value = basic_authorization(aladdin);
  REQUIRE(value);
  CHECK(*value == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST_CASE("basic_authorization allows a colon in the password, not in the user-id") {
  auto ok = basic_authorization({"user", "pa:ss:word"});
  REQUIRE(ok);
  CHECK(*ok == "Basic " + crypto::base64_encode("user:pa:ss:word"));

  auto bad = basic_authorization({"us:er", "secret-password"});
  CHECK_FALSE(bad);
  CHECK(test::contains(test::error_of(bad), "':'"));
  CHECK_FALSE(test::contains(test::error_of(bad), "secret-password"));
}

TEST_CASE("basic_authorization refuses control characters, without echoing the password") {
  auto user = basic_authorization({"us\ner", "pw"});
  CHECK_FALSE(user);
  auto pass = basic_authorization({"user", "hunter2\r\nX-Injected: 1"});
  CHECK_FALSE(pass);
  CHECK_FALSE(test::contains(test::error_of(pass), "hunter2"));
}

TEST_CASE("sign_basic sets one Authorization header, replacing any other") {
  Request r;
  r.headers.add("authorization", "Bearer old");
  r.headers.add("Accept", "*/*");
  REQUIRE(sign_basic(aladdin, r));
  CHECK(r.headers.items.size() == 2);
  CHECK(r.headers.get("Authorization") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(r.headers.items[0].first == "authorization");
}

TEST_CASE("verify_basic") {
  SUBCASE("valid credentials") {
    auto v = verify_basic(aladdin, with_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    CHECK(v.valid);
    CHECK(v.reason.empty());
  }
  SUBCASE("the scheme is case-insensitive and spaces around the token are allowed") {
    CHECK(verify_basic(aladdin, with_authorization("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")).valid);
    CHECK(verify_basic(aladdin, with_authorization("BASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ==")).valid);
    CHECK(verify_basic(aladdin, with_authorization("  Basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ")).valid);
  }
  SUBCASE("missing header: invalid, with a challenge") {
    auto v = verify_basic(aladdin, Request{});
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "no Authorization"));
    REQUIRE(v.challenges.size() == 1);
    CHECK(v.challenges[0].starts_with("Basic realm="));
  }
  SUBCASE("wrong scheme") {
    auto v = verify_basic(aladdin, with_authorization("Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "Bearer"));
    CHECK(test::contains(v.reason, "expected 'Basic'"));
  }
  SUBCASE("a bare credential without a scheme is never echoed") {
    auto v = verify_basic(aladdin, with_authorization("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "no scheme"));
    CHECK_FALSE(test::contains(v.reason, "QWxh"));
    auto u = verify_basic(aladdin, with_authorization("s3cr3tv4lue extra"));
    CHECK(test::contains(u.reason, "unknown scheme"));
    CHECK_FALSE(test::contains(u.reason, "s3cr3t"));
  }
  SUBCASE("bad base64") {
    auto v = verify_basic(aladdin, with_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ"));
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "base64"));
    CHECK_FALSE(verify_basic(aladdin, with_authorization("Basic !!!!")).valid);
  }
  SUBCASE("no colon in the decoded credentials") {
    auto v = verify_basic(aladdin, with_authorization("Basic " + crypto::base64_encode("Aladdinopen sesame")));
    CHECK_FALSE(v.valid);
    CHECK(test::contains(v.reason, "no ':'"));
  }
  SUBCASE("empty token") {
    CHECK_FALSE(verify_basic(aladdin, with_authorization("Basic")).valid);
    CHECK_FALSE(verify_basic(aladdin, with_authorization("Basic ")).valid);
  }
  SUBCASE("wrong user") {
    auto v = verify_basic(aladdin, with_authorization("Basic " + crypto::base64_encode("aladdin:open sesame")));
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "wrong username or password");
  }
  SUBCASE("wrong password, and the reason does not repeat it") {
    auto v = verify_basic(aladdin, with_authorization("Basic " + crypto::base64_encode("Aladdin:open sesame!")));
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "wrong username or password");
    CHECK_FALSE(verify_basic(aladdin, with_authorization("Basic " + crypto::base64_encode("Aladdin:"))).valid);
    CHECK_FALSE(verify_basic(aladdin, with_authorization("Basic " + crypto::base64_encode("Aladdin:open"))).valid);
  }
  SUBCASE("a password with colons is split at the first colon") {
    BasicCredentials c{"u", "a:b"};
    CHECK(verify_basic(c, with_authorization("Basic " + crypto::base64_encode("u:a:b"))).valid);
  }
}

TEST_CASE("UTF-8 credentials sign and verify as their UTF-8 bytes (RFC 7617 section 2.1)") {
  // RFC 7617 section 2.1's example: user "test", password "123\u00a3".
  BasicCredentials pound{"test", "123\xc2\xa3"};
  auto value = basic_authorization(pound);
  REQUIRE(value);
  CHECK(*value == "Basic dGVzdDoxMjPCow==");
  CHECK(verify_basic(pound, with_authorization(*value)).valid);

  BasicCredentials umlaut{"J\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd"};
  Request r;
  REQUIRE(sign_basic(umlaut, r));
  CHECK(verify_basic(umlaut, r).valid);
  CHECK_FALSE(verify_basic({"Jurgen", "p\xc3\xa4ssw\xc3\xb6rd"}, r).valid);
}

}  // namespace hookauth::auth
