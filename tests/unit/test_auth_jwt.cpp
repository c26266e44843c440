#include "auth/jwt.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "auth/crypto.hpp"
#include "auth/oauth2.hpp"
#include "test_data.hpp"
#include "test_support.hpp"

// Every token and key here was made outside hookauth, by tests/data/jwt/make_vectors.py (Authlib
// and python3-cryptography); JwtExpectations::now is pinned to the time they were made for.

namespace hookauth::auth {

namespace {

const nlohmann::json& jwt_vectors() {
  static const nlohmann::json v = test::data_json("jwt/tokens.json");
  return v;
}

std::string token(const char* name) {
  INFO("token: ", name);
  REQUIRE(jwt_vectors().at("tokens").contains(name));
  return jwt_vectors().at("tokens").at(name).at("token").get<std::string>();
}

long long now_of_vectors() { return jwt_vectors().at("now").get<long long>(); }
long long claim(const char* name) { return jwt_vectors().at("claims").at(name).get<long long>(); }
std::string issuer() { return jwt_vectors().at("issuer"); }
std::string audience() { return jwt_vectors().at("audience"); }

Jwks jwks_from(const std::string& file) {
  auto parsed = parse_jwks(test::read_file(test::data_path(file)));
  INFO(test::error_of(parsed));
  REQUIRE(parsed);
  return *parsed;
}

const Jwks& jwks() {
  static const Jwks k = jwks_from("jwt/jwks.json");
  return k;
}

// What a receiver configured for these tokens expects, at `now` plus an offset.
JwtExpectations expected(long long offset = 0) {
  JwtExpectations e;
  e.now = util::Clock::time_point(std::chrono::seconds(now_of_vectors() + offset));
  e.leeway = std::chrono::seconds(60);
  e.issuer = issuer();
  e.audience = audience();
  return e;
}

JwtExpectations expected_at(long long seconds_since_epoch) {
  JwtExpectations e = expected();
  e.now = util::Clock::time_point(std::chrono::seconds(seconds_since_epoch));
  return e;
}

const std::string bad_signature =
    "the JWT's signature does not verify: its header or claims were changed, or another key signed it";

}  // namespace

TEST_CASE("parse_jwks: the RSA, EC and OKP keys of a JWKS, their parts decoded") {
  const auto raw = test::data_json("jwt/crypto.json");
  const Jwks& k = jwks();
  REQUIRE(k.keys.size() == 3);

  const Jwk& rsa = k.keys[0];
  CHECK(rsa.kid == "rsa-2024");
  CHECK(rsa.kty == "RSA");
  CHECK(rsa.alg == "RS256");
  CHECK(rsa.n.size() == 256);
  CHECK(rsa.n == test::from_hex(raw.at("rs256").at("n").get<std::string>()));
  CHECK(rsa.e == std::string("\x01\x00\x01", 3));
  CHECK(rsa.x.empty());

  const Jwk& ec = k.keys[1];
  CHECK(ec.kid == "ec-2024");
  CHECK(ec.kty == "EC");
  CHECK(ec.alg == "ES256");
  CHECK(ec.crv == "P-256");
  CHECK(ec.x == test::from_hex(raw.at("es256").at("x").get<std::string>()));
  CHECK(ec.y == test::from_hex(raw.at("es256").at("y").get<std::string>()));
  CHECK(ec.n.empty());

  const Jwk& okp = k.keys[2];
  CHECK(okp.kid == "ed-2024");
  CHECK(okp.kty == "OKP");
  CHECK(okp.alg == "EdDSA");
  CHECK(okp.crv == "Ed25519");
  CHECK(okp.x == test::from_hex(raw.at("ed25519").at("public").get<std::string>()));
  CHECK(okp.y.empty());
}

TEST_CASE("parse_jwks: keys for encryption, symmetric keys and unknown types are skipped") {
  auto keys = nlohmann::json::parse(test::read_file(test::data_path("jwt/jwks.json"))).at("keys");
  nlohmann::json doc = {{"keys", nlohmann::json::array()}};
  auto enc = keys[0];
  enc["use"] = "enc";
  enc["kid"] = "rsa-enc";
  doc["keys"].push_back(enc);
  doc["keys"].push_back({{"kty", "oct"}, {"kid", "shared"}, {"k", "c2VjcmV0"}});
  doc["keys"].push_back({{"kty", "PQC"}, {"kid", "future"}});
  doc["keys"].push_back(keys[1]);
  auto parsed = parse_jwks(doc.dump());
  REQUIRE(parsed);
  REQUIRE(parsed->keys.size() == 1);
  CHECK(parsed->keys[0].kid == "ec-2024");

  auto empty = parse_jwks(R"({"keys": []})");
  REQUIRE(empty);
  CHECK(empty->keys.empty());
  // A key without "use" or with "use": "sig" is kept.
  auto sig = keys[2];
  sig.erase("use");
  auto kept = parse_jwks(nlohmann::json{{"keys", {sig}}}.dump());
  REQUIRE(kept);
  CHECK(kept->keys.size() == 1);
}

TEST_CASE("parse_jwks: errors name what is malformed") {
  for (const char* not_object : {"", "nope", "[]", R"("keys")", "42", R"({"keys": [)"}) {
    CAPTURE(not_object);
    CHECK(test::error_of(parse_jwks(not_object)) == "the JWKS is not a JSON object");
  }
  for (const char* no_keys : {"{}", R"({"keys": {}})", R"({"keys": "a"})", R"({"key": []})"}) {
    CAPTURE(no_keys);
    CHECK(test::error_of(parse_jwks(no_keys)) == "the JWKS has no 'keys' array");
  }
  CHECK(test::error_of(parse_jwks(R"({"keys": [{"kty": "oct"}, 5]})")) == "JWKS key 2: not an object");

  auto keys = nlohmann::json::parse(test::read_file(test::data_path("jwt/jwks.json"))).at("keys");
  struct Case {
    std::size_t key;
    const char* member;
    nlohmann::json value;  // null: removed
    const char* message;
  };
  for (const auto& c :
       {Case{0, "n", nullptr, "JWKS key 1: no 'n'"}, Case{0, "e", nullptr, "JWKS key 1: no 'e'"},
        Case{0, "n", 12345, "JWKS key 1: no 'n'"}, Case{0, "n", "abc+def/", "JWKS key 1: 'n' is not base64url"},
        Case{0, "e", "", "JWKS key 1: 'e' is not base64url"}, Case{1, "x", nullptr, "JWKS key 1: no 'x'"},
        Case{1, "y", nullptr, "JWKS key 1: no 'y'"}, Case{1, "y", "AQAB=", "JWKS key 1: 'y' is not base64url"},
        Case{2, "x", nullptr, "JWKS key 1: no 'x'"}}) {
    CAPTURE(c.key);
    CAPTURE(c.member);
    auto key = keys[c.key];
    if (c.value.is_null())
      key.erase(c.member);
    else
      key[c.member] = c.value;
    CHECK(test::error_of(parse_jwks(nlohmann::json{{"keys", {key}}}.dump())) == c.message);
  }
  SUBCASE("the position counts every entry, skipped ones too") {
    auto key = keys[0];
    key.erase("n");
    auto doc = nlohmann::json{{"keys", {{{"kty", "oct"}, {"k", "AA"}}, keys[1], key}}};
    CHECK(test::error_of(parse_jwks(doc.dump())) == "JWKS key 3: no 'n'");
  }
}

TEST_CASE("verify_jwt: RS256, ES256 and EdDSA tokens made by Authlib") {
  for (const char* name : {"rs256", "es256", "eddsa"}) {
    CAPTURE(name);
    auto v = verify_jwt(token(name), jwks(), expected());
    CHECK(v.valid);
    CHECK(v.reason.empty());
    CHECK_FALSE(v.unknown_kid);
    CHECK(v.subject == "partner-7");
    CHECK(v.exp == claim("exp"));
  }
  auto rs = verify_jwt(token("rs256"), jwks(), expected());
  CHECK(rs.alg == "RS256");
  CHECK(rs.kid == "rsa-2024");
  CHECK(verify_jwt(token("es256"), jwks(), expected()).alg == "ES256");
  auto ed = verify_jwt(token("eddsa"), jwks(), expected());
  CHECK(ed.alg == "EdDSA");
  CHECK(ed.kid == "ed-2024");

  SUBCASE("a token without kid is checked with every key of its algorithm") {
    auto v = verify_jwt(token("eddsa_no_kid"), jwks(), expected());
    CHECK(v.valid);
    CHECK(v.kid.empty());
  }
  SUBCASE("keys without an alg member are used for any algorithm their type fits") {
    auto doc = nlohmann::json::parse(test::read_file(test::data_path("jwt/jwks.json")));
    for (auto& k : doc.at("keys")) k.erase("alg");
    auto bare = parse_jwks(doc.dump());
    REQUIRE(bare);
    for (const char* name : {"rs256", "es256", "eddsa"}) {
      CAPTURE(name);
      CHECK(verify_jwt(token(name), *bare, expected()).valid);
    }
  }
}

TEST_CASE("verify_jwt: exp, with the leeway") {
  const long long exp = claim("exp");
  SUBCASE("within the leeway") {
    CHECK(verify_jwt(token("rs256"), jwks(), expected_at(exp)).valid);
    CHECK(verify_jwt(token("rs256"), jwks(), expected_at(exp + 59)).valid);
  }
  SUBCASE("beyond the leeway") {
    auto v = verify_jwt(token("rs256"), jwks(), expected_at(exp + 60));
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "the JWT expired 60 s ago (leeway 60 s)");
    CHECK_FALSE(v.unknown_kid);
    CHECK(verify_jwt(token("es256"), jwks(), expected_at(exp + 3600)).reason ==
          "the JWT expired 3600 s ago (leeway 60 s)");
  }
  SUBCASE("without leeway, exp is the first second the token is refused (RFC 7519 4.1.4)") {
    auto e = expected_at(exp - 1);
    e.leeway = std::chrono::seconds(0);
    CHECK(verify_jwt(token("eddsa"), jwks(), e).valid);
    e.now += std::chrono::seconds(1);
    CHECK(verify_jwt(token("eddsa"), jwks(), e).reason == "the JWT expired 0 s ago (leeway 0 s)");
  }
  SUBCASE("no exp is refused") {
    auto v = verify_jwt(token("rs256_no_exp"), jwks(), expected());
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "the JWT has no exp");
  }
  SUBCASE("an exp of 2^63-1 never expires") {
    auto v = verify_jwt(token("rs256_exp_max"), jwks(), expected());
    CHECK(v.reason == "");
    CHECK(v.valid);
  }
}

TEST_CASE("verify_jwt: nbf, with the leeway") {
  const long long nbf = claim("nbf");
  CHECK(verify_jwt(token("rs256"), jwks(), expected_at(nbf - 60)).valid);
  auto v = verify_jwt(token("rs256"), jwks(), expected_at(nbf - 61));
  CHECK_FALSE(v.valid);
  CHECK(v.reason == "the JWT is not valid for another 61 s (nbf, leeway 60 s)");
  auto far = verify_jwt(token("es256"), jwks(), expected_at(nbf - 86400));
  CHECK(far.reason == "the JWT is not valid for another 86400 s (nbf, leeway 60 s)");

  SUBCASE("an nbf of 2^64-1, beyond int64, is not in the past") {
    auto huge = verify_jwt(token("rs256_nbf_huge"), jwks(), expected());
    CHECK_FALSE(huge.valid);
    CHECK_FALSE(huge.reason.empty());
  }
}

TEST_CASE("verify_jwt: iss and aud") {
  SUBCASE("another issuer") {
    auto e = expected();
    e.issuer = "https://login.other.example";
    auto v = verify_jwt(token("rs256"), jwks(), e);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "the JWT's iss '" + issuer() + "' is not 'https://login.other.example'");
    e.issuer = issuer() + "/";  // compared exactly
    CHECK_FALSE(verify_jwt(token("rs256"), jwks(), e).valid);
  }
  SUBCASE("another audience") {
    auto e = expected();
    e.audience = "another-receiver";
    auto v = verify_jwt(token("es256"), jwks(), e);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "the JWT's aud does not include 'another-receiver'");
  }
  SUBCASE("aud as an array: any entry is the audience") {
    CHECK(verify_jwt(token("rs256_aud_array"), jwks(), expected()).valid);
    auto e = expected();
    e.audience = "https://other.example";
    CHECK(verify_jwt(token("rs256_aud_array"), jwks(), e).valid);
    auto other = verify_jwt(token("rs256_aud_other"), jwks(), expected());
    CHECK_FALSE(other.valid);
    CHECK(other.reason == "the JWT's aud does not include '" + audience() + "'");
  }
}

TEST_CASE("verify_jwt: a changed token does not verify") {
  for (const char* name : {"rs256_tampered_payload", "es256_tampered_payload", "eddsa_tampered_payload",
                           "rs256_tampered_signature", "es256_tampered_signature", "eddsa_tampered_signature"}) {
    CAPTURE(name);
    auto v = verify_jwt(token(name), jwks(), expected());
    CHECK_FALSE(v.valid);
    CHECK(v.reason == bad_signature);
    CHECK_FALSE(v.unknown_kid);
    // Nothing from unverified claims is reported.
    CHECK(v.subject.empty());
  }
  SUBCASE("a key of the right type and kid that did not sign the token") {
    auto doc = nlohmann::json::parse(test::read_file(test::data_path("jwt/jwks.json")));
    doc.at("keys")[2]["x"] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";  // RFC 8032 7.1 TEST 1's public key
    auto other = parse_jwks(doc.dump());
    REQUIRE(other);
    auto v = verify_jwt(token("eddsa"), *other, expected());
    CHECK_FALSE(v.valid);
    CHECK_FALSE(v.unknown_kid);
    CHECK(v.reason == bad_signature);
  }
}

TEST_CASE("verify_jwt: a kid the JWKS does not have") {
  auto v = verify_jwt(token("rs256_unknown_kid"), jwks(), expected());
  CHECK_FALSE(v.valid);
  CHECK(v.unknown_kid);
  CHECK(v.kid == "rsa-2023");
  CHECK(v.reason == "the JWKS has no RS256 key with kid 'rsa-2023'");

  SUBCASE("an empty JWKS") {
    auto none = verify_jwt(token("eddsa_no_kid"), Jwks{}, expected());
    CHECK(none.unknown_kid);
    CHECK(none.reason == "the JWKS has no EdDSA key");
  }
  SUBCASE("a key with the kid but another alg, or another type, is not used") {
    auto doc = nlohmann::json::parse(test::read_file(test::data_path("jwt/jwks.json")));
    doc.at("keys")[0]["alg"] = "ES256";  // rsa-2024 says it is for ES256
    auto mismatched = parse_jwks(doc.dump());
    REQUIRE(mismatched);
    auto rs = verify_jwt(token("rs256"), *mismatched, expected());
    CHECK_FALSE(rs.valid);
    CHECK(rs.unknown_kid);
    CHECK(rs.reason == "the JWKS has no RS256 key with kid 'rsa-2024'");

    auto doc2 = nlohmann::json::parse(test::read_file(test::data_path("jwt/jwks.json")));
    doc2.at("keys")[1]["kid"] = "rsa-2024";  // the EC key under the RSA key's kid
    doc2.at("keys").erase(0);
    auto swapped = parse_jwks(doc2.dump());
    REQUIRE(swapped);
    auto ec = verify_jwt(token("rs256"), *swapped, expected());
    CHECK(ec.unknown_kid);
    CHECK(ec.reason == "the JWKS has no RS256 key with kid 'rsa-2024'");
  }
  SUBCASE("an unknown kid is reported before the claims are read") {
    auto late = verify_jwt(token("rs256_unknown_kid"), jwks(), expected_at(claim("exp") + 100000));
    CHECK(late.unknown_kid);
  }
}

TEST_CASE("verify_jwt: a key below 2048 bits cannot be used") {
  auto v = verify_jwt(token("rs1024"), jwks_from("jwt/jwks_weak.json"), expected());
  CHECK_FALSE(v.valid);
  CHECK_FALSE(v.unknown_kid);
  CHECK(v.reason == "the JWKS key 'weak-1024' cannot be used: an RSA key shorter than 2048 bits");
}

TEST_CASE("verify_jwt: an RSA key with e = 1 cannot verify a token forged without a private key") {
  // The key set's rsa-2024 modulus with e = 1: the RSASSA-PKCS1-v1_5 encoding of the signing input
  // (RFC 8017 section 9.2) is then its own signature.
  Jwk key = jwks().keys[0];
  key.kid = "rsa-e1";
  key.e = std::string("\x01");
  const std::string input =
      base64url(R"({"alg":"RS256","kid":"rsa-e1"})") + "." + base64url(jwt_vectors().at("claims").dump());
  const std::string digest_info = test::from_hex("3031300d060960864801650304020105000420") + crypto::sha256(input);
  const std::string encoded = std::string("\x00\x01", 2) + std::string(256 - 3 - digest_info.size(), '\xff') +
                              std::string(1, '\0') + digest_info;
  auto v = verify_jwt(input + "." + base64url(encoded), Jwks{{key}}, expected());
  CHECK_FALSE(v.valid);
  CHECK(v.reason ==
        "the JWKS key 'rsa-e1' cannot be used: an RSA key whose exponent e is below 3, even, or not below its modulus");
}

TEST_CASE("verify_jwt: a header with crit is refused (RFC 7515 section 4.1.11)") {
  // An Ed25519 key made here, so the token can be signed with and without crit.
  const std::string seed(32, '\x2a');
  auto pub = crypto::ed25519_public_key(seed);
  REQUIRE(pub);
  Jwk key;
  key.kid = "ed-crit";
  key.kty = "OKP";
  key.crv = "Ed25519";
  key.x = *pub;
  const Jwks keys{{key}};
  auto signed_token = [&](const std::string& header) {
    std::string input = base64url(header) + "." + base64url(jwt_vectors().at("claims").dump());
    auto sig = crypto::ed25519_sign(seed, input);
    REQUIRE(sig);
    return input + "." + base64url(*sig);
  };
  CHECK(verify_jwt(signed_token(R"({"alg":"EdDSA","kid":"ed-crit"})"), keys, expected()).valid);
  auto v = verify_jwt(signed_token(R"({"alg":"EdDSA","kid":"ed-crit","crit":["b64"],"b64":false})"), keys, expected());
  CHECK_FALSE(v.valid);
  CHECK(v.reason ==
        "the JWT's header marks b64 critical (crit), an extension hookauth does not understand (RFC 7515 "
        "section 4.1.11)");
  for (const char* crit : {R"([])", R"("exp")", R"([1])", "null"}) {
    CAPTURE(crit);
    auto odd = verify_jwt(signed_token(std::string(R"({"alg":"EdDSA","kid":"ed-crit","crit":)") + crit + "}"), keys,
                          expected());
    CHECK_FALSE(odd.valid);
    CHECK(test::contains(odd.reason, "RFC 7515 section 4.1.11"));
  }
}

TEST_CASE("verify_jwt: alg none and HS256 are refused, whatever the key set holds") {
  auto none = verify_jwt(token("none"), jwks(), expected());
  CHECK_FALSE(none.valid);
  CHECK_FALSE(none.unknown_kid);
  CHECK(none.reason == "the JWT's alg 'none' is not RS256, ES256 or EdDSA");
  auto hs = verify_jwt(token("hs256"), jwks(), expected());
  CHECK_FALSE(hs.valid);
  CHECK_FALSE(hs.unknown_kid);
  CHECK(hs.reason == "the JWT's alg 'HS256' is not RS256, ES256 or EdDSA");

  SUBCASE("other algorithms and no alg") {
    const std::string rest = token("rs256").substr(token("rs256").find('.'));
    for (const char* header :
         {R"({"alg":"RS384","kid":"rsa-2024"})", R"({"alg":"PS256","kid":"rsa-2024"})",
          R"({"alg":"rs256","kid":"rsa-2024"})", R"({"kid":"rsa-2024"})", R"({"alg":"none"})", R"({"alg":"ES512"})"}) {
      CAPTURE(header);
      auto v = verify_jwt(base64url(header) + rest, jwks(), expected());
      CHECK_FALSE(v.valid);
      CHECK(test::contains(v.reason, "is not RS256, ES256 or EdDSA"));
    }
  }
}

TEST_CASE("verify_jwt: what is not a JWT") {
  const std::string t = token("rs256");
  for (const std::string& bad : {std::string(""), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
                                 t + ".", t + ".x", t.substr(0, t.rfind('.'))}) {
    CAPTURE(bad);
    auto v = verify_jwt(bad, jwks(), expected());
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "the bearer token is not a JWT (three base64url parts)");
  }
  SUBCASE("a part that is not base64url") {
    auto d1 = t.find('.'), d2 = t.rfind('.');
    for (const std::string& bad :
         {"*" + t.substr(1), t.substr(0, d1) + "=" + t.substr(d1), t.substr(0, d1 + 1) + "+" + t.substr(d1 + 2),
          t.substr(0, d2 + 1) + "a/" + t.substr(d2 + 3), t.substr(0, d2) + ".A", "eyJ hbGc." + t.substr(d1 + 1)}) {
      CAPTURE(bad);
      auto v = verify_jwt(bad, jwks(), expected());
      CHECK_FALSE(v.valid);
      CHECK(v.reason == "a part of the JWT is not base64url");
    }
  }
  SUBCASE("a header or payload that is not a JSON object") {
    const std::string rest = t.substr(t.find('.'));
    for (const char* header : {"not json", "[1]", "\"RS256\""}) {
      CAPTURE(header);
      CHECK(verify_jwt(base64url(header) + rest, jwks(), expected()).reason ==
            "the JWT's header or claims are not a JSON object");
    }
    CHECK(verify_jwt(t.substr(0, t.find('.') + 1) + base64url("[]") + t.substr(t.rfind('.')), jwks(), expected())
              .reason == "the JWT's header or claims are not a JSON object");
  }
}

}  // namespace hookauth::auth
