#include "auth/credentials.hpp"

#include <doctest/doctest.h>

namespace hookauth::auth {

TEST_CASE("type_name names each credentials type as the store does") {
  CHECK(type_name(NoAuth{}) == "none");
  CHECK(type_name(BasicCredentials{"u", "p"}) == "basic");
  CHECK(type_name(ApiKeyCredentials{"k", "v", KeyLocation::query}) == "api-key");
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

}  // namespace hookauth::auth
