#include "store/profile.hpp"

#include <doctest/doctest.h>

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

}  // namespace hookauth::store
