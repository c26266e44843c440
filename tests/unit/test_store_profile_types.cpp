#include "store/profile.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hookauth::store {

TEST_CASE("the type table lists none, basic, api-key, digest, aws-sigv4 and oauth2, in that order") {
  // Types added after oauth2 (the payload signature) come after these six.
  REQUIRE(profile_types().size() >= 6);
  std::vector<std::string_view> names;
  for (const auto& t : profile_types()) names.push_back(t.name);
  CHECK(std::vector<std::string_view>(names.begin(), names.begin() + 6) ==
        std::vector<std::string_view>{"none", "basic", "api-key", "digest", "aws-sigv4", "oauth2"});
  CHECK(type_names().starts_with("none, basic, api-key, digest, aws-sigv4, oauth2"));
  REQUIRE(find_type("aws-sigv4") != nullptr);
  CHECK(find_type("aws-sigv4")->field("secret-key")->secret);
  CHECK(find_type("aws-sigv4")->field("session-token")->secret);
  CHECK(find_type("aws-sigv4")->field("sign-header")->list);
  CHECK_FALSE(find_type("aws-sigv4")->field("region")->list);
  REQUIRE(find_type("oauth2") != nullptr);
  CHECK(find_type("oauth2")->label == "OAuth 2.0");
  CHECK(find_type("oauth2")->field("client-secret")->secret);
  CHECK_FALSE(find_type("oauth2")->field("client-secret")->required);
  CHECK(find_type("oauth2")->field("token-header")->list);
  CHECK(static_cast<bool>(find_type("oauth2")->check));
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

TEST_CASE("field_applies: the hmac options need the hmac scheme, --auth-url the authorization-code grant") {
  Profile basic{"b", "basic", {{"username", "u"}, {"signature-header", "X-S"}}, {}};
  CHECK_FALSE(field_applies(basic, "signature-header"));
  CHECK(field_applies(basic, "username"));
  CHECK(field_applies(basic, "signature"));
  auto no_hmac = check_fields_apply(basic);
  REQUIRE_FALSE(no_hmac);
  CHECK(no_hmac.error().message == "--signature-header applies only to --signature hmac");
  basic.fields["signature"] = "github";
  CHECK_FALSE(check_fields_apply(basic));
  basic.fields["signature"] = "hmac";
  CHECK(check_fields_apply(basic));

  Profile sig{"s", "signature", {{"scheme", "github"}, {"signed-content", "{body}"}}, {}};
  auto github = check_fields_apply(sig);
  REQUIRE_FALSE(github);
  CHECK(github.error().message == "--signed-content applies only to --scheme hmac");
  sig.fields["scheme"] = "hmac";
  CHECK(check_fields_apply(sig));

  Profile cc{"o", "oauth2", {{"grant", "client-credentials"}, {"issuer", "https://i.example"}}, {}};
  CHECK(check_fields_apply(cc));  // the issuer also checks a JWT's iss
  for (const char* field : {"auth-url", "redirect-uri"}) {
    CAPTURE(field);
    Profile p = cc;
    p.fields[field] = "http://127.0.0.1:8765/x";
    auto r = check_fields_apply(p);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "--" + std::string(field) + " applies only to --grant authorization-code");
    p.fields["grant"] = "authorization-code";
    CHECK(check_fields_apply(p));
  }
}

namespace {

// A valid value for every field that takes any text (fields with choices take one of them). A field
// added without a sample here fails the test below: give it one.
const std::map<std::string_view, std::string_view> sample_values = {
    {"username", "Aladdin"},
    {"password", "open sesame"},
    {"key", "X-API-Key"},
    {"value", "k3y-s3cret"},
    {"realm", "testrealm@host.com"},
    {"nonce", "dcd98b7102dd2f0e8b11d0f600bfb0c093"},
    {"algorithm", "SHA-256"},
    {"qop", "auth"},
    {"nc", "00000001"},
    {"cnonce", "0a4f113b"},
    {"opaque", "5ccc069c403ebaf9f0171e9517f40e41"},
    {"access-key", "AKIDEXAMPLE"},
    {"secret-key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
    {"session-token", "session-t0ken"},
    {"aws-profile", "partner-prod"},
    {"region", "us-east-1"},
    {"service", "execute-api"},
    {"sign-header", "x-amz-meta-tag"},
    {"client-id", "app"},
    {"client-secret", "client-s3cret"},
    {"token-url", "https://as.example/token"},
    {"auth-url", "https://as.example/authorize"},
    {"redirect-uri", "http://127.0.0.1:8765/callback"},
    {"scope", "read write"},
    {"validity", "3600"},
    {"refresh-url", "https://as.example/refresh"},
    {"token-header", "X-Tenant: t1"},
    {"refresh-margin", "60"},
    {"issuer", "https://as.example"},
    {"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},  // valid for every scheme
    {"signature-secret", "hmac-s3cret"},
    {"signature-header", "X-Sig"},
    {"signature-prefix", "sha256="},
    {"signed-content", "{timestamp}.{body}"},
    {"timestamp-header", "X-Ts"},
    {"id-header", "X-Id"},
};

// Fills every field of the type: a choice field with its last choice (hmac, authorization-code,
// query, ...: the ones that make the conditional fields apply), any other with its sample, but for a
// field that excludes one filled before it (FieldSpec::excludes); with required_only, the required
// fields alone, each choice field with its first choice.
Profile filled(const TypeSpec& t, bool required_only) {
  Profile p{"complete", std::string(t.name), {}, {}};
  auto excluded = [&](const FieldSpec& f) {  // by a field filled already, or excluding one
    for (const auto& g : t.fields) {
      bool filled_g = p.fields.contains(std::string(g.name)) || p.secrets.contains(std::string(g.name));
      if (filled_g && (std::find(g.excludes.begin(), g.excludes.end(), f.name) != g.excludes.end() ||
                       std::find(f.excludes.begin(), f.excludes.end(), g.name) != f.excludes.end()))
        return true;
    }
    return false;
  };
  for (const auto& f : t.fields) {
    if ((required_only && !f.required) || excluded(f)) continue;
    std::string value;
    if (!f.choices.empty()) {
      value = std::string(required_only ? f.choices.front() : f.choices.back());
    } else {
      auto sample = sample_values.find(f.name);
      if (sample == sample_values.end()) {
        FAIL_CHECK("type " << t.name << ": no sample value for field " << f.name << " (add one to sample_values)");
        continue;
      }
      value = std::string(sample->second);
    }
    if (f.secret)
      p.secrets[std::string(f.name)] = SecretRef{SecretRef::Kind::literal, value};
    else
      p.fields[std::string(f.name)] = value;
  }
  return p;
}

bool is_choice(const FieldSpec& f, std::string_view value) {
  return std::find(f.choices.begin(), f.choices.end(), value) != f.choices.end();
}

}  // namespace

TEST_CASE("every type in the table is complete") {
  for (const auto& t : profile_types()) {
    CAPTURE(t.name);
    CHECK_FALSE(t.label.empty());
    REQUIRE(static_cast<bool>(t.to_credentials));
    CHECK(find_type(t.name) == &t);
    REQUIRE(t.field(t.signature_field) != nullptr);
    REQUIRE(t.field(t.signature_secret_field) != nullptr);
    CHECK(t.field(t.signature_secret_field)->secret);
    for (const auto& f : t.fields) {
      CAPTURE(f.name);
      CHECK_FALSE(f.help.empty());
      CHECK(t.field(f.name) == &f);  // no name twice
      if (!f.choices.empty() && !f.default_value.empty()) CHECK(is_choice(f, f.default_value));
      if (f.flag) CHECK(is_choice(f, "true"));
      if (f.secret) CHECK(f.default_value.empty());
      for (const auto& [theirs, ours] : f.postman_values) CHECK((f.choices.empty() || is_choice(f, ours)));
      if (!f.applies_when.field.empty()) {
        const FieldSpec* condition = t.field(f.applies_when.field);
        REQUIRE(condition != nullptr);
        CHECK(is_choice(*condition, f.applies_when.value));
      }
    }
    for (bool required_only : {false, true}) {
      CAPTURE(required_only);
      Profile p = filled(t, required_only);
      auto valid = validate(p);
      CHECK_MESSAGE(valid, (valid ? "" : valid.error().message));
      auto apply = check_fields_apply(p);
      CHECK_MESSAGE(apply, (apply ? "" : apply.error().message));
      auto c = to_credentials(p);
      REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
      // The credentials are the type's own; only a type whose payload signature is its own (not
      // stacked on it) has none.
      bool own_signature = !t.field(t.signature_field)->stacked;
      CHECK(auth::type_name(*c) == (own_signature ? std::string_view("none") : t.name));
      auto sig = to_signature(p);
      REQUIRE_MESSAGE(sig, (sig ? "" : sig.error().message));
      CHECK(sig->has_value() == (own_signature || !required_only));
    }
  }
}

TEST_CASE("canonical spellings: Digest algorithms as RFC 7616 spells them, grants with '-'") {
  const FieldSpec* algorithm = find_type("digest")->field("algorithm");
  REQUIRE(static_cast<bool>(algorithm->canonical));
  CHECK(algorithm->canonical("sha-256") == "SHA-256");
  CHECK(algorithm->canonical("md5-SESS, sha-512-256 ,Sha-256-Sess") == "MD5-sess, SHA-512-256 ,SHA-256-sess");
  CHECK(algorithm->canonical("sha-1,MD5") == "sha-1,MD5");  // an unknown name is left for the check to refuse
  CHECK(algorithm->canonical("") == "");
  const FieldSpec* grant = find_type("oauth2")->field("grant");
  REQUIRE(static_cast<bool>(grant->canonical));
  CHECK(grant->canonical("client_credentials") == "client-credentials");
  CHECK(grant->canonical("authorization_code") == "authorization-code");
  CHECK(grant->canonical("client-credentials") == "client-credentials");
  // every canonical spelling of a field with choices is one of them, or the value unchanged
  for (const auto& t : profile_types())
    for (const auto& f : t.fields)
      if (f.canonical)
        for (auto choice : f.choices) CHECK(f.canonical(choice) == choice);
}

}  // namespace hookauth::store

namespace hookauth::store {

TEST_CASE("--aws-profile waives the keys and the region, and the two ways set each other aside") {
  Profile by_profile{
      .name = "p", .type = "aws-sigv4", .fields = {{"aws-profile", "dev"}, {"service", "s3"}}, .secrets = {}};
  for (auto f : {"access-key", "secret-key", "region"}) CHECK(field_waived(by_profile, f));
  CHECK_FALSE(field_waived(by_profile, "service"));
  for (auto f : {"access-key", "secret-key", "session-token", "region"}) CHECK(field_set_aside(by_profile, f));
  CHECK_FALSE(field_set_aside(by_profile, "aws-profile"));
  CHECK_FALSE(field_set_aside(by_profile, "sign-header"));

  Profile by_keys{
      .name = "k", .type = "aws-sigv4", .fields = {{"access-key", "AK"}, {"region", "us-east-1"}}, .secrets = {}};
  by_keys.secrets["secret-key"] = SecretRef{SecretRef::Kind::literal, "SK"};
  CHECK(field_set_aside(by_keys, "aws-profile"));
  CHECK_FALSE(field_set_aside(by_keys, "session-token"));
  CHECK_FALSE(field_waived(by_keys, "region"));

  // An empty --aws-profile stands in for nothing.
  Profile empty{.name = "e", .type = "aws-sigv4", .fields = {{"aws-profile", ""}}, .secrets = {}};
  CHECK_FALSE(field_waived(empty, "access-key"));
  CHECK_FALSE(field_set_aside(empty, "access-key"));
}

}  // namespace hookauth::store
