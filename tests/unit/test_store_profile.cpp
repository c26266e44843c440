#include "store/profile.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "util/strings.hpp"

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

TEST_CASE("validate: what every later send would refuse is refused when stored (audit cli #4)") {
  auto refused = [](const Profile& p, const std::string& message, const std::string& secret = "") {
    auto r = validate(p);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ExitCode::usage);
    CHECK(r.error().message == message);
    if (!secret.empty()) CHECK_FALSE(test::contains(r.error().message, secret));
  };
  SUBCASE("basic: a user-id with ':' (RFC 7617 section 2), a password with control characters") {
    auto p = basic_profile();
    p.fields["username"] = "a:b";
    refused(p, "--username: must not contain ':' (RFC 7617)");
    for (const std::string bad : {"x\ny", "x\ry", "pw\x01", "tab\there", "del\x7f"}) {
      CAPTURE(util::printable(bad));
      auto q = basic_profile();
      q.secrets["password"] = SecretRef{SecretRef::Kind::literal, bad};
      refused(q, "--password: must not contain control characters", bad);
    }
    // A reference is resolved, and so checked, when it is used.
    auto env = basic_profile();
    env.secrets["password"] = SecretRef{SecretRef::Kind::env, "PW\nX"};
    CHECK(validate(env));
    // Digest hashes its user-id: a ':' is not forbidden there.
    auto d = digest_profile();
    d.fields["username"] = "dom:user";
    CHECK(validate(d));
  }
  SUBCASE("api-key in a header: the key is an RFC 9110 token, the value holds no control characters") {
    for (const std::string bad : {"X Key", "X-K:", "X-Key(1)", "X/Key", "X-Key;", "X\u00e9"}) {
      CAPTURE(bad);
      auto p = api_key_profile();
      p.fields["key"] = bad;
      refused(p, "--key: '" + util::printable(bad) + "' is not a header name (an RFC 9110 token)");
    }
    auto p = api_key_profile();
    p.secrets["value"] = SecretRef{SecretRef::Kind::literal, "S3CRET\r\nX-Inj: 1"};
    refused(p, "--value: must not contain control characters", "S3CRET");
    // In the query the key and value are percent-encoded, so neither rule applies.
    p.fields["in"] = "query";
    p.fields["key"] = "api key";
    CHECK(validate(p));
    auto odd = api_key_profile();
    odd.fields["key"] = "X-Key_v2.!#$%&'*+^`|~";
    CHECK(validate(odd));
  }
}

TEST_CASE("Profile::field falls back to the type's default") {
  auto p = api_key_profile();
  CHECK(p.field("in") == "header");
  p.fields["in"] = "query";
  CHECK(p.field("in") == "query");
  CHECK(p.field("key") == "X-API-Key");
}

TEST_CASE("Profile::field refuses a name its type does not declare as a non-secret field") {
  auto what = [](const Profile& p, const char* name) {
    try {
      p.field(name);
    } catch (const std::logic_error& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  auto p = api_key_profile();
  CHECK(what(p, "nothing") == "the type api-key has no field 'nothing'");
  // A field of another type, even one set in the map by hand, is not this type's.
  CHECK(what(p, "username") == "the type api-key has no field 'username'");
  p.fields["username"] = "u";
  CHECK(what(p, "username") == "the type api-key has no field 'username'");
  CHECK(what(p, "value") == "the type api-key has no non-secret field 'value'");
  CHECK_THROWS_AS(p.list("token-header"), std::logic_error);
  // The signature type carries its scheme in "scheme": it has no "signature" field to ask.
  Profile sig{"s", "signature", {{"scheme", "github"}}, {}};
  CHECK(sig.field("scheme") == "github");
  CHECK(what(sig, "signature") == "the type signature has no field 'signature'");
  Profile unknown{"k", "kerberos", {{"realm", "R"}}, {}};
  CHECK(what(unknown, "realm") == "the unknown type kerberos has no field 'realm'");
  // Every declared non-secret field of every type can be asked, set or not.
  for (const auto& t : profile_types()) {
    Profile empty{"e", std::string(t.name), {}, {}};
    for (const auto& f : t.fields) {
      CAPTURE(t.name);
      CAPTURE(f.name);
      if (f.secret)
        CHECK_THROWS_AS(empty.field(f.name), std::logic_error);
      else
        CHECK(empty.field(f.name) == f.default_value);
    }
  }
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
  SUBCASE("--sign-header: header names, one per line (a repeatable field)") {
    auto p = sigv4_profile();
    for (const char* ok : {"X-Partner", "x-request-id\nDigest", "content-md5"}) {
      CAPTURE(ok);
      p.fields["sign-header"] = ok;
      CHECK(validate(p));
    }
    // ',' no longer separates items: it is not a header-name character.
    for (const char* bad : {"X Partner", "X-Partner:", "x-request-id,Digest", "a\n\nb", "\na", "a\n", "a\tb"}) {
      CAPTURE(bad);
      p.fields["sign-header"] = bad;
      auto r = validate(p);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--sign-header: "));
    }
  }
  SUBCASE("Profile::list splits a repeatable field on newlines only") {
    auto p = sigv4_profile();
    CHECK(p.list("sign-header").empty());
    p.fields["sign-header"] = "X-Partner";
    CHECK(p.list("sign-header") == std::vector<std::string>{"X-Partner"});
    p.fields["sign-header"] = "X-Partner\nx-request-id,x-other";
    CHECK(p.list("sign-header") == std::vector<std::string>{"X-Partner", "x-request-id,x-other"});
  }
  SUBCASE("fields of other types do not apply") {
    auto p = sigv4_profile();
    p.fields["username"] = "u";
    CHECK(test::contains(test::error_of(validate(p)), "--username does not apply to type aws-sigv4"));
    auto b = basic_profile();
    b.fields["region"] = "us-east-1";
    CHECK(test::contains(test::error_of(validate(b)), "--region does not apply to type basic"));
  }
  SUBCASE("the store's JSON round-trips, a list field as an array of strings") {
    auto p = sigv4_profile();
    p.fields["sign-header"] = "x-partner\nx-request-id";
    p.secrets["session-token"] = SecretRef{SecretRef::Kind::file, "/run/secrets/token"};
    auto j = to_json(p);
    CHECK(j.at("sign-header") == nlohmann::ordered_json::array({"x-partner", "x-request-id"}));
    CHECK(j.at("region") == "us-east-1");
    CHECK(j.at("session-token") == nlohmann::ordered_json{{"file", "/run/secrets/token"}});
    auto back = profile_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back);
    CHECK(back->fields == p.fields);
    CHECK(back->fields.at("sign-header") == "x-partner\nx-request-id");
    CHECK(back->list("sign-header") == std::vector<std::string>{"x-partner", "x-request-id"});
    CHECK(back->secrets == p.secrets);

    // One item is still an array of one.
    p.fields["sign-header"] = "x-partner";
    CHECK(to_json(p).at("sign-header") == nlohmann::ordered_json::array({"x-partner"}));
  }
  SUBCASE("the store's list field must be an array of non-empty one-line strings") {
    auto with_sign_header = [](nlohmann::json value) {
      auto j = nlohmann::json::parse(to_json(sigv4_profile()).dump());
      j["sign-header"] = std::move(value);
      return profile_from_json(j);
    };
    auto ok = with_sign_header(nlohmann::json::array({"X-Partner", "Content-MD5"}));
    REQUIRE(ok);
    CHECK(ok->fields.at("sign-header") == "X-Partner\nContent-MD5");

    auto empty = with_sign_header(nlohmann::json::array());
    REQUIRE(empty);
    CHECK_FALSE(empty->fields.contains("sign-header"));
    CHECK(empty->list("sign-header").empty());

    for (const auto& not_array : {nlohmann::json("x-partner"), nlohmann::json("x-partner,x-request-id"),
                                  nlohmann::json(5), nlohmann::json::object()}) {
      CAPTURE(not_array.dump());
      auto r = with_sign_header(not_array);
      REQUIRE_FALSE(r);
      CHECK(r.error().key == "sign-header");
      CHECK(test::contains(r.error().message, "expected an array of strings"));
    }
    auto not_strings = with_sign_header(nlohmann::json::array({"x-partner", 7}));
    REQUIRE_FALSE(not_strings);
    CHECK(not_strings.error().key == "sign-header");
    CHECK(test::contains(not_strings.error().message, "expected an array of strings"));

    for (const auto& bad_item : {nlohmann::json::array({""}), nlohmann::json::array({"x-partner", ""}),
                                 nlohmann::json::array({"x-partner\nx-request-id"})}) {
      CAPTURE(bad_item.dump());
      auto r = with_sign_header(bad_item);
      REQUIRE_FALSE(r);
      CHECK(r.error().key == "sign-header");
      CHECK(test::contains(r.error().message, "an item is empty or spans lines"));
    }
    // Each item is checked as the flag's value would be.
    auto bad_name = with_sign_header(nlohmann::json::array({"x-partner", "X Partner"}));
    REQUIRE_FALSE(bad_name);
    CHECK(test::contains(bad_name.error().message, "--sign-header: 'X Partner' is not a header name"));
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
    p.fields["sign-header"] = "X-Partner\nx-request-id\nContent-MD5";
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

namespace {
Profile client_credentials_profile() {
  Profile p;
  p.name = "partner-oauth";
  p.type = "oauth2";
  p.fields["grant"] = "client-credentials";
  p.fields["client-id"] = "hookauth-client";
  p.fields["token-url"] = "https://auth.example.org/oauth/token";
  p.secrets["client-secret"] = SecretRef{SecretRef::Kind::literal, "cl13nt-s3cret"};
  return p;
}

Profile authorization_code_profile() {
  Profile p;
  p.name = "partner-login";
  p.type = "oauth2";
  p.fields["grant"] = "authorization-code";
  p.fields["client-id"] = "public-app";
  p.fields["token-url"] = "https://auth.example.org/oauth/token";
  p.fields["auth-url"] = "https://auth.example.org/oauth/authorize";
  p.fields["redirect-uri"] = "http://127.0.0.1:8765/callback";
  return p;
}

Result<void> oauth2_with(const char* field, const char* value) {
  auto p = authorization_code_profile();
  p.fields[field] = value;
  return validate(p);
}
}  // namespace

TEST_CASE("validate: the oauth2 fields") {
  CHECK(validate(client_credentials_profile()));
  CHECK(validate(authorization_code_profile()));
  SUBCASE("--grant, --client-id and --token-url are required; --client-secret is not") {
    for (const char* field : {"grant", "client-id", "token-url"}) {
      CAPTURE(field);
      auto p = client_credentials_profile();
      p.fields.erase(field);
      CHECK(test::contains(test::error_of(validate(p)), std::string("type oauth2 needs --") + field));
    }
    auto p = client_credentials_profile();
    p.fields["client-id"] = "";
    CHECK(test::contains(test::error_of(validate(p)), "client-id: must not be empty"));
    auto public_client = client_credentials_profile();
    public_client.secrets.clear();
    CHECK(validate(public_client));
  }
  SUBCASE("the client secret is a secret: never a plain field") {
    auto p = client_credentials_profile();
    p.secrets.clear();
    p.fields["client-secret"] = "PLAIN-CLIENT-SECRET";
    auto r = validate(p);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "--client-secret does not apply"));
    CHECK_FALSE(test::contains(test::error_of(r), "PLAIN-CLIENT-SECRET"));
  }
  SUBCASE("the choices of --grant, --token-method, --token-params and --client-auth") {
    struct Case {
      const char* field;
      std::vector<const char*> ok;
      const char* bad;
      const char* message;
    };
    for (const auto& c : std::vector<Case>{
             {"grant",
              {"client-credentials", "authorization-code"},
              "password",
              "grant: 'password' is not one of client-credentials, authorization-code"},
             {"token-method", {"POST", "GET"}, "post", "token-method: 'post' is not one of POST, GET"},
             {"token-params", {"body", "url"}, "query", "token-params: 'query' is not one of body, url"},
             {"client-auth", {"body", "basic"}, "jwt", "client-auth: 'jwt' is not one of body, basic"},
         }) {
      CAPTURE(c.field);
      for (const char* ok : c.ok) {
        CAPTURE(ok);
        CHECK(oauth2_with(c.field, ok));
      }
      auto r = oauth2_with(c.field, c.bad);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), c.message));
    }
    auto p = client_credentials_profile();
    CHECK(p.field("token-method") == "POST");
    CHECK(p.field("token-params") == "body");
    CHECK(p.field("client-auth") == "body");
    CHECK(p.field("refresh-margin") == "30");
  }
  SUBCASE("authorization-code needs --auth-url and --redirect-uri (the type's check)") {
    for (const char* field : {"auth-url", "redirect-uri"}) {
      CAPTURE(field);
      auto p = authorization_code_profile();
      p.fields.erase(field);
      auto r = validate(p);
      CHECK_FALSE(r);
      CHECK(test::error_of(r) == std::string("grant authorization-code needs --") + field);
      p.fields[field] = "";
      CHECK(test::error_of(validate(p)) == std::string("grant authorization-code needs --") + field);
      // The type's check alone says the same.
      CHECK(test::error_of(find_type("oauth2")->check(p)) == std::string("grant authorization-code needs --") + field);
    }
    // client-credentials needs neither.
    CHECK(find_type("oauth2")->check(client_credentials_profile()));
  }
  SUBCASE("--redirect-uri: http on a loopback host with a port") {
    for (const char* ok : {"http://127.0.0.1:8765/callback", "http://127.0.0.1:1", "http://[::1]:65535/cb",
                           "http://localhost:8080/oauth/callback?x=1", "HTTP://127.0.0.1:8765/"}) {
      CAPTURE(ok);
      CHECK(oauth2_with("redirect-uri", ok));
    }
    for (const char* not_http :
         {"https://127.0.0.1:8765/callback", "ftp://127.0.0.1:21/", "127.0.0.1:8765/cb", "myapp://callback"}) {
      CAPTURE(not_http);
      auto r = oauth2_with("redirect-uri", not_http);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--redirect-uri: '"));
      CHECK(test::contains(test::error_of(r), "is not an http://127.0.0.1:PORT/ URL"));
    }
    for (const char* other_host :
         {"http://example.org:8765/cb", "http://127.0.0.2:8765/cb", "http://0.0.0.0:8765/",
          "http://localhost.example.org:8765/", "http://user@127.0.0.1:8765/", "http://[::2]:8765/"}) {
      CAPTURE(other_host);
      auto r = oauth2_with("redirect-uri", other_host);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "is not on 127.0.0.1, [::1] or localhost"));
    }
    for (const char* no_port :
         {"http://127.0.0.1/callback", "http://localhost/", "http://127.0.0.1:/cb", "http://127.0.0.1:0/cb",
          "http://127.0.0.1:65536/cb", "http://127.0.0.1:80x/cb", "http://127.0.0.1:-1/cb"}) {
      CAPTURE(no_port);
      auto r = oauth2_with("redirect-uri", no_port);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "has no port (1 to 65535) to listen on"));
    }
    auto control = oauth2_with("redirect-uri", "http://127.0.0.1:8765/cb\x01");
    CHECK_FALSE(control);
    CHECK(test::contains(test::error_of(control), "control characters"));
  }
  SUBCASE("the URLs are http or https") {
    for (const char* field : {"token-url", "auth-url", "refresh-url", "issuer"}) {
      CAPTURE(field);
      CHECK(oauth2_with(field, "https://auth.example.org/x"));
      CHECK(oauth2_with(field, "http://127.0.0.1:9000/x"));
      auto r = oauth2_with(field, "auth.example.org/x");
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), std::string("--") + field + ": 'auth.example.org/x' is not an http"));
      CHECK_FALSE(oauth2_with(field, "ftp://auth.example.org/x"));
    }
  }
  SUBCASE("--token-header: 'Name: value' lines") {
    for (const char* ok : {"X-Tenant: acme", "X-Tenant:acme", "X-Empty:", "X-Tenant: a\nAccept-Language: en"}) {
      CAPTURE(ok);
      CHECK(oauth2_with("token-header", ok));
    }
    for (const char* bad : {"X-Tenant acme", "X Tenant: acme", ": acme", "X-Tenant: a\tb", "X-Tenant: a\n\nY: b",
                            "X-Tenant: a\nno colon"}) {
      CAPTURE(bad);
      auto r = oauth2_with("token-header", bad);
      CHECK_FALSE(r);
      CHECK(test::contains(test::error_of(r), "--token-header: "));
    }
    CHECK(test::contains(test::error_of(oauth2_with("token-header", "X-Tenant acme")), "is not 'Name: value'"));
  }
  SUBCASE("--validity and --refresh-margin are a number of seconds") {
    for (const char* field : {"validity", "refresh-margin"}) {
      CAPTURE(field);
      for (const char* ok : {"0", "30", "3600", "3153600000"}) {
        CAPTURE(ok);
        CHECK(oauth2_with(field, ok));
      }
      for (const char* bad : {"-1", "1.5", "30s", " 30", "+30", "abc", "3153600001", "99999999999999999999"}) {
        CAPTURE(bad);
        auto r = oauth2_with(field, bad);
        CHECK_FALSE(r);
        CHECK(test::contains(test::error_of(r), std::string("--") + field + ": '"));
        CHECK(test::contains(test::error_of(r), "is not a number of seconds"));
      }
    }
  }
  SUBCASE("the store's JSON round-trips, token headers as an array") {
    auto p = authorization_code_profile();
    p.secrets["client-secret"] = SecretRef{SecretRef::Kind::env, "PARTNER_CLIENT_SECRET"};
    p.fields["scope"] = "read write";
    p.fields["token-header"] = "X-Tenant: acme\nX-Trace: on";
    auto j = to_json(p);
    CHECK(j.at("token-header") == nlohmann::ordered_json::array({"X-Tenant: acme", "X-Trace: on"}));
    CHECK(j.at("client-secret") == nlohmann::ordered_json{{"env", "PARTNER_CLIENT_SECRET"}});
    auto back = profile_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back);
    CHECK(back->fields == p.fields);
    CHECK(back->secrets == p.secrets);

    auto as_string = nlohmann::json::parse(j.dump());
    as_string["token-header"] = "X-Tenant: acme";
    auto r = profile_from_json(as_string);
    REQUIRE_FALSE(r);
    CHECK(r.error().key == "token-header");

    auto missing_redirect = nlohmann::json::parse(j.dump());
    missing_redirect.erase("redirect-uri");
    auto m = profile_from_json(missing_redirect);
    REQUIRE_FALSE(m);
    CHECK(test::contains(m.error().message, "grant authorization-code needs --redirect-uri"));
  }
}

TEST_CASE("to_credentials for oauth2") {
  SUBCASE("the defaults of a client-credentials profile") {
    auto c = to_credentials(client_credentials_profile());
    REQUIRE(c);
    auto* o = std::get_if<auth::OAuth2Credentials>(&*c);
    REQUIRE(o != nullptr);
    CHECK(auth::type_name(*c) == "oauth2");
    CHECK(o->grant == auth::OAuth2Grant::client_credentials);
    CHECK(o->client_id == "hookauth-client");
    CHECK(o->client_secret == "cl13nt-s3cret");
    CHECK(o->token_url == "https://auth.example.org/oauth/token");
    CHECK(o->auth_url.empty());
    CHECK(o->redirect_uri.empty());
    CHECK(o->scope.empty());
    CHECK_FALSE(o->validity);
    CHECK(o->refresh_url.empty());
    CHECK_FALSE(o->token_method_get);
    CHECK_FALSE(o->token_params_in_url);
    CHECK(o->token_headers.empty());
    CHECK_FALSE(o->client_auth_basic);
    CHECK(o->refresh_margin == 30);
    CHECK(o->issuer.empty());  // no authorization URL, no issuer to expect
  }
  SUBCASE("every field") {
    auto p = authorization_code_profile();
    p.secrets["client-secret"] = SecretRef{SecretRef::Kind::literal, "s3cret"};
    p.fields["scope"] = "read write";
    p.fields["validity"] = "600";
    p.fields["refresh-url"] = "https://auth.example.org/oauth/refresh";
    p.fields["token-method"] = "GET";
    p.fields["token-params"] = "url";
    p.fields["token-header"] = "X-Tenant:acme\n  Accept-Language :  en-GB, fr ";
    p.fields["client-auth"] = "basic";
    p.fields["refresh-margin"] = "0";
    p.fields["issuer"] = "https://auth.example.org/realms/hooks";
    REQUIRE(validate(p));
    auto c = to_credentials(p);
    REQUIRE(c);
    auto& o = std::get<auth::OAuth2Credentials>(*c);
    CHECK(o.grant == auth::OAuth2Grant::authorization_code);
    CHECK(o.client_id == "public-app");
    CHECK(o.client_secret == "s3cret");
    CHECK(o.auth_url == "https://auth.example.org/oauth/authorize");
    CHECK(o.redirect_uri == "http://127.0.0.1:8765/callback");
    CHECK(o.scope == "read write");
    REQUIRE(o.validity);
    CHECK(*o.validity == 600);
    CHECK(o.refresh_url == "https://auth.example.org/oauth/refresh");
    CHECK(o.token_method_get);
    CHECK(o.token_params_in_url);
    CHECK(o.token_headers == std::vector<auth::Header>{{"X-Tenant", "acme"}, {"Accept-Language", "en-GB, fr"}});
    CHECK(o.client_auth_basic);
    CHECK(o.refresh_margin == 0);
    CHECK(o.issuer == "https://auth.example.org/realms/hooks");
  }
  SUBCASE("the issuer defaults to the authorization URL's origin") {
    struct Case {
      const char* auth_url;
      const char* issuer;
    };
    for (const auto& c : {Case{"https://auth.example.org/oauth/authorize", "https://auth.example.org"},
                          Case{"http://127.0.0.1:9000/authorize?tenant=a", "http://127.0.0.1:9000"},
                          Case{"https://auth.example.org:8443/", "https://auth.example.org:8443"}}) {
      CAPTURE(c.auth_url);
      auto p = authorization_code_profile();
      p.fields["auth-url"] = c.auth_url;
      auto o = std::get<auth::OAuth2Credentials>(*to_credentials(p));
      CHECK(o.issuer == c.issuer);
    }
  }
  SUBCASE("a public client has no secret") {
    auto o = std::get<auth::OAuth2Credentials>(*to_credentials(authorization_code_profile()));
    CHECK(o.client_secret.empty());
  }
  SUBCASE("the client secret comes from a secret reference, read now") {
    test::ScopedEnv env("HOOKAUTH_UNIT_OAUTH_SECRET", "secret-from-env");
    auto p = client_credentials_profile();
    p.secrets["client-secret"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_OAUTH_SECRET"};
    CHECK(std::get<auth::OAuth2Credentials>(*to_credentials(p)).client_secret == "secret-from-env");

    test::TempDir dir;
    test::write_file(dir / "client-secret", "secret-from-file\n");
    p.secrets["client-secret"] = SecretRef{SecretRef::Kind::file, (dir / "client-secret").string()};
    auto from_file = to_credentials(p);
    REQUIRE(from_file);
    CHECK(std::get<auth::OAuth2Credentials>(*from_file).client_secret == "secret-from-file");
  }
  SUBCASE("an unset variable behind the client secret is an error naming the profile and field") {
    test::ScopedEnv env("HOOKAUTH_UNIT_OAUTH_SECRET", nullptr);
    auto p = client_credentials_profile();
    p.secrets["client-secret"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_OAUTH_SECRET"};
    auto c = to_credentials(p);
    CHECK_FALSE(c);
    CHECK(test::contains(test::error_of(c), "partner-oauth: client-secret"));
  }
}

TEST_CASE("validate: --redirect-uri on [::1] needs a port like any other host") {
  auto no_port = oauth2_with("redirect-uri", "http://[::1]/cb");
  CHECK_FALSE(no_port);
  CHECK(test::contains(test::error_of(no_port), "'http://[::1]/cb' has no port (1 to 65535) to listen on"));
  CHECK(test::contains(test::error_of(oauth2_with("redirect-uri", "http://[::1]:/cb")), "has no port"));
  CHECK(oauth2_with("redirect-uri", "http://[::1]:8080/cb"));
  CHECK(oauth2_with("redirect-uri", "http://[::1]:8080"));
  CHECK(oauth2_with("redirect-uri", "http://[::1]:1?x=1"));
}

TEST_CASE("to_credentials for oauth2: the default issuer is the origin, before a query or fragment") {
  struct Case {
    const char* auth_url;
    const char* issuer;
  };
  for (const auto& c : {Case{"https://auth.example.org?tenant=a", "https://auth.example.org"},
                        Case{"https://auth.example.org#login", "https://auth.example.org"},
                        Case{"https://auth.example.org", "https://auth.example.org"},
                        Case{"http://[::1]:9000?tenant=a", "http://[::1]:9000"}}) {
    CAPTURE(c.auth_url);
    auto p = authorization_code_profile();
    p.fields["auth-url"] = c.auth_url;
    REQUIRE(validate(p));
    auto creds = to_credentials(p);
    REQUIRE(creds);
    CHECK(std::get<auth::OAuth2Credentials>(*creds).issuer == c.issuer);
  }
}

namespace {
const std::string spec_whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

Profile signature_profile(const char* scheme, std::string secret) {
  Profile p;
  p.name = "partner-hooks";
  p.type = "signature";
  p.fields["scheme"] = scheme;
  p.secrets["secret"] = SecretRef{SecretRef::Kind::literal, std::move(secret)};
  return p;
}

Profile stacked_profile(const char* scheme, std::string secret) {
  auto p = client_credentials_profile();
  p.fields["signature"] = scheme;
  p.secrets["signature-secret"] = SecretRef{SecretRef::Kind::literal, std::move(secret)};
  return p;
}
}  // namespace

TEST_CASE("to_signature: the signature type's own, or one stacked on another type") {
  SUBCASE("the signature type") {
    auto p = signature_profile("stripe", "whsec_stripe_new");
    REQUIRE(validate(p));
    auto s = to_signature(p);
    REQUIRE(s);
    REQUIRE(*s);
    CHECK((*s)->scheme == auth::SignatureScheme::stripe);
    CHECK((*s)->secrets == std::vector<std::string>{"whsec_stripe_new"});
    // It carries no credentials of its own.
    auto creds = to_credentials(p);
    REQUIRE(creds);
    CHECK(std::holds_alternative<auth::NoAuth>(*creds));
  }
  SUBCASE("stacked on oauth2: the type's credentials and the signature both") {
    auto p = stacked_profile("standard-webhooks", spec_whsec);
    REQUIRE(validate(p));
    auto s = to_signature(p);
    REQUIRE(s);
    REQUIRE(*s);
    CHECK((*s)->scheme == auth::SignatureScheme::standard_webhooks);
    CHECK((*s)->secrets == std::vector<std::string>{spec_whsec});
    auto creds = to_credentials(p);
    REQUIRE(creds);
    CHECK(std::get<auth::OAuth2Credentials>(*creds).client_secret == "cl13nt-s3cret");
  }
  SUBCASE("stacked on basic, with every scheme") {
    for (const char* scheme : {"standard-webhooks", "github", "stripe", "hmac"}) {
      CAPTURE(scheme);
      auto p = basic_profile();
      p.fields["signature"] = scheme;
      p.secrets["signature-secret"] = SecretRef{SecretRef::Kind::literal, spec_whsec};
      REQUIRE(validate(p));
      auto s = to_signature(p);
      REQUIRE(s);
      REQUIRE(*s);
      CHECK(auth::scheme_name((*s)->scheme) == scheme);
    }
  }
  SUBCASE("several secrets: one per line; for standard-webhooks also space-separated") {
    auto lines = signature_profile("github", "new secret\nold-secret\r\n\n  \nolder");
    auto s = to_signature(lines);
    REQUIRE(s);
    REQUIRE(*s);
    // GitHub, Stripe and hmac secrets are raw bytes and may hold spaces: only a line break separates.
    CHECK((*s)->secrets == std::vector<std::string>{"new secret", "old-secret", "older"});
    auto one = to_signature(stacked_profile("hmac", "a secret with spaces"));
    REQUIRE(one);
    CHECK((*one)->secrets == std::vector<std::string>{"a secret with spaces"});

    const std::string second = "whsec_" + std::string(32, 'A');
    auto stacked = stacked_profile("standard-webhooks", "  " + spec_whsec + "   " + second + " ");
    auto t = to_signature(stacked);
    REQUIRE(t);
    REQUIRE(*t);
    CHECK((*t)->secrets == std::vector<std::string>{spec_whsec, second});
    auto mixed = to_signature(signature_profile("standard-webhooks", spec_whsec + "\n" + second + " " + spec_whsec));
    REQUIRE(mixed);
    CHECK((*mixed)->secrets == std::vector<std::string>{spec_whsec, second, spec_whsec});
  }
  SUBCASE("the hmac options are mapped, for the signature type and stacked") {
    for (bool own : {true, false}) {
      CAPTURE(own);
      auto p = own ? signature_profile("hmac", "hm4c") : stacked_profile("hmac", "hm4c");
      p.fields["signature-header"] = "X-Partner-Sig";
      p.fields["signature-algorithm"] = "sha512";
      p.fields["signature-encoding"] = "base64";
      p.fields["signature-prefix"] = "sha512=";
      p.fields["signed-content"] = "{timestamp}.{id}.{body}";
      p.fields["timestamp-header"] = "X-Partner-Time";
      p.fields["id-header"] = "X-Partner-Id";
      REQUIRE(validate(p));
      auto s = to_signature(p);
      REQUIRE(s);
      REQUIRE(*s);
      const auto& h = (*s)->hmac;
      CHECK(h.header == "X-Partner-Sig");
      CHECK(h.sha512);
      CHECK(h.base64);
      CHECK(h.prefix == "sha512=");
      CHECK(h.content == "{timestamp}.{id}.{body}");
      CHECK(h.timestamp_header == "X-Partner-Time");
      CHECK(h.id_header == "X-Partner-Id");
    }
    auto defaults = to_signature(signature_profile("hmac", "hm4c"));
    REQUIRE(defaults);
    REQUIRE(*defaults);
    const auto& h = (*defaults)->hmac;
    CHECK(h.header == "X-Signature");
    CHECK_FALSE(h.sha512);
    CHECK_FALSE(h.base64);
    CHECK(h.prefix.empty());
    CHECK(h.content == "{body}");
    CHECK(h.timestamp_header == "X-Webhook-Timestamp");
    CHECK(h.id_header == "X-Webhook-Id");
  }
  SUBCASE("none when the profile has no signature") {
    for (const Profile& p : {basic_profile(), client_credentials_profile(), api_key_profile()}) {
      CAPTURE(p.name);
      auto s = to_signature(p);
      REQUIRE(s);
      CHECK_FALSE(*s);
    }
    Profile none{"open", "none", {}, {}};
    auto s = to_signature(none);
    REQUIRE(s);
    CHECK_FALSE(*s);
  }
  SUBCASE("a whsec_ secret of the wrong size is refused, naming the profile, never the secret") {
    const std::string short_secret = "whsec_c2hvcnQtc2VjcmV0LTEx";  // base64 of 15 bytes
    for (bool own : {true, false}) {
      CAPTURE(own);
      auto p = own ? signature_profile("standard-webhooks", spec_whsec + " " + short_secret)
                   : stacked_profile("standard-webhooks", short_secret);
      auto s = to_signature(p);
      REQUIRE_FALSE(s);
      CHECK(s.error().code == ExitCode::usage);
      CHECK(s.error().message.starts_with(p.name + ": signature secret " + (own ? "2" : "1") + ": "));
      CHECK(test::contains(s.error().message, "24 to 64 bytes, this one is 15"));
      CHECK_FALSE(test::contains(s.error().message, "c2hvcnQtc2VjcmV0LTEx"));
      CHECK_FALSE(test::contains(s.error().message, "short-secret"));
    }
    // The same secret is fine for a scheme that takes raw bytes.
    CHECK(to_signature(stacked_profile("stripe", short_secret)));
  }
  SUBCASE("a secret reference that cannot be read names the profile and field") {
    test::ScopedEnv env("HOOKAUTH_UNIT_WHSEC", nullptr);
    auto p = stacked_profile("github", "x");
    p.secrets["signature-secret"] = SecretRef{SecretRef::Kind::env, "HOOKAUTH_UNIT_WHSEC"};
    CHECK(test::contains(test::error_of(to_signature(p)), "partner-oauth: signature-secret"));
    test::ScopedEnv set("HOOKAUTH_UNIT_WHSEC", "from-env-1\nfrom-env-2");
    auto s = to_signature(p);
    REQUIRE(s);
    CHECK((*s)->secrets == std::vector<std::string>{"from-env-1", "from-env-2"});
  }
}

TEST_CASE("validate: --signature and --signature-secret go together") {
  auto both = stacked_profile("github", "s3cret");
  CHECK(validate(both));

  auto scheme_only = both;
  scheme_only.secrets.erase("signature-secret");
  CHECK(test::error_of(validate(scheme_only)) == "--signature needs --signature-secret");

  auto secret_only = both;
  secret_only.fields.erase("signature");
  auto r = validate(secret_only);
  CHECK(test::error_of(r) == "--signature-secret needs --signature SCHEME");
  CHECK_FALSE(test::contains(test::error_of(r), "s3cret"));

  SUBCASE("the scheme is one of the four") {
    auto p = both;
    p.fields["signature"] = "svix";
    CHECK(test::error_of(validate(p)) == "signature: 'svix' is not one of standard-webhooks, github, stripe, hmac");
  }
  SUBCASE("the secret is a secret, never a plain field") {
    auto p = both;
    p.secrets.erase("signature-secret");
    p.fields["signature-secret"] = "PLAIN-WHSEC";
    auto plain = validate(p);
    CHECK_FALSE(plain);
    CHECK_FALSE(test::contains(test::error_of(plain), "PLAIN-WHSEC"));
  }
  SUBCASE("the signature type needs --scheme and --secret, and takes no stacked signature") {
    auto p = signature_profile("github", "s");
    CHECK(validate(p));
    auto no_secret = p;
    no_secret.secrets.clear();
    CHECK(test::error_of(validate(no_secret)) == "type signature needs --secret");
    auto no_scheme = p;
    no_scheme.fields.erase("scheme");
    CHECK(test::error_of(validate(no_scheme)) == "type signature needs --scheme");
    auto stacked = p;
    stacked.fields["signature"] = "github";
    CHECK(test::error_of(validate(stacked)) == "--signature does not apply to type signature");
  }
  SUBCASE("the store's JSON round-trips a stacked signature, the secret as a reference") {
    auto p = stacked_profile("hmac", "x");
    p.secrets["signature-secret"] = SecretRef{SecretRef::Kind::env, "PARTNER_WHSEC"};
    p.fields["signature-algorithm"] = "sha512";
    auto j = to_json(p);
    CHECK(j.at("signature-secret") == nlohmann::ordered_json{{"env", "PARTNER_WHSEC"}});
    auto back = profile_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back);
    CHECK(back->fields == p.fields);
    CHECK(back->secrets == p.secrets);
    auto missing = nlohmann::json::parse(j.dump());
    missing.erase("signature-secret");
    auto m = profile_from_json(missing);
    REQUIRE_FALSE(m);
    CHECK(m.error().message == "--signature needs --signature-secret");
  }
}

}  // namespace hookauth::store
