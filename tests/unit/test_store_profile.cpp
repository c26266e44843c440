#include "store/profile.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace hookauth::store {

namespace {
Profile basic_profile() {
  Profile p;
  p.name = "ci";
  p.type = "basic";
  p.fields["username"] = "Aladdin";
  p.secrets["password"] = SecretRef{SecretRef::Kind::literal, "open sesame"};
  return p;
}

Profile api_key_profile() {
  Profile p;
  p.name = "partner.api_v2";
  p.type = "api-key";
  p.fields["key"] = "X-API-Key";
  p.secrets["value"] = SecretRef{SecretRef::Kind::literal, "k3y-s3cret"};
  return p;
}
}  // namespace

TEST_CASE("the type table lists none, basic, api-key and digest") {
  REQUIRE(profile_types().size() == 4);
  CHECK(profile_types()[0].name == "none");
  REQUIRE(find_type("basic") != nullptr);
  CHECK(find_type("basic")->field("password")->secret);
  CHECK_FALSE(find_type("basic")->field("username")->secret);
  REQUIRE(find_type("api-key") != nullptr);
  CHECK(find_type("api-key")->field("in")->default_value == "header");
  REQUIRE(find_type("digest") != nullptr);
  CHECK(find_type("digest")->field("password")->secret);
  CHECK(find_type("digest")->field("userhash")->flag);
  CHECK(find_type("kerberos") == nullptr);
  CHECK(find_type("Basic") == nullptr);
}

TEST_CASE("check_name") {
  CHECK(check_name("a"));
  CHECK(check_name("ci.prod_v2-east"));
  CHECK(check_name(std::string(64, 'x')));
  CHECK_FALSE(check_name(""));
  CHECK_FALSE(check_name(std::string(65, 'x')));
  for (const char* bad : {"a b", "a/b", "a:b", "caf\xc3\xa9", "a\nb"}) {
    CAPTURE(bad);
    auto r = check_name(bad);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "only letters, digits"));
  }
}

TEST_CASE("validate") {
  SUBCASE("valid profiles") {
    CHECK(validate(basic_profile()));
    CHECK(validate(api_key_profile()));
    Profile none{"open", "none", {}, {}};
    CHECK(validate(none));
    auto q = api_key_profile();
    q.fields["in"] = "query";
    CHECK(validate(q));
  }
  SUBCASE("unknown type") {
    auto p = basic_profile();
    p.type = "kerberos";
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "unknown type 'kerberos'"));
  }
  SUBCASE("bad name") {
    auto p = basic_profile();
    p.name = "has space";
    CHECK_FALSE(validate(p));
  }
  SUBCASE("missing required fields") {
    auto p = basic_profile();
    p.secrets.clear();
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "--password"));

    auto u = basic_profile();
    u.fields.clear();
    auto ru = validate(u);
    CHECK_FALSE(ru);
    CHECK(test::contains(test::error_of(ru), "--username"));

    auto k = api_key_profile();
    k.fields.erase("key");
    CHECK(test::contains(test::error_of(validate(k)), "--key"));
  }
  SUBCASE("a required field given empty") {
    auto p = api_key_profile();
    p.fields["key"] = "";
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "key"));
  }
  SUBCASE("foreign fields") {
    auto p = basic_profile();
    p.fields["in"] = "query";
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "--in does not apply to type basic"));

    auto s = basic_profile();
    s.secrets["value"] = SecretRef{SecretRef::Kind::literal, "FOREIGN-SECRET"};
    auto rs = validate(s);
    CHECK_FALSE(rs);
    CHECK(test::contains(test::error_of(rs), "--value"));
    CHECK_FALSE(test::contains(test::error_of(rs), "FOREIGN-SECRET"));

    Profile none{"open", "none", {{"username", "x"}}, {}};
    CHECK_FALSE(validate(none));
  }
  SUBCASE("a secret field given as a plain field is refused") {
    auto p = basic_profile();
    p.secrets.clear();
    p.fields["password"] = "PLAIN-SECRET";
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK_FALSE(test::contains(test::error_of(r), "PLAIN-SECRET"));
  }
  SUBCASE("a value outside the choices of --in") {
    auto p = api_key_profile();
    p.fields["in"] = "cookie";
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "in: 'cookie' is not one of header, query"));
    p.fields["in"] = "Header";
    CHECK_FALSE(validate(p));
  }
}

TEST_CASE("Profile::field falls back to the type's default") {
  auto p = api_key_profile();
  CHECK(p.field("in") == "header");
  p.fields["in"] = "query";
  CHECK(p.field("in") == "query");
  CHECK(p.field("key") == "X-API-Key");
  CHECK(p.field("nothing") == "");
}

TEST_CASE("JSON mapping round-trips") {
  auto p = api_key_profile();
  p.fields["in"] = "query";
  p.secrets["value"] = SecretRef{SecretRef::Kind::env, "PARTNER_KEY"};
  auto j = to_json(p);
  CHECK(j.dump() ==
        R"({"name":"partner.api_v2","type":"api-key","in":"query","key":"X-API-Key","value":{"env":"PARTNER_KEY"}})");
  auto back = profile_from_json(nlohmann::json::parse(j.dump()));
  REQUIRE(back);
  CHECK(back->name == p.name);
  CHECK(back->type == p.type);
  CHECK(back->fields == p.fields);
  CHECK(back->secrets == p.secrets);

  auto b = profile_from_json(nlohmann::json::parse(to_json(basic_profile()).dump()));
  REQUIRE(b);
  CHECK(b->secrets.at("password") == SecretRef{SecretRef::Kind::literal, "open sesame"});
}

TEST_CASE("profile_from_json errors name the member, never a secret") {
  auto err = [](const char* text) {
    auto r = profile_from_json(nlohmann::json::parse(text));
    REQUIRE_FALSE(r);
    return r.error();
  };
  CHECK(err("[]").key == "");
  CHECK(err(R"({"type":"basic"})").key == "name");
  CHECK(err(R"({"name":5,"type":"basic"})").key == "name");
  CHECK(err(R"({"name":"bad name","type":"none"})").key == "name");
  CHECK(err(R"({"name":"a"})").key == "type");
  CHECK(err(R"({"name":"a","type":"kerberos"})").key == "type");
  CHECK(err(R"({"name":"a","type":"basic","username":7,"password":"p"})").key == "username");

  auto foreign = err(R"({"name":"a","type":"basic","username":"u","password":"p","pasword":"TYPO-SECRET"})");
  CHECK(foreign.key == "pasword");
  CHECK_FALSE(test::contains(foreign.message, "TYPO-SECRET"));

  auto shape = err(R"({"name":"a","type":"basic","username":"u","password":{"vault":"SHAPE-SECRET"}})");
  CHECK(shape.key == "password");
  CHECK_FALSE(test::contains(shape.message, "SHAPE-SECRET"));

  auto missing = err(R"({"name":"a","type":"basic","username":"u"})");
  CHECK(missing.key == "");
  CHECK(test::contains(missing.message, "password"));
}

TEST_CASE("to_credentials resolves secrets and builds the credentials") {
  SUBCASE("none") {
    auto c = to_credentials(Profile{"open", "none", {}, {}});
    REQUIRE(c);
    CHECK(std::holds_alternative<auth::NoAuth>(*c));
  }
  SUBCASE("basic") {
    auto c = to_credentials(basic_profile());
    REQUIRE(c);
    auto* b = std::get_if<auth::BasicCredentials>(&*c);
    REQUIRE(b != nullptr);
    CHECK(b->username == "Aladdin");
    CHECK(b->password == "open sesame");
  }
  SUBCASE("api-key, default and query placement") {
    auto c = to_credentials(api_key_profile());
    REQUIRE(c);
    auto* k = std::get_if<auth::ApiKeyCredentials>(&*c);
    REQUIRE(k != nullptr);
    CHECK(k->name == "X-API-Key");
    CHECK(k->value == "k3y-s3cret");
    CHECK(k->in == auth::KeyLocation::header);

    auto q = api_key_profile();
    q.fields["in"] = "query";
    auto cq = to_credentials(q);
    REQUIRE(cq);
    CHECK(std::get<auth::ApiKeyCredentials>(*cq).in == auth::KeyLocation::query);
  }
  SUBCASE("an env reference is read now") {
    test::ScopedEnv env("HOOKAUTH_UNIT_PROFILE_PW", "from-env");
    auto p = basic_profile();
    p.secrets["password"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_PROFILE_PW"};
    auto c = to_credentials(p);
    REQUIRE(c);
    CHECK(std::get<auth::BasicCredentials>(*c).password == "from-env");
  }
  SUBCASE("an unset variable is an error naming the profile and field") {
    test::ScopedEnv env("HOOKAUTH_UNIT_PROFILE_PW", nullptr);
    auto p = basic_profile();
    p.secrets["password"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_PROFILE_PW"};
    auto c = to_credentials(p);
    CHECK_FALSE(c);
    CHECK(test::contains(test::error_of(c), "ci: password"));
  }
}

}  // namespace hookauth::store
