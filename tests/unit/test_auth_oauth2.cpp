#include "auth/oauth2.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "auth/redactor.hpp"
#include "test_support.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
using ParamMap = std::map<std::string, std::string>;

using test::at;

const util::Clock::time_point now = at(1'800'000'000);

// The decoded parameters of a form body or query, by name; duplicates make the test fail.
ParamMap params_of(std::string_view form) {
  ParamMap out;
  for (auto& [k, v] : parse_query(form)) {
    CAPTURE(k);
    CHECK_FALSE(out.contains(k));
    out[k] = v;
  }
  return out;
}

OAuth2Credentials confidential_client() {
  OAuth2Credentials c;
  c.client_id = "hook-client";
  c.client_secret = "s3cret/+&=x";
  c.token_url = "https://auth.example.org/oauth/token";
  c.auth_url = "https://auth.example.org/oauth/authorize";
  c.redirect_uri = "http://127.0.0.1:8765/callback";
  c.scope = "read write";
  c.refresh_url = "https://auth.example.org/oauth/refresh";
  c.token_headers = {{"X-Tenant", "acme"}, {"X-Trace", "on"}};
  return c;
}

// base64("hook-client:s3cret%2F%2B%26%3Dx"), worked out apart from the code under test.
constexpr const char* basic_of_confidential_client = "Basic aG9vay1jbGllbnQ6czNjcmV0JTJGJTJCJTI2JTNEeA==";

}  // namespace

TEST_CASE("token_request: every grant, client authentication, method and parameter placement") {
  struct Grant {
    const char* label;
    TokenGrant grant;
    ParamMap params;  // what the grant itself sends
    const char* url;
  };
  const std::vector<Grant> grants = {
      {"client credentials (RFC 6749 4.4.2)",
       ClientCredentialsGrant{},
       {{"grant_type", "client_credentials"}, {"scope", "read write"}},
       "https://auth.example.org/oauth/token"},
      {"authorization code (RFC 6749 4.1.3, RFC 7636 4.5)",
       AuthorizationCodeGrant{"Splx/lOB&eZQ", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"},
       {{"grant_type", "authorization_code"},
        {"code", "Splx/lOB&eZQ"},
        {"redirect_uri", "http://127.0.0.1:8765/callback"},
        {"code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}},
       "https://auth.example.org/oauth/token"},
      {"refresh (RFC 6749 6): at the refresh URL, without scope",
       RefreshGrant{"tGzv3JOkF0XG5Qx2TlKWIA+="},
       {{"grant_type", "refresh_token"}, {"refresh_token", "tGzv3JOkF0XG5Qx2TlKWIA+="}},
       "https://auth.example.org/oauth/refresh"},
  };
  for (const auto& g : grants) {
    for (bool basic : {false, true}) {
      for (bool get : {false, true}) {
        for (bool in_url : {false, true}) {
          CAPTURE(g.label);
          CAPTURE(basic);
          CAPTURE(get);
          CAPTURE(in_url);
          auto c = confidential_client();
          c.client_auth_basic = basic;
          c.token_method_get = get;
          c.token_params_in_url = in_url;
          Request r = token_request(c, g.grant);

          CHECK(r.method == (get ? "GET" : "POST"));
          CHECK(r.headers.get("Accept") == "application/json");
          CHECK(r.headers.get("X-Tenant") == "acme");
          CHECK(r.headers.get("X-Trace") == "on");

          ParamMap expected = g.params;
          if (basic) {
            CHECK(r.headers.get("Authorization") == basic_of_confidential_client);
          } else {
            CHECK_FALSE(r.headers.has("Authorization"));
            expected["client_id"] = "hook-client";
            expected["client_secret"] = "s3cret/+&=x";
          }

          auto target = split_target(r.url);
          if (get || in_url) {
            CHECK(r.url.starts_with(std::string(g.url) + "?"));
            CHECK(params_of(target.query) == expected);
            CHECK(r.body.empty());
            CHECK_FALSE(r.headers.has("Content-Type"));
          } else {
            CHECK(r.url == g.url);
            CHECK(params_of(r.body) == expected);
            CHECK(r.headers.get("Content-Type") == "application/x-www-form-urlencoded");
          }
        }
      }
    }
  }
}

TEST_CASE("token_request: the details") {
  SUBCASE("a refresh without a refresh URL goes to the token URL") {
    auto c = confidential_client();
    c.refresh_url.clear();
    Request r = token_request(c, RefreshGrant{"rt"});
    CHECK(r.url == "https://auth.example.org/oauth/token");
    CHECK(params_of(r.body).at("refresh_token") == "rt");
  }
  SUBCASE("no scope asked: no scope parameter") {
    auto c = confidential_client();
    c.scope.clear();
    CHECK_FALSE(params_of(token_request(c, ClientCredentialsGrant{}).body).contains("scope"));
  }
  SUBCASE("a token URL that already has a query keeps it") {
    auto c = confidential_client();
    c.token_url = "https://auth.example.org/oauth/token?tenant=acme";
    c.token_params_in_url = true;
    Request r = token_request(c, ClientCredentialsGrant{});
    CHECK(r.url.starts_with("https://auth.example.org/oauth/token?tenant=acme&grant_type=client_credentials&"));
    CHECK(params_of(split_target(r.url).query).at("tenant") == "acme");

    c.token_params_in_url = false;
    CHECK(token_request(c, ClientCredentialsGrant{}).url == "https://auth.example.org/oauth/token?tenant=acme");
  }
  SUBCASE("a public client names itself with client_id only, even when Basic is asked") {
    for (bool basic : {false, true}) {
      CAPTURE(basic);
      auto c = confidential_client();
      c.client_secret.clear();
      c.client_auth_basic = basic;
      Request r = token_request(c, AuthorizationCodeGrant{"code", "verifier"});
      CHECK_FALSE(r.headers.has("Authorization"));
      auto p = params_of(r.body);
      CHECK(p.at("client_id") == "hook-client");
      CHECK_FALSE(p.contains("client_secret"));
    }
  }
  SUBCASE("the Basic header is base64 of the percent-encoded id ':' secret (RFC 6749 2.3.1)") {
    auto c = confidential_client();
    c.client_id = "client id:1";
    c.client_secret = std::string("s\xc3\xa9") + "cret/+&=";
    c.client_auth_basic = true;
    Request r = token_request(c, ClientCredentialsGrant{});
    // base64("client%20id%3A1:s%C3%A9cret%2F%2B%26%3D")
    CHECK(r.headers.get("Authorization") == "Basic Y2xpZW50JTIwaWQlM0ExOnMlQzMlQTljcmV0JTJGJTJCJTI2JTNE");
    CHECK_FALSE(test::contains(r.body, "client_id"));
    CHECK_FALSE(test::contains(r.body, "client_secret"));
  }
  SUBCASE("the secret never appears unencoded in the body") {
    Request r = token_request(confidential_client(), ClientCredentialsGrant{});
    CHECK_FALSE(test::contains(r.body, "s3cret/+&=x"));
    CHECK(test::contains(r.body, "client_secret=s3cret%2F%2B%26%3Dx"));
  }
  SUBCASE("the authorization code grant sends no scope") {
    CHECK_FALSE(
        params_of(token_request(confidential_client(), AuthorizationCodeGrant{"c", "v"}).body).contains("scope"));
  }
}

TEST_CASE("parse_token_answer: a token") {
  const std::string json = "application/json";
  SUBCASE("every member") {
    auto t = parse_token_answer(200, "application/json; charset=utf-8",
                                R"({"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"bearer",)"
                                R"("expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"read"})",
                                now, std::nullopt);
    REQUIRE(t);
    CHECK(t->access_token == "2YotnFZFEjr1zCsicMWpAA");
    CHECK(t->token_type == "bearer");
    CHECK(t->refresh_token == "tGzv3JOkF0XG5Qx2TlKWIA");
    CHECK(t->scope == "read");
    REQUIRE(t->expires_at);
    CHECK(*t->expires_at == now + std::chrono::seconds(3600));
  }
  SUBCASE("a missing token_type is Bearer; missing refresh_token and scope are empty") {
    auto t = parse_token_answer(200, json, R"({"access_token":"AT","expires_in":60})", now, std::nullopt);
    REQUIRE(t);
    CHECK(t->token_type == "Bearer");
    CHECK(t->refresh_token.empty());
    CHECK(t->scope.empty());
  }
  SUBCASE("expires_in as a number, a string of digits, or a float (cut to whole seconds)") {
    struct Case {
      const char* expires_in;
      long long seconds;
    };
    // Issue 19: a string holding a decimal ("3599.0") is read as the same number would be.
    for (const auto& c : {Case{"120", 120}, Case{R"("120")", 120}, Case{"119.9", 119}, Case{"0", 0}, Case{"-30", 0},
                          Case{R"("3599.0")", 3599}, Case{R"("3599.5")", 3599}, Case{R"("120.999")", 120}}) {
      CAPTURE(c.expires_in);
      auto t = parse_token_answer(200, json, std::string(R"({"access_token":"AT","expires_in":)") + c.expires_in + "}",
                                  now, 600);
      REQUIRE(t);
      REQUIRE(t->expires_at);
      CHECK(*t->expires_at == now + std::chrono::seconds(c.seconds));
    }
  }
  SUBCASE("no expires_in: the validity, else no expiry") {
    auto with_validity = parse_token_answer(200, json, R"({"access_token":"AT"})", now, 600);
    REQUIRE(with_validity);
    REQUIRE(with_validity->expires_at);
    CHECK(*with_validity->expires_at == now + std::chrono::seconds(600));

    auto null_expiry = parse_token_answer(200, json, R"({"access_token":"AT","expires_in":null})", now, 600);
    REQUIRE(null_expiry);
    CHECK(null_expiry->expires_at == now + std::chrono::seconds(600));

    auto without = parse_token_answer(200, json, R"({"access_token":"AT"})", now, std::nullopt);
    REQUIRE(without);
    CHECK_FALSE(without->expires_at);
  }
  SUBCASE("expires_in wins over the validity") {
    auto t = parse_token_answer(200, json, R"({"access_token":"AT","expires_in":30})", now, 600);
    REQUIRE(t);
    CHECK(t->expires_at == now + std::chrono::seconds(30));
  }
  SUBCASE("any 2xx is an answer") {
    CHECK(parse_token_answer(201, json, R"({"access_token":"AT"})", now, std::nullopt));
  }
  SUBCASE("a form-encoded answer (GitHub's default)") {
    auto t = parse_token_answer(200, "application/x-www-form-urlencoded; charset=utf-8",
                                "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type="
                                "bearer&expires_in=28800",
                                now, std::nullopt);
    REQUIRE(t);
    CHECK(t->access_token == "gho_16C7e42F292c6912E7710c838347Ae178B4a");
    CHECK(t->scope == "repo,gist");
    CHECK(t->token_type == "bearer");
    CHECK(t->expires_at == now + std::chrono::seconds(28800));
  }
}

TEST_CASE("parse_token_answer: refusals") {
  const std::string json = "application/json";
  auto refusal = [](long status, std::string_view type, std::string_view body) {
    auto t = parse_token_answer(status, type, body, now, std::nullopt);
    REQUIRE_FALSE(t);
    return t.error();
  };
  SUBCASE("an RFC 6749 5.2 error, with and without its description") {
    auto e = refusal(400, json, R"({"error":"invalid_scope","error_description":"scope 'admin' is unknown"})");
    CHECK(e.message == "the token endpoint refused: HTTP 400: invalid_scope: scope 'admin' is unknown");
    CHECK(e.error == "invalid_scope");

    auto bare = refusal(401, json, R"({"error":"invalid_client"})");
    CHECK(bare.message == "the token endpoint refused: HTTP 401: invalid_client");
    CHECK(bare.error == "invalid_client");
  }
  SUBCASE("an error in a 200 is still an error") {
    auto e = refusal(200, json, R"({"error":"invalid_grant","access_token":"SHOULD-NOT-BE-USED"})");
    CHECK(e.message == "the token endpoint refused: HTTP 200: invalid_grant");
    CHECK(e.error == "invalid_grant");
    CHECK_FALSE(test::contains(e.message, "SHOULD-NOT-BE-USED"));
  }
  SUBCASE("a form-encoded error") {
    auto e = refusal(200, "application/x-www-form-urlencoded",
                     "error=bad_verification_code&error_description=The+code+passed+is+incorrect");
    CHECK(e.message == "the token endpoint refused: HTTP 200: bad_verification_code: The code passed is incorrect");
    CHECK(e.error == "bad_verification_code");
  }
  SUBCASE("control characters in the server's error are escaped") {
    auto e = refusal(400, json, R"({"error":"invalid_request\r\nX: y","error_description":"a\u0007b"})");
    CHECK(e.message == "the token endpoint refused: HTTP 400: invalid_request\\x0d\\x0aX: y: a\\x07b");
  }
  SUBCASE("a non-2xx JSON object without an error code") {
    auto e = refusal(500, json, R"({"message":"internal"})");
    CHECK(e.message == "the token endpoint answered HTTP 500 with no error code");
    CHECK(e.error.empty());
  }
  SUBCASE("not JSON: the status, the content type and the first 80 bytes") {
    std::string page = "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>" +
                       std::string(100, 'x') + "</center></body></html>";
    auto e = refusal(503, "text/html", page);
    CHECK(e.message ==
          "the token endpoint answered HTTP 503 (text/html), not a JSON object: " + page.substr(0, 80) + "...");
    CHECK(e.error.empty());

    auto exactly_80 = refusal(502, "text/plain", std::string(80, 'y'));
    CHECK(exactly_80.message ==
          "the token endpoint answered HTTP 502 (text/plain), not a JSON object: " + std::string(80, 'y'));
  }
  SUBCASE("not JSON: control characters are escaped, and a missing content type or body is said") {
    auto e = refusal(502, "text/plain", "Bad\r\nGateway\x01\x7f");
    CHECK(e.message ==
          "the token endpoint answered HTTP 502 (text/plain), not a JSON object: "
          "Bad\\x0d\\x0aGateway\\x01\\x7f");
    CHECK(refusal(200, "", "ok").message ==
          "the token endpoint answered HTTP 200 (no content type), not a JSON object: ok");
    CHECK(refusal(204, json, "").message ==
          "the token endpoint answered HTTP 204 (application/json), not a JSON object: an empty body");
    CHECK(refusal(200, "text/html\r\nX-Evil: 1", "x").message ==
          "the token endpoint answered HTTP 200 (text/html\\x0d\\x0aX-Evil: 1), not a JSON object: x");
  }
  SUBCASE("JSON that is not an object") {
    CHECK(test::contains(refusal(200, json, R"(["access_token"])").message,
                         "not a JSON object: (16 bytes, withheld: they name a token)"));
    CHECK(test::contains(refusal(200, json, R"(["a"])").message, "not a JSON object: [\"a\"]"));
    CHECK(test::contains(refusal(200, json, "\"AT\"").message, "not a JSON object"));
  }
  SUBCASE("a form body whose content type does not say so is not read as a form") {
    CHECK(test::contains(refusal(200, "text/plain", "error=invalid_grant").message, "not a JSON object"));
    // Nor is a form body with neither access_token nor error.
    CHECK(test::contains(refusal(200, "application/x-www-form-urlencoded", "foo=bar").message, "not a JSON object"));
  }
  SUBCASE("a 200 without an access token") {
    for (const char* body : {R"({"token_type":"Bearer"})", R"({"access_token":""})", R"({"access_token":42})",
                             R"({"access_token":null})"}) {
      CAPTURE(body);
      auto e = refusal(200, json, body);
      CHECK(e.message == "the token endpoint's answer has no access_token");
      CHECK(e.error.empty());
    }
  }
  SUBCASE("a token_type other than Bearer (RFC 6749 7.1: a token of a type not understood is not used)") {
    for (const char* type :
         {R"("mac")", R"("DPoP")", R"("example")", R"("")", R"("Bearer ")", "5", "true", R"(["Bearer"])"}) {
      CAPTURE(type);
      auto e = refusal(200, json, std::string(R"({"access_token":"AT-SECRET-7","token_type":)") + type + "}");
      CHECK(test::contains(e.message, "token_type is '"));
      CHECK(test::contains(e.message, "hookauth sends only Bearer tokens"));
      CHECK_FALSE(test::contains(e.message, "AT-SECRET-7"));
      CHECK(e.error.empty());
    }
    auto e = refusal(200, json, R"({"access_token":"AT","token_type":"DPoP"})");
    CHECK(e.message == "the token endpoint's token_type is 'DPoP', and hookauth sends only Bearer tokens");
    for (const char* type : {R"("Bearer")", R"("BEARER")", "null"}) {
      CAPTURE(type);
      CHECK(parse_token_answer(200, json, std::string(R"({"access_token":"AT","token_type":)") + type + "}", now,
                               std::nullopt));
    }
  }
  SUBCASE("expires_in that is not a number") {
    for (const char* value : {R"("soon")", R"("")", R"("-5")", R"(" 60")", "true", "[]", "{}", R"("1234567890123456")",
                              R"("3600.")", R"(".5")", R"("1e3")", R"("60.0.0")", R"("60,5")", R"("60.5x")"}) {
      CAPTURE(value);
      auto e = refusal(200, json, std::string(R"({"access_token":"SECRET-AT","expires_in":)") + value + "}");
      CHECK(e.message == "the token endpoint's expires_in is not a number");
      CHECK_FALSE(test::contains(e.message, "SECRET-AT"));
    }
  }
}

TEST_CASE("token_is_fresh: not expired, with the margin to spare") {
  OAuth2Token t;
  t.access_token = "AT";
  SUBCASE("no expiry: always fresh") {
    CHECK(token_is_fresh(t, now, 30));
    CHECK(token_is_fresh(t, at(4'000'000'000), 3600));
  }
  SUBCASE("an empty token is never fresh") {
    t.access_token.clear();
    CHECK_FALSE(token_is_fresh(t, now, 0));
    t.expires_at = now + std::chrono::hours(1);
    CHECK_FALSE(token_is_fresh(t, now, 0));
  }
  SUBCASE("the margin") {
    t.expires_at = now + std::chrono::seconds(100);
    CHECK(token_is_fresh(t, now, 0));
    CHECK(token_is_fresh(t, now, 30));
    CHECK(token_is_fresh(t, now, 99));
    CHECK_FALSE(token_is_fresh(t, now, 100));  // expiring exactly at the margin is expired
    CHECK_FALSE(token_is_fresh(t, now, 101));
    CHECK(token_is_fresh(t, now + std::chrono::seconds(69), 30));
    CHECK_FALSE(token_is_fresh(t, now + std::chrono::seconds(70), 30));
  }
  SUBCASE("expired") {
    t.expires_at = now;
    CHECK_FALSE(token_is_fresh(t, now, 0));
    CHECK_FALSE(token_is_fresh(t, now + std::chrono::seconds(1), 0));
    CHECK(token_is_fresh(t, now - std::chrono::seconds(1), 0));
  }
}

TEST_CASE("make_pkce: RFC 7636 Appendix B") {
  // RFC 7636 Appendix B, "Example for the S256 code_challenge_method": the 32 octets the client
  // generated, their base64url (the code verifier), and the verifier's BASE64URL(SHA256()).
  const unsigned char octets[32] = {116, 24,  223, 180, 151, 153, 224, 37,  79, 250, 96, 125, 216, 173, 187, 186,
                                    22,  212, 37,  77,  105, 214, 191, 240, 91, 88,  5,  88,  83,  132, 141, 121};
  Pkce p = make_pkce(std::string_view(reinterpret_cast<const char*>(octets), sizeof octets));
  CHECK(p.verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  CHECK(p.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

  SUBCASE("any 32 bytes make a 43-character verifier of the unreserved alphabet (RFC 7636 4.1)") {
    Pkce q = make_pkce(std::string(32, '\xff'));
    CHECK(q.verifier.size() == 43);
    CHECK(q.challenge.size() == 43);
    CHECK(q.verifier.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(q.verifier != p.verifier);
  }
}

TEST_CASE("base64url: RFC 4648 5, without padding") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("\xfb\xff\xbf") == "-_-_");
  CHECK(base64url("\xfb\xff") == "-_8");
}

TEST_CASE("base64url_decode: unpadded base64url only") {
  CHECK(base64url_decode("") == std::string());
  CHECK(base64url_decode("Zg") == std::string("f"));
  CHECK(base64url_decode("Zm8") == std::string("fo"));
  CHECK(base64url_decode("-_-_") == std::string("\xfb\xff\xbf"));
  const std::string bytes = "\x00\x01\xfe\xff hookauth";
  CHECK(base64url_decode(base64url(bytes)) == bytes);
  for (const char* bad : {"Zg==", "+/+/", "Z", "Zm9v!", "Zm 9v"}) {
    CAPTURE(bad);
    auto r = base64url_decode(bad);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "not valid base64url"));
  }
}

TEST_CASE("authorization_url: RFC 6749 4.1.1 with PKCE") {
  auto c = confidential_client();
  c.client_id = "public app";
  std::string url = authorization_url(c, "st&te=1", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  REQUIRE(url.starts_with("https://auth.example.org/oauth/authorize?"));
  auto target = split_target(url);
  CHECK(target.path == "/oauth/authorize");
  CHECK(parse_query(target.query) == Params{{"response_type", "code"},
                                            {"client_id", "public app"},
                                            {"redirect_uri", "http://127.0.0.1:8765/callback"},
                                            {"scope", "read write"},
                                            {"state", "st&te=1"},
                                            {"code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
                                            {"code_challenge_method", "S256"}});
  // Nothing secret goes into the browser.
  CHECK_FALSE(test::contains(url, "client_secret"));
  CHECK_FALSE(test::contains(url, "s3cret"));

  SUBCASE("scope is left out when none is asked") {
    c.scope.clear();
    auto p = parse_query(split_target(authorization_url(c, "s", "ch")).query);
    for (const auto& [k, v] : p) CHECK(k != "scope");
    CHECK(p.size() == 6);
  }
  SUBCASE("an existing query is kept, and a fragment dropped (RFC 6749 3.1)") {
    c.auth_url = "https://auth.example.org/oauth/authorize?tenant=acme&prompt=login#section";
    std::string u = authorization_url(c, "s", "ch");
    CHECK(u.starts_with("https://auth.example.org/oauth/authorize?tenant=acme&prompt=login&response_type=code&"));
    CHECK_FALSE(test::contains(u, "#"));
    auto p = parse_query(split_target(u).query);
    REQUIRE(p.size() == 9);
    CHECK(p[0] == std::pair<std::string, std::string>{"tenant", "acme"});
    CHECK(p[8] == std::pair<std::string, std::string>{"code_challenge_method", "S256"});
  }
}

TEST_CASE("code_from_callback: RFC 6749 4.1.2 and RFC 9207") {
  const std::string issuer = "https://auth.example.org";
  SUBCASE("the code, percent-decoded, when the state matches") {
    auto code = code_from_callback("code=SplxlOBeZQQYbYS6WxSbIA&state=xyz", "xyz", issuer);
    REQUIRE(code);
    CHECK(*code == "SplxlOBeZQQYbYS6WxSbIA");
    CHECK(*code_from_callback("state=a%20b&code=c%2Fd%2Be", "a b", issuer) == "c/d+e");
  }
  SUBCASE("a state that is not the one sent, or none, is refused before anything else (RFC 6749 10.12)") {
    for (const char* query : {"code=c&state=abc", "code=c&state=", "code=c", "code=c&state=xyzz",
                              "error=access_denied&state=other", "error=access_denied"}) {
      CAPTURE(query);
      auto r = code_from_callback(query, "xyz", issuer);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == ExitCode::auth_flow);
      CHECK(test::contains(r.error().message, "the callback's state is not the one sent: refusing it"));
      CHECK_FALSE(test::contains(r.error().message, "access_denied"));
    }
  }
  SUBCASE("an iss that is not the expected issuer") {
    auto r = code_from_callback("code=c&state=xyz&iss=https%3A%2F%2Fevil.example", "xyz", issuer);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ExitCode::auth_flow);
    CHECK(r.error().message ==
          "the callback's iss 'https://evil.example' is not the expected issuer 'https://auth.example.org' (RFC 9207; "
          "the profile's --issuer sets it)");
    // Compared exactly: a trailing slash is another issuer.
    CHECK_FALSE(code_from_callback("code=c&state=xyz&iss=https%3A%2F%2Fauth.example.org%2F", "xyz", issuer));
  }
  SUBCASE("the expected iss, or none sent, or none expected, is fine") {
    CHECK(*code_from_callback("code=c&state=xyz&iss=https%3A%2F%2Fauth.example.org", "xyz", issuer) == "c");
    CHECK(*code_from_callback("code=c&state=xyz", "xyz", issuer) == "c");
    CHECK(*code_from_callback("code=c&state=xyz&iss=https%3A%2F%2Fany.example", "xyz", "") == "c");
  }
  SUBCASE("the server's error, with and without a description") {
    auto r = code_from_callback("error=access_denied&error_description=The+user+said+no&state=xyz", "xyz", issuer);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ExitCode::auth_flow);
    CHECK(r.error().message == "the authorization server refused: access_denied: The user said no");
    CHECK(test::error_of(code_from_callback("error=access_denied&state=xyz", "xyz", issuer)) ==
          "the authorization server refused: access_denied");
    CHECK(test::error_of(code_from_callback("error=x%0d%0aY&state=xyz", "xyz", issuer)) ==
          "the authorization server refused: x\\x0d\\x0aY");
  }
  SUBCASE("no code") {
    for (const char* query : {"state=xyz", "code=&state=xyz", "state=xyz&codes=c"}) {
      CAPTURE(query);
      auto r = code_from_callback(query, "xyz", issuer);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == ExitCode::auth_flow);
      CHECK(r.error().message == "the callback has no code");
    }
  }
}

TEST_CASE("sign_bearer: RFC 6750 2.1") {
  Request r;
  r.headers.set("Authorization", "Basic old");
  REQUIRE(sign_bearer("mF_9.B5f-4.1JqM", r));
  CHECK(r.headers.get("Authorization") == "Bearer mF_9.B5f-4.1JqM");
  CHECK(r.headers.items.size() == 1);

  SUBCASE("an empty token is refused") {
    Request e;
    auto ok = sign_bearer("", e);
    REQUIRE_FALSE(ok);
    CHECK(ok.error().code == ExitCode::auth_flow);
    CHECK(ok.error().message == "no access token to send");
    CHECK_FALSE(e.headers.has("Authorization"));
  }
  SUBCASE("a token with a space or control character is refused, and the request left alone") {
    using namespace std::string_literals;
    for (const std::string& bad : {"a b"s, " ab"s, "ab "s, "a\tb"s, "a\r\nX-Injected: 1"s, "a\0b"s, "a\x7f"s}) {
      CAPTURE(util::printable(bad));
      Request e;
      auto ok = sign_bearer(bad, e);
      REQUIRE_FALSE(ok);
      CHECK(ok.error().code == ExitCode::auth_flow);
      CHECK(test::contains(ok.error().message, "space, control or non-ASCII character"));
      CHECK_FALSE(e.headers.has("Authorization"));
    }
  }
}

TEST_CASE("bearer_of: the token of a received Authorization: Bearer header") {
  auto with = [](const char* value) {
    Request r;
    r.headers.set("Authorization", value);
    return bearer_of(r);
  };
  CHECK(with("Bearer mF_9.B5f-4.1JqM") == "mF_9.B5f-4.1JqM");
  CHECK(with("bearer   tok=  ") == "tok=");
  CHECK(with(" BEARER tok") == "tok");
  CHECK(bearer_of(Request{}) == std::unexpected(std::string("no Authorization header")));
  CHECK(with("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==") ==
        std::unexpected(std::string("Authorization has 'Basic', expected 'Bearer'")));
  CHECK(with("Token abc") == std::unexpected(std::string("Authorization has 'Token', expected 'Bearer'")));
  CHECK(with("Bearer") == std::unexpected(std::string("the Bearer token is empty")));
  CHECK(with("Bearer    ") == std::unexpected(std::string("the Bearer token is empty")));
  // The reason never repeats what was sent.
  auto odd = with("SECRETSCHEME SECRETVALUE");
  REQUIRE_FALSE(odd);
  CHECK_FALSE(test::contains(odd.error(), "SECRET"));
}

TEST_CASE("introspection_request: RFC 7662 2.1") {
  auto c = confidential_client();
  SUBCASE("the client in the body") {
    Request r = introspection_request(c, "https://auth.example.org/oauth/introspect", "2YotnFZ+/=");
    CHECK(r.method == "POST");
    CHECK(r.url == "https://auth.example.org/oauth/introspect");
    CHECK(r.headers.get("Content-Type") == "application/x-www-form-urlencoded");
    CHECK(r.headers.get("Accept") == "application/json");
    CHECK_FALSE(r.headers.has("Authorization"));
    CHECK(params_of(r.body) == ParamMap{{"token", "2YotnFZ+/="},
                                        {"token_type_hint", "access_token"},
                                        {"client_id", "hook-client"},
                                        {"client_secret", "s3cret/+&=x"}});
  }
  SUBCASE("the client as HTTP Basic") {
    c.client_auth_basic = true;
    Request r = introspection_request(c, "https://auth.example.org/oauth/introspect", "tok");
    CHECK(r.headers.get("Authorization") == basic_of_confidential_client);
    CHECK(params_of(r.body) == ParamMap{{"token", "tok"}, {"token_type_hint", "access_token"}});
  }
  SUBCASE("always a POST with a form body, whatever the token request settings") {
    c.token_method_get = true;
    c.token_params_in_url = true;
    Request r = introspection_request(c, "https://auth.example.org/oauth/introspect?realm=a", "tok");
    CHECK(r.method == "POST");
    CHECK(r.url == "https://auth.example.org/oauth/introspect?realm=a");
    CHECK(params_of(r.body).at("token") == "tok");
  }
  SUBCASE("a public client names itself") {
    c.client_secret.clear();
    auto p = params_of(introspection_request(c, "https://a.example/i", "tok").body);
    CHECK(p.at("client_id") == "hook-client");
    CHECK_FALSE(p.contains("client_secret"));
  }
}

TEST_CASE("parse_introspection: RFC 7662 2.2") {
  SUBCASE("active, with exp, scope and client_id") {
    auto i = parse_introspection(
        200, R"({"active":true,"client_id":"l238j323ds-23ij4","scope":"read write","exp":1419356238,"sub":"Z5O3"})");
    REQUIRE(i);
    CHECK(i->active);
    CHECK(i->exp == 1419356238);
    CHECK(i->scope == "read write");
    CHECK(i->client_id == "l238j323ds-23ij4");
  }
  SUBCASE("exp as a string of digits") {
    auto i = parse_introspection(200, R"({"active":true,"exp":"1419356238"})");
    REQUIRE(i);
    CHECK(i->exp == 1419356238);
  }
  SUBCASE("inactive") {
    auto i = parse_introspection(200, R"({"active":false})");
    REQUIRE(i);
    CHECK_FALSE(i->active);
    CHECK_FALSE(i->exp);
    CHECK(i->scope.empty());
  }
  SUBCASE("no boolean active") {
    for (const char* body : {"{}", R"({"active":"true"})", R"({"active":1})", R"({"exp":1419356238})"}) {
      CAPTURE(body);
      auto i = parse_introspection(200, body);
      REQUIRE_FALSE(i);
      CHECK(i.error().code == ExitCode::auth_flow);
      CHECK(i.error().message == "the introspection answer has no boolean 'active'");
    }
  }
  SUBCASE("not a 200") {
    auto e = parse_introspection(401, R"({"error":"invalid_client","error_description":"who are you"})");
    REQUIRE_FALSE(e);
    CHECK(e.error().code == ExitCode::auth_flow);
    CHECK(e.error().message == "the introspection endpoint did not answer: HTTP 401: invalid_client: who are you");

    // Even a 500 saying active: true is not an answer.
    auto active_500 = parse_introspection(500, R"({"active":true})");
    REQUIRE_FALSE(active_500);
    CHECK(active_500.error().message == R"(the introspection endpoint did not answer: HTTP 500: {"active":true})");
  }
  SUBCASE("not JSON, or not an object") {
    auto e = parse_introspection(200, "<html>\r\nnope</html>");
    REQUIRE_FALSE(e);
    CHECK(e.error().message == "the introspection endpoint did not answer: HTTP 200: <html>\\x0d\\x0anope</html>");
    auto long_page = parse_introspection(502, std::string(200, 'z'));
    CHECK(test::error_of(long_page) ==
          "the introspection endpoint did not answer: HTTP 502: " + std::string(80, 'z') + "...");
    CHECK(test::contains(test::error_of(parse_introspection(200, "[true]")), "did not answer: HTTP 200: [true]"));
  }
}

TEST_CASE("form_encode: application/x-www-form-urlencoded") {
  CHECK(form_encode({}) == "");
  CHECK(form_encode({{"a", "b"}}) == "a=b");
  CHECK(form_encode({{"grant_type", "client_credentials"}, {"empty", ""}}) == "grant_type=client_credentials&empty=");
  CHECK(form_encode({{"unreserved", "AZaz09-._~"}}) == "unreserved=AZaz09-._~");
  CHECK(form_encode({{"k&=", "v&=+/%?#\xc3\xa9"}}) == "k%26%3D=v%26%3D%2B%2F%25%3F%23%C3%A9");
  SUBCASE("what is encoded decodes to what was given") {
    Params given{{"a b", "c d+e"}, {"redirect_uri", "http://127.0.0.1:8765/cb?x=1&y=2"}, {"scope", "read write"}};
    std::string encoded = form_encode(given);
    CHECK(encoded.find(' ') == std::string::npos);
    CHECK(parse_query(encoded) == given);
  }
}

TEST_CASE("parse_token_answer: a huge expires_in is capped at 100 years, never in the past") {
  const auto cap = std::chrono::floor<std::chrono::seconds>(now) + std::chrono::seconds(max_lifetime_seconds);
  CHECK(max_lifetime_seconds == 100LL * 365 * 24 * 3600);
  SUBCASE("expires_in as a large integer, a float or a string") {
    for (const char* expires_in : {"10000000000", "18446744073709551615", "1e14", "9223372036854775807",
                                   R"("10000000000")", R"("999999999999999")", "3153600001"}) {
      CAPTURE(std::string(expires_in));
      auto t = parse_token_answer(200, "application/json",
                                  std::string(R"({"access_token":"AT","expires_in":)") + expires_in + "}", now,
                                  std::nullopt);
      REQUIRE(t);
      REQUIRE(t->expires_at);
      CHECK(*t->expires_at == cap);
      CHECK(*t->expires_at > now);
      CHECK(token_is_fresh(*t, now, 30));
    }
  }
  SUBCASE("a validity is capped the same way") {
    auto t = parse_token_answer(200, "application/json", R"({"access_token":"AT"})", now, 99'999'999'999LL);
    REQUIRE(t);
    CHECK(t->expires_at == cap);
  }
  SUBCASE("exactly 100 years is kept") {
    auto t = parse_token_answer(200, "application/json",
                                R"({"access_token":"AT","expires_in":)" + std::to_string(max_lifetime_seconds) + "}",
                                now, std::nullopt);
    REQUIRE(t);
    CHECK(t->expires_at == cap);
  }
}

TEST_CASE("parse_token_answer: only an error code outside 5xx, 408 and 429 is a refusal") {
  auto error_of = [](long status, std::string_view type, std::string_view body) {
    auto t = parse_token_answer(status, type, body, now, std::nullopt);
    REQUIRE_FALSE(t);
    return t.error();
  };
  SUBCASE("RFC 6749 5.2 answers, and GitHub's 200 with an error, refuse") {
    for (long status : {400L, 401L, 403L, 200L}) {
      CAPTURE(status);
      CHECK(error_of(status, "application/json", R"({"error":"invalid_grant"})").refused);
    }
    CHECK(error_of(200, "application/x-www-form-urlencoded", "error=bad_refresh_token").refused);
  }
  SUBCASE("an outage, a proxy's page or an answer without a code does not") {
    for (long status : {500L, 502L, 503L, 408L, 429L}) {
      CAPTURE(status);
      CHECK_FALSE(error_of(status, "application/json", R"({"error":"temporarily_unavailable"})").refused);
      CHECK_FALSE(error_of(status, "text/html", "<html>Bad gateway</html>").refused);
    }
    CHECK_FALSE(error_of(500, "application/json", R"({"message":"internal"})").refused);
    CHECK_FALSE(error_of(400, "application/json", R"({"message":"no code"})").refused);
    CHECK_FALSE(error_of(200, "text/plain", "not json").refused);
    CHECK_FALSE(error_of(200, "application/json", R"({"token_type":"Bearer"})").refused);
  }
}

TEST_CASE("parse_token_answer: secrets the endpoint echoes are redacted before the message is cut short") {
  Redactor redactor;
  redactor.add_secret("client-s3cret-42");
  redactor.add_secret("RT-refresh-9876");
  SUBCASE("in error and error_description") {
    auto t = parse_token_answer(
        401, "application/json",
        R"({"error":"invalid_client RT-refresh-9876","error_description":"bad secret client-s3cret-42 for c"})", now,
        std::nullopt, &redactor);
    REQUIRE_FALSE(t);
    CHECK(t.error().message ==
          "the token endpoint refused: HTTP 401: invalid_client [redacted]: bad secret [redacted] for c");
    CHECK(t.error().error == "invalid_client RT-refresh-9876");  // the code itself is never printed alone
  }
  SUBCASE("in a body that is not JSON, also where the 80-byte cut falls inside the secret") {
    std::string body = std::string(76, 'x') + "client-s3cret-42 and more";
    auto t = parse_token_answer(503, "text/html", body, now, std::nullopt, &redactor);
    REQUIRE_FALSE(t);
    CHECK(t.error().message ==
          "the token endpoint answered HTTP 503 (text/html), not a JSON object: " + std::string(76, 'x') + "[red...");
    CHECK_FALSE(test::contains(t.error().message, "clie"));
  }
  SUBCASE("percent-encoded, as a form body echoes it") {
    Redactor r;
    r.add_secret("s3cret/+&=x");
    auto t =
        parse_token_answer(400, "application/json",
                           R"({"error":"invalid_request","error_description":"got client_secret=s3cret%2F%2B%26%3Dx"})",
                           now, std::nullopt, &r);
    REQUIRE_FALSE(t);
    CHECK(t.error().message == "the token endpoint refused: HTTP 400: invalid_request: got client_secret=[redacted]");
  }
  SUBCASE("without a redactor the message is as before") {
    auto t = parse_token_answer(400, "application/json", R"({"error":"x","error_description":"client-s3cret-42"})", now,
                                std::nullopt);
    REQUIRE_FALSE(t);
    CHECK(test::contains(t.error().message, "client-s3cret-42"));
  }
}

TEST_CASE("parse_token_answer: a body that is not JSON but names a token is withheld from the message") {
  for (const char* type : {"text/plain", "text/html", ""}) {
    for (const char* body : {"access_token=SECRET-AT-123&token_type=bearer", "refresh_token=SECRET-RT-456",
                             "oops: access_token=SECRET-AT-123"}) {
      CAPTURE(std::string(type));
      CAPTURE(std::string(body));
      auto t = parse_token_answer(200, type, body, now, std::nullopt);
      REQUIRE_FALSE(t);
      CHECK(test::contains(t.error().message, "withheld"));
      CHECK(
          test::contains(t.error().message, "(" + std::to_string(std::string_view(body).size()) + " bytes, withheld"));
      CHECK_FALSE(test::contains(t.error().message, "SECRET"));
    }
  }
  SUBCASE("an introspection answer that is not JSON is withheld the same way") {
    auto i = parse_introspection(502, "access_token=SECRET-AT-123");
    REQUIRE_FALSE(i);
    CHECK(test::contains(i.error().message, "withheld"));
    CHECK_FALSE(test::contains(i.error().message, "SECRET"));
  }
}

TEST_CASE("parse_introspection: an exp that is not a number is refused") {
  for (const std::string body :
       {R"({"active":true,"exp":"tomorrow"})", R"({"active":true,"exp":""})", R"({"active":true,"exp":[1]})",
        R"({"active":true,"exp":true})", R"({"active":true,"exp":"-5"})"}) {
    CAPTURE(body);
    auto i = parse_introspection(200, body);
    REQUIRE_FALSE(i);
    CHECK(i.error().code == ExitCode::auth_flow);
    CHECK(i.error().message == "the introspection answer's exp is not a number");
  }
  auto null_exp = parse_introspection(200, R"({"active":true,"exp":null})");
  REQUIRE(null_exp);
  CHECK_FALSE(null_exp->exp);
}

TEST_CASE("judge_introspection: active and not past its exp") {
  const std::int64_t s = 1'800'000'000;
  auto judge = [&](bool active, std::optional<std::int64_t> exp) {
    Introspection i;
    i.active = active;
    i.exp = exp;
    return judge_introspection(i, now);
  };
  auto no_exp = judge(true, std::nullopt);
  CHECK(no_exp.valid);
  CHECK(no_exp.reason.empty());
  CHECK(judge(true, s + 1).valid);
  CHECK(judge(true, s + 100LL * 365 * 24 * 3600).valid);

  for (std::int64_t past : {s, s - 1, std::int64_t{0}}) {
    CAPTURE(past);
    auto v = judge(true, past);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "the token expired");
  }
  for (auto exp : {std::optional<std::int64_t>(), std::optional<std::int64_t>(s + 3600)}) {
    auto v = judge(false, exp);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "the authorization server says the token is not active");
  }
  SUBCASE("from a parsed answer") {
    auto i = parse_introspection(200, R"({"active":true,"exp":1799999999})");
    REQUIRE(i);
    CHECK_FALSE(judge_introspection(*i, now).valid);
    auto j = parse_introspection(200, R"({"active":true,"exp":"1800000001"})");
    REQUIRE(j);
    CHECK(judge_introspection(*j, now).valid);
    // An exp beyond int64 is far in the future, not before 1970.
    auto huge = parse_introspection(200, R"({"active":true,"exp":18446744073709551615})");
    REQUIRE(huge);
    CHECK(judge_introspection(*huge, now).valid);
  }
}

TEST_CASE("sign_bearer: a non-ASCII token is refused") {
  for (const char* bad : {"tok\xc3\xa9n", "\x80", "abc\xff",
                          "\xe2\x80\x8b"
                          "zero-width"}) {
    CAPTURE(util::printable(bad));
    Request r;
    auto ok = sign_bearer(bad, r);
    REQUIRE_FALSE(ok);
    CHECK(ok.error().code == ExitCode::auth_flow);
    CHECK(ok.error().message == "the access token holds a space, control or non-ASCII character: not sendable");
    CHECK_FALSE(r.headers.has("Authorization"));
  }
  Request r;
  REQUIRE(sign_bearer("~+/=-._AZaz09", r));
  CHECK(r.headers.get("Authorization") == "Bearer ~+/=-._AZaz09");
}

TEST_CASE("client_auth_hint: how the token endpoint wants the client authenticated") {
  OAuth2Credentials body = confidential_client();
  body.client_auth_basic = false;
  OAuth2Credentials basic = confidential_client();
  basic.client_auth_basic = true;
  const std::vector<std::string> basic_challenge{R"(Basic error="invalid_client", error_description="No auth")"};
  SUBCASE("secret in the body, a Basic challenge: --client-auth basic") {
    CHECK(client_auth_hint(body, 401, "invalid_client", basic_challenge) ==
          "the token endpoint asks for HTTP Basic (WWW-Authenticate: Basic): '--client-auth basic' may be what it "
          "wants");
    // any case, among other challenges, in a later header, and without a 5.2 code
    CHECK_FALSE(client_auth_hint(body, 401, "", {"Bearer", R"(Digest realm="r", nonce="n", basic realm="x")"}).empty());
  }
  SUBCASE("Basic refused without a Basic challenge: --client-auth body") {
    CHECK(client_auth_hint(basic, 400, "invalid_client", {}) ==
          "the token endpoint refused HTTP Basic without asking for it (no WWW-Authenticate: Basic): "
          "'--client-auth body' may be what it wants");
    CHECK_FALSE(client_auth_hint(basic, 401, "invalid_client", {"Bearer"}).empty());
  }
  SUBCASE("nothing points either way") {
    CHECK(client_auth_hint(basic, 401, "invalid_client", basic_challenge).empty());  // the expected answer to Basic
    CHECK(client_auth_hint(body, 400, "invalid_client", {}).empty());
    CHECK(client_auth_hint(body, 400, "invalid_grant", basic_challenge).empty());  // not about the client
    CHECK(client_auth_hint(basic, 400, "invalid_scope", {}).empty());
    CHECK(client_auth_hint(body, 401, "invalid_client", {"Basic realm=\"unterminated"}).empty());
    OAuth2Credentials public_client = body;
    public_client.client_secret.clear();
    CHECK(client_auth_hint(public_client, 401, "invalid_client", basic_challenge).empty());
  }
}

}  // namespace hookauth::auth
