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

Profile digest_profile() {
  Profile p;
  p.name = "partner-d";
  p.type = "digest";
  p.fields["username"] = "Mufasa";
  p.secrets["password"] = SecretRef{SecretRef::Kind::literal, "Circle of Life"};
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

TEST_CASE("the type table lists none, basic, api-key, digest and aws-sigv4") {
  REQUIRE(profile_types().size() == 5);
  REQUIRE(find_type("aws-sigv4") != nullptr);
  CHECK(find_type("aws-sigv4")->field("secret-key")->secret);
  CHECK(find_type("aws-sigv4")->field("session-token")->secret);
  CHECK(find_type("aws-sigv4")->field("sign-header")->list);
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

TEST_CASE("validate: the digest fields") {
  CHECK(validate(digest_profile()));
  auto with = [](const char* field, const char* value) {
    auto p = digest_profile();
    p.fields[field] = value;
    return validate(p);
  };
  SUBCASE("--algorithm: one name or a comma list of known ones, any case") {
    for (const char* ok : {"MD5", "MD5-sess", "SHA-256", "sha-256-sess", "SHA-512-256", "SHA-512-256-sess",
                           "SHA-512-256, SHA-256,MD5"}) {
      CAPTURE(ok);
      CHECK(with("algorithm", ok));
    }
    for (const char* bad : {"SHA-1", "SHA-512", "MD5,SHA1", "md5-session"}) {
      CAPTURE(bad);
      auto r = with("algorithm", bad);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--algorithm: '"));
      CHECK(test::contains(test::error_of(r), "is not MD5, MD5-sess, SHA-256"));
    }
    CHECK(test::contains(test::error_of(with("algorithm", "MD5,SHA1")), "'SHA1'"));
  }
  SUBCASE("--qop: auth, auth-int or none, or a list") {
    for (const char* ok : {"auth", "auth-int", "none", "auth,auth-int", "Auth-Int, auth"}) {
      CAPTURE(ok);
      CHECK(with("qop", ok));
    }
    CHECK(test::contains(test::error_of(with("qop", "auth,none")), "'none' cannot be listed with other qops"));
    for (const char* bad : {"auth-conf", "auth;auth-int", "authint"}) {
      CAPTURE(bad);
      auto r = with("qop", bad);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--qop: '"));
      CHECK(test::contains(test::error_of(r), "is not auth, auth-int or none"));
    }
  }
  SUBCASE("--nc: 1 to 8 hex digits, not 0") {
    for (const char* ok : {"1", "00000001", "ffffffff", "FFFFFFFF", "a0"}) {
      CAPTURE(ok);
      CHECK(with("nc", ok));
    }
    for (const char* bad : {"0", "00000000", "000000001", "100000000", "g", "0x1", "-1", "+1", "1 ", " 1"}) {
      CAPTURE(bad);
      auto r = with("nc", bad);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--nc: '"));
      CHECK(test::contains(test::error_of(r), "is not a nonce count of 1 to 8 hex digits"));
    }
  }
  SUBCASE("--userhash is true or false") {
    CHECK(with("userhash", "true"));
    CHECK(with("userhash", "false"));
    CHECK_FALSE(with("userhash", "yes"));
  }
  SUBCASE("digest needs --username and --password") {
    auto p = digest_profile();
    p.secrets.clear();
    CHECK(test::contains(test::error_of(validate(p)), "type digest needs --password"));
    p = digest_profile();
    p.fields.clear();
    CHECK(test::contains(test::error_of(validate(p)), "type digest needs --username"));
  }
  SUBCASE("the checks also run on what the store holds") {
    auto r = profile_from_json(
        nlohmann::json::parse(R"({"name":"d","type":"digest","username":"u","password":"p","nc":"000000000"})"));
    REQUIRE_FALSE(r);
    CHECK(test::contains(r.error().message, "--nc"));
  }
}

TEST_CASE("to_credentials for digest") {
  SUBCASE("the defaults") {
    auto c = to_credentials(digest_profile());
    REQUIRE(c);
    auto* d = std::get_if<auth::DigestCredentials>(&*c);
    REQUIRE(d != nullptr);
    CHECK(d->username == "Mufasa");
    CHECK(d->password == "Circle of Life");
    CHECK(d->realm.empty());
    CHECK(d->nonce.empty());
    CHECK(d->algorithms.empty());
    CHECK(d->qop.empty());
    CHECK(d->nc == 0);
    CHECK_FALSE(d->userhash);
  }
  SUBCASE("every field") {
    auto p = digest_profile();
    p.fields["realm"] = "hooks@example.org";
    p.fields["nonce"] = "shared-nonce";
    p.fields["opaque"] = "op";
    p.fields["cnonce"] = "0a4f113b";
    p.fields["algorithm"] = " SHA-512-256 ,SHA-256,, MD5 ";
    p.fields["qop"] = "Auth-Int";
    p.fields["nc"] = "0000001F";
    p.fields["userhash"] = "true";
    auto c = to_credentials(p);
    REQUIRE(c);
    auto& d = std::get<auth::DigestCredentials>(*c);
    CHECK(d.realm == "hooks@example.org");
    CHECK(d.nonce == "shared-nonce");
    CHECK(d.opaque == "op");
    CHECK(d.cnonce == "0a4f113b");
    CHECK(d.algorithms == std::vector<std::string>{"SHA-512-256", "SHA-256", "MD5"});
    CHECK(d.qop == "auth-int");
    CHECK(d.nc == 0x1f);
    CHECK(d.userhash);
  }
  SUBCASE("nc is hex up to ffffffff") {
    auto p = digest_profile();
    p.fields["nc"] = "ffffffff";
    CHECK(std::get<auth::DigestCredentials>(*to_credentials(p)).nc == 0xffffffffu);
    p.fields["nc"] = "10";
    CHECK(std::get<auth::DigestCredentials>(*to_credentials(p)).nc == 16);
  }
  SUBCASE("userhash false") {
    auto p = digest_profile();
    p.fields["userhash"] = "false";
    CHECK_FALSE(std::get<auth::DigestCredentials>(*to_credentials(p)).userhash);
  }
}

namespace {
Profile sigv4_profile() {
  Profile p;
  p.name = "partner-aws";
  p.type = "aws-sigv4";
  p.fields["access-key"] = "AKIDEXAMPLE";
  p.fields["region"] = "us-east-1";
  p.fields["service"] = "execute-api";
  p.secrets["secret-key"] = SecretRef{SecretRef::Kind::literal, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
  return p;
}
}  // namespace

TEST_CASE("validate: the aws-sigv4 fields") {
  CHECK(validate(sigv4_profile()));
  SUBCASE("--access-key, --secret-key, --region and --service are required") {
    for (const char* field : {"access-key", "region", "service"}) {
      CAPTURE(field);
      auto p = sigv4_profile();
      p.fields.erase(field);
      CHECK(test::contains(test::error_of(validate(p)), std::string("type aws-sigv4 needs --") + field));
      p.fields[field] = "";
      CHECK(test::contains(test::error_of(validate(p)), std::string(field) + ": must not be empty"));
    }
    auto p = sigv4_profile();
    p.secrets.clear();
    CHECK(test::contains(test::error_of(validate(p)), "type aws-sigv4 needs --secret-key"));
  }
  SUBCASE("--session-token is an optional secret") {
    auto p = sigv4_profile();
    p.secrets["session-token"] = SecretRef{SecretRef::Kind::env, "AWS_SESSION_TOKEN"};
    CHECK(validate(p));
    p.secrets.erase("session-token");
    p.fields["session-token"] = "PLAIN-TOKEN";
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "--session-token does not apply"));
    CHECK_FALSE(test::contains(test::error_of(r), "PLAIN-TOKEN"));
  }
  SUBCASE("--payload is signed or unsigned") {
    auto p = sigv4_profile();
    p.fields["payload"] = "unsigned";
    CHECK(validate(p));
    p.fields["payload"] = "signed";
    CHECK(validate(p));
    p.fields["payload"] = "UNSIGNED-PAYLOAD";
    CHECK(test::contains(test::error_of(validate(p)), "payload: 'UNSIGNED-PAYLOAD' is not one of signed, unsigned"));
  }
  SUBCASE("--content-sha256 is a switch stored as true or false") {
    CHECK(find_type("aws-sigv4")->field("content-sha256")->flag);
    auto p = sigv4_profile();
    p.fields["content-sha256"] = "true";
    CHECK(validate(p));
    p.fields["content-sha256"] = "yes";
    CHECK_FALSE(validate(p));
  }
  SUBCASE("--sign-header: header names, as a comma list") {
    auto p = sigv4_profile();
    for (const char* ok : {"X-Partner", "x-request-id,Digest", "content-md5"}) {
      CAPTURE(ok);
      p.fields["sign-header"] = ok;
      CHECK(validate(p));
    }
    for (const char* bad : {"X Partner", "X-Partner:", "a,,b", ",a", "a\tb"}) {
      CAPTURE(bad);
      p.fields["sign-header"] = bad;
      auto r = validate(p);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--sign-header: "));
    }
  }
  SUBCASE("fields of other types do not apply") {
    auto p = sigv4_profile();
    p.fields["username"] = "u";
    CHECK(test::contains(test::error_of(validate(p)), "--username does not apply to type aws-sigv4"));
    auto b = basic_profile();
    b.fields["region"] = "us-east-1";
    CHECK(test::contains(test::error_of(validate(b)), "--region does not apply to type basic"));
  }
  SUBCASE("the store's JSON round-trips") {
    auto p = sigv4_profile();
    p.fields["sign-header"] = "x-partner,x-request-id";
    p.secrets["session-token"] = SecretRef{SecretRef::Kind::file, "/run/secrets/token"};
    auto back = profile_from_json(nlohmann::json::parse(to_json(p).dump()));
    REQUIRE(back);
    CHECK(back->fields == p.fields);
    CHECK(back->secrets == p.secrets);
  }
}

TEST_CASE("to_credentials for aws-sigv4") {
  SUBCASE("the defaults") {
    auto c = to_credentials(sigv4_profile());
    REQUIRE(c);
    auto* a = std::get_if<auth::AwsCredentials>(&*c);
    REQUIRE(a != nullptr);
    CHECK(a->access_key == "AKIDEXAMPLE");
    CHECK(a->secret_key == "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    CHECK(a->session_token.empty());
    CHECK(a->region == "us-east-1");
    CHECK(a->service == "execute-api");
    CHECK_FALSE(a->unsigned_payload);
    CHECK_FALSE(a->content_sha256);
    CHECK(a->sign_headers.empty());
  }
  SUBCASE("every field") {
    test::ScopedEnv env("HOOKAUTH_UNIT_AWS_TOKEN", "token-from-env");
    auto p = sigv4_profile();
    p.secrets["session-token"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_AWS_TOKEN"};
    p.fields["payload"] = "unsigned";
    p.fields["content-sha256"] = "true";
    p.fields["sign-header"] = "X-Partner,x-request-id,Content-MD5";
    auto c = to_credentials(p);
    REQUIRE(c);
    auto& a = std::get<auth::AwsCredentials>(*c);
    CHECK(a.session_token == "token-from-env");
    CHECK(a.unsigned_payload);
    CHECK(a.content_sha256);
    CHECK(a.sign_headers == std::vector<std::string>{"x-partner", "x-request-id", "content-md5"});
  }
  SUBCASE("payload signed and content-sha256 false are the same as unset") {
    auto p = sigv4_profile();
    p.fields["payload"] = "signed";
    p.fields["content-sha256"] = "false";
    auto a = std::get<auth::AwsCredentials>(*to_credentials(p));
    CHECK_FALSE(a.unsigned_payload);
    CHECK_FALSE(a.content_sha256);
  }
  SUBCASE("an unset variable behind a secret is an error naming the profile and field") {
    test::ScopedEnv env("HOOKAUTH_UNIT_AWS_TOKEN", nullptr);
    auto p = sigv4_profile();
    p.secrets["session-token"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_AWS_TOKEN"};
    auto c = to_credentials(p);
    CHECK_FALSE(c);
    CHECK(test::contains(test::error_of(c), "partner-aws: session-token"));
    auto s = sigv4_profile();
    s.secrets["secret-key"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_AWS_TOKEN"};
    CHECK(test::contains(test::error_of(to_credentials(s)), "partner-aws: secret-key"));
  }
}

}  // namespace hookauth::store
