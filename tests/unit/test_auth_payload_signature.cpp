#include "auth/payload_signature.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth/crypto.hpp"
#include "test_data.hpp"
#include "test_support.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {

using std::chrono::seconds;

using test::at;

SignatureCredentials credentials(SignatureScheme scheme, std::vector<std::string> secrets) {
  SignatureCredentials c;
  c.scheme = scheme;
  c.secrets = std::move(secrets);
  return c;
}

Request with_body(std::string body) {
  Request r;
  r.method = "POST";
  r.url = "/hooks";
  r.body = std::move(body);
  return r;
}

PayloadCheck check_at(long long now, std::optional<seconds> tolerance = seconds(300)) {
  PayloadCheck c;
  c.now = at(now);
  c.tolerance = tolerance;
  return c;
}

// The Standard Webhooks specification's example (standard-webhooks.com, "Verifying" test vector).
const std::string spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string spec_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr long long spec_ts = 1614265330;
const std::string spec_body = R"({"test": 2432232314})";
const std::string spec_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

Request spec_request() {
  Request r = with_body(spec_body);
  r.headers.set("webhook-id", spec_id);
  r.headers.set("webhook-timestamp", std::to_string(spec_ts));
  r.headers.set("webhook-signature", spec_signature);
  return r;
}

PayloadVerdict verify_spec(Request r, const PayloadCheck& check = check_at(spec_ts)) {
  return verify_payload(credentials(SignatureScheme::standard_webhooks, {spec_secret}), r, check);
}

// tests/data/payload_signature/vectors.json: known answers worked out with Python's hmac module.
const nlohmann::json& signature_vectors() {
  static const nlohmann::json v = test::data_json("payload_signature/vectors.json");
  return v;
}

std::vector<std::string> strings(const nlohmann::json& array) { return array.get<std::vector<std::string>>(); }

const std::string mismatch = "the body or the secret differs from what the sender signed";

}  // namespace

TEST_CASE("scheme_name and parse_scheme round-trip the CLI's names") {
  for (auto s :
       {SignatureScheme::standard_webhooks, SignatureScheme::github, SignatureScheme::stripe, SignatureScheme::hmac}) {
    CAPTURE(scheme_name(s));
    CHECK(parse_scheme(scheme_name(s)) == s);
  }
  CHECK(scheme_name(SignatureScheme::standard_webhooks) == "standard-webhooks");
  CHECK(scheme_name(SignatureScheme::github) == "github");
  CHECK(scheme_name(SignatureScheme::stripe) == "stripe");
  CHECK(scheme_name(SignatureScheme::hmac) == "hmac");
  for (const char* unknown : {"", "standard_webhooks", "Standard-Webhooks", "GitHub", "svix", "hmac "}) {
    CAPTURE(unknown);
    CHECK_FALSE(parse_scheme(unknown));
  }
}

TEST_CASE("Standard Webhooks: the specification's example, signed and verified") {
  auto c = credentials(SignatureScheme::standard_webhooks, {spec_secret});
  Request r = with_body(spec_body);
  SignatureSteps steps;
  REQUIRE(sign_payload(c, r, at(spec_ts), spec_id, &steps));
  CHECK(r.headers.get("webhook-id") == spec_id);
  CHECK(r.headers.get("webhook-timestamp") == "1614265330");
  CHECK(r.headers.get("webhook-signature") == spec_signature);
  CHECK(r.body == spec_body);
  CHECK(steps.content == spec_id + ".1614265330." + spec_body);
  CHECK(steps.signatures == std::vector<std::string>{spec_signature});

  auto verdict = verify_payload(c, spec_request(), check_at(spec_ts));
  CHECK(verdict.valid);
  CHECK(verdict.reason.empty());

  SUBCASE("the timestamp is whole seconds: a fraction of a second is dropped") {
    Request later = with_body(spec_body);
    REQUIRE(sign_payload(c, later, at(spec_ts) + std::chrono::milliseconds(999), spec_id));
    CHECK(later.headers.get("webhook-timestamp") == "1614265330");
    CHECK(later.headers.get("webhook-signature") == spec_signature);
  }
  SUBCASE("a secret without the whsec_ prefix is the same key") {
    auto bare = credentials(SignatureScheme::standard_webhooks, {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
    Request s = with_body(spec_body);
    REQUIRE(sign_payload(bare, s, at(spec_ts), spec_id));
    CHECK(s.headers.get("webhook-signature") == spec_signature);
    CHECK(verify_payload(bare, spec_request(), check_at(spec_ts)).valid);
  }
  SUBCASE("signing again replaces the headers rather than adding more") {
    REQUIRE(sign_payload(c, r, at(spec_ts), spec_id));
    std::size_t count = 0;
    for (const auto& [name, value] : r.headers.items) count += util::iequals(name, "webhook-signature");
    CHECK(count == 1);
  }
  SUBCASE("another body, id or timestamp, or another secret, does not match") {
    const std::string no_match = "no webhook-signature matches: " + mismatch;
    Request body = spec_request();
    body.body = R"({"test": 2432232315})";
    CHECK(verify_spec(body).reason == no_match);
    Request id = spec_request();
    id.headers.set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJel");
    CHECK(verify_spec(id).reason == no_match);
    Request ts = spec_request();
    ts.headers.set("webhook-timestamp", "1614265331");
    CHECK(verify_spec(ts).reason == no_match);
    auto other =
        credentials(SignatureScheme::standard_webhooks, {"whsec_" + crypto::base64_encode(std::string(32, 'o'))});
    auto v = verify_payload(other, spec_request(), check_at(spec_ts));
    CHECK_FALSE(v.valid);
    CHECK(v.reason == no_match);
  }
}

TEST_CASE("Standard Webhooks: the timestamp tolerance is inclusive") {
  SUBCASE("300 s, the default") {
    CHECK(PayloadCheck{}.tolerance == seconds(300));
    CHECK(verify_spec(spec_request(), check_at(spec_ts + 300)).valid);
    CHECK(verify_spec(spec_request(), check_at(spec_ts - 300)).valid);
    auto late = verify_spec(spec_request(), check_at(spec_ts + 301));
    CHECK_FALSE(late.valid);
    CHECK(late.reason == "webhook-timestamp is 301 s behind this clock, outside the tolerance of 300 s");
    auto early = verify_spec(spec_request(), check_at(spec_ts - 301));
    CHECK_FALSE(early.valid);
    CHECK(early.reason == "webhook-timestamp is 301 s ahead of this clock, outside the tolerance of 300 s");
  }
  SUBCASE("0 s: only the same second") {
    CHECK(verify_spec(spec_request(), check_at(spec_ts, seconds(0))).valid);
    CHECK_FALSE(verify_spec(spec_request(), check_at(spec_ts + 1, seconds(0))).valid);
    CHECK_FALSE(verify_spec(spec_request(), check_at(spec_ts - 1, seconds(0))).valid);
  }
  SUBCASE("another tolerance") {
    CHECK(verify_spec(spec_request(), check_at(spec_ts + 5, seconds(5))).valid);
    CHECK(verify_spec(spec_request(), check_at(spec_ts + 6, seconds(5))).reason ==
          "webhook-timestamp is 6 s behind this clock, outside the tolerance of 5 s");
  }
  SUBCASE("none: any timestamp, however old or new") {
    CHECK(verify_spec(spec_request(), check_at(spec_ts + 10LL * 365 * 24 * 3600, std::nullopt)).valid);
    CHECK(verify_spec(spec_request(), check_at(0, std::nullopt)).valid);
  }
  SUBCASE("the timestamp is checked before the signature") {
    Request r = spec_request();
    r.body = "changed";
    CHECK(test::contains(verify_spec(r, check_at(spec_ts + 301)).reason, "outside the tolerance"));
  }
}

TEST_CASE("Standard Webhooks: a webhook-id with a '.' or empty is refused, as the sender refuses it") {
  // Signed for id "m" and body "<ts>.x", the same content reads as id "m.<ts>" and body "x".
  const std::string ts = std::to_string(spec_ts);
  auto c = credentials(SignatureScheme::standard_webhooks, {spec_secret});
  Request sent = with_body(ts + ".x");
  REQUIRE(sign_payload(c, sent, at(spec_ts), "m"));
  CHECK(verify_spec(sent).valid);
  Request moved = sent;
  moved.headers.set("webhook-id", "m." + ts);
  moved.body = "x";
  auto v = verify_spec(moved);
  CHECK_FALSE(v.valid);
  CHECK(v.reason ==
        "webhook-id 'm." + ts + "' is empty or holds a '.', which makes the signed id.timestamp.body ambiguous");
  Request empty = spec_request();
  empty.headers.set("webhook-id", "");
  CHECK(verify_spec(empty).reason ==
        "webhook-id '' is empty or holds a '.', which makes the signed id.timestamp.body ambiguous");
  // and the sender's side of the same rule
  Request r = with_body("x");
  CHECK_FALSE(sign_payload(c, r, at(spec_ts), "m." + ts));
}

TEST_CASE("Standard Webhooks: each missing header is named") {
  for (const char* header : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
    CAPTURE(header);
    Request r = spec_request();
    r.headers.remove(header);
    auto v = verify_spec(r);
    CHECK_FALSE(v.valid);
    CHECK(v.reason == std::string("no ") + header + " header");
  }
  auto none = verify_spec(with_body(spec_body));
  CHECK_FALSE(none.valid);
  CHECK(none.reason == "no webhook-id header");
  SUBCASE("header names are matched in any case") {
    Request r = with_body(spec_body);
    r.headers.add("Webhook-Id", spec_id);
    r.headers.add("WEBHOOK-TIMESTAMP", std::to_string(spec_ts));
    r.headers.add("Webhook-Signature", spec_signature);
    CHECK(verify_spec(r).valid);
  }
}

TEST_CASE("Standard Webhooks: a timestamp that is not a Unix timestamp is refused, whatever the tolerance") {
  for (const char* bad : {"abc", "", "-1614265330", "-0", "+1614265330", "1614265330.0", "1.6e9", " 1614265330",
                          "1614265330 ", "0x6037", "1614265330s", "9999999999999", "99999999999999999999999"}) {
    for (auto tolerance : {std::optional<seconds>(seconds(300)), std::optional<seconds>()}) {
      CAPTURE(bad);
      CAPTURE(tolerance.has_value());
      Request r = spec_request();
      r.headers.set("webhook-timestamp", bad);
      auto v = verify_spec(r, check_at(spec_ts, tolerance));
      CHECK_FALSE(v.valid);
      CHECK(v.reason ==
            "webhook-timestamp '" + util::printable(std::string_view(bad).substr(0, 40)) + "' is not a Unix timestamp");
    }
  }
  SUBCASE("control characters in the timestamp are escaped, and a long one is cut") {
    Request r = spec_request();
    r.headers.set("webhook-timestamp", "12\r\n" + std::string(100, '9'));
    auto v = verify_spec(r);
    CHECK_FALSE(test::contains(v.reason, "\r"));
    CHECK(test::contains(v.reason, "12\\x0d\\x0a"));
    CHECK(v.reason.size() < 120);
  }
  SUBCASE("a far-future timestamp of 12 digits is a timestamp, outside the tolerance") {
    Request r = spec_request();
    r.headers.set("webhook-timestamp", "999999999999");
    CHECK(verify_spec(r).reason == "webhook-timestamp is " + std::to_string(999999999999LL - spec_ts) +
                                       " s ahead of this clock, outside the tolerance of 300 s");
  }
}

TEST_CASE("Standard Webhooks: malformed webhook-signature entries") {
  auto with_signature = [](const std::string& value) {
    Request r = spec_request();
    r.headers.set("webhook-signature", value);
    return verify_spec(r);
  };
  SUBCASE("bad base64") {
    for (const char* bad : {"v1,not*base64", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", "v1,====", "v1,a"}) {
      CAPTURE(bad);
      auto v = with_signature(bad);
      CHECK_FALSE(v.valid);
      CHECK(v.reason == "webhook-signature entry for v1 is not valid base64");
    }
  }
  SUBCASE("an entry without a comma") {
    auto v = with_signature("v1g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    CHECK_FALSE(v.valid);
    CHECK(v.reason == "webhook-signature entry 'v1g0hM9SsE+OTPJTGt/t' has no ',' (expected v1,BASE64)");
  }
  SUBCASE("a malformed entry does not spoil a matching one, before or after it") {
    CHECK(with_signature("v1,not*base64 " + spec_signature).valid);
    CHECK(with_signature(spec_signature + " nocomma").valid);
    CHECK(with_signature("  " + spec_signature + "   v1,AAAA  ").valid);
  }
  SUBCASE("a well-formed entry that does not match wins over a malformed one in the reason") {
    auto v = with_signature("nocomma v1,AAAA");
    CHECK(v.reason == "no webhook-signature matches: " + mismatch);
  }
  SUBCASE("only versions these secrets do not check") {
    for (const char* value : {"v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "", "   ",
                              "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}) {
      CAPTURE(value);
      auto v = with_signature(value);
      CHECK_FALSE(v.valid);
      CHECK(v.reason ==
            "webhook-signature has no signature of a version these secrets check (v1 for whsec_, v1a for "
            "whsk_/whpk_)");
    }
  }
  SUBCASE("the version is matched exactly") {
    CHECK_FALSE(with_signature("V1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=").valid);
    CHECK_FALSE(with_signature("v1 ,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=").valid);
  }
}

TEST_CASE("Standard Webhooks: rotation (vectors.json)") {
  const auto& v = signature_vectors().at("standard_webhooks_rotation");
  const auto secrets = strings(v.at("secrets"));
  const std::string id = v.at("id");
  const long long ts = v.at("timestamp");
  const std::string signature = v.at("signature");
  auto both = credentials(SignatureScheme::standard_webhooks, secrets);

  Request r = with_body(v.at("body"));
  SignatureSteps steps;
  REQUIRE(sign_payload(both, r, at(ts), id, &steps));
  CHECK(r.headers.get("webhook-signature") == signature);
  CHECK(steps.content == v.at("content").get<std::string>());
  auto entries = util::split(signature, ' ');
  REQUIRE(entries.size() == 2);
  CHECK(steps.signatures == std::vector<std::string>{std::string(entries[0]), std::string(entries[1])});
  CHECK(verify_payload(both, r, check_at(ts)).valid);

  auto verify_with = [&](std::vector<std::string> verifier_secrets, const std::string& header) {
    Request received = r;
    received.headers.set("webhook-signature", header);
    return verify_payload(credentials(SignatureScheme::standard_webhooks, std::move(verifier_secrets)), received,
                          check_at(ts));
  };
  SUBCASE("a header where only one entry matches is accepted") {
    CHECK(verify_with(secrets, std::string(entries[0])).valid);
    CHECK(verify_with(secrets, std::string(entries[1])).valid);
    CHECK(verify_with(secrets, "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + std::string(entries[1])).valid);
  }
  SUBCASE("a receiver with either secret alone accepts the two-entry header") {
    CHECK(verify_with({secrets[0]}, signature).valid);
    CHECK(verify_with({secrets[1]}, signature).valid);
  }
  SUBCASE("a receiver with neither secret refuses it") {
    auto v3 = verify_with({"whsec_" + crypto::base64_encode(std::string(40, 'z'))}, signature);
    CHECK_FALSE(v3.valid);
    CHECK(v3.reason == "no webhook-signature matches: " + mismatch);
  }
}

TEST_CASE("Standard Webhooks: a whsec_ secret is 24 to 64 bytes") {
  const std::string good = "whsec_" + crypto::base64_encode(std::string(32, 'g'));
  for (std::size_t n : {std::size_t{24}, std::size_t{64}}) {
    CAPTURE(n);
    std::string secret = "whsec_" + crypto::base64_encode(std::string(n, 'k'));
    auto c = credentials(SignatureScheme::standard_webhooks, {secret});
    CHECK(check_secrets(c));
    Request r = with_body("{}");
    REQUIRE(sign_payload(c, r, at(spec_ts), spec_id));
    CHECK(verify_payload(c, r, check_at(spec_ts)).valid);
  }
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{23}, std::size_t{65}, std::size_t{128}}) {
    CAPTURE(n);
    const std::string raw(n, 'k');
    const std::string encoded = crypto::base64_encode(raw);
    auto c = credentials(SignatureScheme::standard_webhooks, {good, "whsec_" + encoded});
    const std::string expected =
        "signature secret 2: a whsec_ secret is 24 to 64 bytes, this one is " + std::to_string(n);
    auto checked = check_secrets(c);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ExitCode::usage);
    CHECK(checked.error().message == expected);

    Request r = with_body("{}");
    auto signed_ = sign_payload(c, r, at(spec_ts), spec_id);
    REQUIRE_FALSE(signed_);
    CHECK(signed_.error().message == expected);
    CHECK_FALSE(r.headers.has("webhook-signature"));

    auto v = verify_payload(c, spec_request(), check_at(spec_ts));
    CHECK_FALSE(v.valid);
    CHECK(v.reason == expected);
    if (n > 0) {
      for (const std::string& message : {checked.error().message, signed_.error().message, v.reason}) {
        CHECK_FALSE(test::contains(message, encoded));
        CHECK_FALSE(test::contains(message, raw));
      }
    }
  }
  SUBCASE("not base64 after the prefix, named by position, the value not repeated") {
    for (const char* bad : {"whsec_not base64!", "whsk_%%%%", "whpk_abc", "plain-text-secret"}) {
      CAPTURE(bad);
      auto r = check_secrets(credentials(SignatureScheme::standard_webhooks, {bad}));
      REQUIRE_FALSE(r);
      CHECK(r.error().message == "signature secret 1: not valid base64 after its whsec_/whsk_/whpk_ prefix");
      CHECK_FALSE(test::contains(r.error().message, std::string(bad).substr(5)));
    }
  }
  SUBCASE("no secret, or an empty one") {
    auto none = check_secrets(credentials(SignatureScheme::github, {}));
    CHECK(test::error_of(none) == "a payload signature needs a secret");
    CHECK(test::error_of(check_secrets(credentials(SignatureScheme::stripe, {"a", ""}))) ==
          "signature secret 2 is empty");
    CHECK_FALSE(verify_payload(credentials(SignatureScheme::github, {}), with_body("x"), check_at(0)).valid);
  }
  SUBCASE("other schemes take any non-empty secret as raw bytes") {
    for (auto s : {SignatureScheme::github, SignatureScheme::stripe, SignatureScheme::hmac})
      CHECK(check_secrets(credentials(s, {"x", "whsec_short"})));
  }
}

TEST_CASE("Standard Webhooks: Ed25519 keys sign v1a (vectors.json)") {
  const auto& v = signature_vectors().at("standard_webhooks_ed25519");
  const std::string id = v.at("id");
  const long long ts = v.at("timestamp");
  const std::string body = v.at("body");
  const std::string signature = v.at("signature");
  const std::string whpk = v.at("whpk");

  for (const char* form : {"whsk_32", "whsk_64"}) {
    CAPTURE(form);
    auto c = credentials(SignatureScheme::standard_webhooks, {v.at(form).get<std::string>()});
    Request r = with_body(body);
    SignatureSteps steps;
    REQUIRE(sign_payload(c, r, at(ts), id, &steps));
    CHECK(r.headers.get("webhook-signature") == signature);
    CHECK(steps.content == v.at("content").get<std::string>());
    CHECK(steps.signatures == std::vector<std::string>{signature});
    // The private key verifies too, through its public key.
    CHECK(verify_payload(c, r, check_at(ts)).valid);
  }

  Request received = with_body(body);
  received.headers.set("webhook-id", id);
  received.headers.set("webhook-timestamp", std::to_string(ts));
  received.headers.set("webhook-signature", signature);
  auto public_only = credentials(SignatureScheme::standard_webhooks, {whpk});
  CHECK(verify_payload(public_only, received, check_at(ts)).valid);

  SUBCASE("a changed body does not verify") {
    Request changed = received;
    changed.body += " ";
    auto verdict = verify_payload(public_only, changed, check_at(ts));
    CHECK_FALSE(verdict.valid);
    CHECK(verdict.reason == "no webhook-signature matches: " + mismatch);
  }
  SUBCASE("a whpk_ key cannot sign") {
    Request r = with_body(body);
    auto signed_ = sign_payload(public_only, r, at(ts), id);
    REQUIRE_FALSE(signed_);
    CHECK(signed_.error().code == ExitCode::usage);
    CHECK(signed_.error().message == "signature secret 1: a whpk_ public key cannot sign");
    CHECK_FALSE(test::contains(signed_.error().message, whpk.substr(5)));
    CHECK_FALSE(r.headers.has("webhook-signature"));
  }
  SUBCASE("a v1 entry is not checked with an Ed25519 key, nor v1a with a whsec_ secret") {
    Request v1_only = received;
    v1_only.headers.set("webhook-signature", "v1," + signature.substr(4));
    CHECK(test::contains(verify_payload(public_only, v1_only, check_at(ts)).reason, "has no signature of a version"));
    auto hmac_only = credentials(SignatureScheme::standard_webhooks, {spec_secret});
    CHECK(test::contains(verify_payload(hmac_only, received, check_at(ts)).reason, "has no signature of a version"));
  }
  SUBCASE("a whsec_ and a whsk_ secret sign one entry each") {
    auto mixed = credentials(SignatureScheme::standard_webhooks, {spec_secret, v.at("whsk_32").get<std::string>()});
    Request r = with_body(body);
    REQUIRE(sign_payload(mixed, r, at(ts), id));
    auto header = *r.headers.get("webhook-signature");
    auto parts = util::split(header, ' ');
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].starts_with("v1,"));
    CHECK(parts[1] == signature);
    CHECK(verify_payload(public_only, r, check_at(ts)).valid);
  }
  SUBCASE("keys of the wrong size") {
    CHECK(test::error_of(check_secrets(credentials(SignatureScheme::standard_webhooks,
                                                   {"whsk_" + crypto::base64_encode(std::string(31, 's'))}))) ==
          "signature secret 1: a whsk_ key is a 32-byte Ed25519 seed (or 64 bytes with its public key)");
    CHECK(test::error_of(check_secrets(credentials(SignatureScheme::standard_webhooks,
                                                   {"whsk_" + crypto::base64_encode(std::string(48, 's'))}))) ==
          "signature secret 1: a whsk_ key is a 32-byte Ed25519 seed (or 64 bytes with its public key)");
    CHECK(test::error_of(check_secrets(credentials(SignatureScheme::standard_webhooks,
                                                   {"whpk_" + crypto::base64_encode(std::string(33, 'p'))}))) ==
          "signature secret 1: a whpk_ key is a 32-byte Ed25519 public key");
  }
}

TEST_CASE("Standard Webhooks: the message id is non-empty and holds no '.'") {
  auto c = credentials(SignatureScheme::standard_webhooks, {spec_secret});
  for (const char* bad : {"msg.1", ".", "msg_p5jXN8AQM9LWM0D4loKWxJek.", ""}) {
    CAPTURE(bad);
    Request r = with_body(spec_body);
    auto signed_ = sign_payload(c, r, at(spec_ts), bad);
    REQUIRE_FALSE(signed_);
    CHECK(signed_.error().code == ExitCode::usage);
    CHECK(signed_.error().message == "a Standard Webhooks message id must be non-empty and hold no '.'");
    CHECK(r.headers.items.empty());
  }
}

TEST_CASE("ReplayBook: an id is refused again until its expiry, and forgotten after it") {
  ReplayBook book;
  const auto t = at(1'700'000'000);
  const auto until = t + seconds(300);
  CHECK(book.admit("msg_1", t, until) == Admission::first);
  CHECK(book.admit("msg_1", t, until) == Admission::replay);
  CHECK(book.admit("msg_1", t + seconds(10), until + seconds(10)) == Admission::replay);
  CHECK(book.admit("msg_2", t + seconds(10), until + seconds(10)) == Admission::first);
  CHECK(book.admit("msg_1", t + seconds(300), until + seconds(300)) == Admission::replay);  // the expiry's own second
  CHECK(book.admit("msg_1", t + seconds(301), t + seconds(601)) == Admission::first);       // forgotten
  CHECK(book.admit("msg_1", t + seconds(302), t + seconds(602)) == Admission::replay);      // and remembered anew
  CHECK(book.size() == 2);
  CHECK(book.admit("msg_3", t + seconds(700), t + seconds(1000)) == Admission::first);  // the expired ids are dropped
  CHECK(book.size() == 1);

  SUBCASE("an id kept past the window it was first seen in stays refused until its own expiry") {
    ReplayBook ahead;
    CHECK(ahead.admit("msg_f", t, t + seconds(600)) == Admission::first);
    CHECK(ahead.admit("msg_g", t, t + seconds(300)) == Admission::first);
    CHECK(ahead.admit("msg_f", t + seconds(450), t + seconds(750)) == Admission::replay);
    CHECK(ahead.admit("msg_g", t + seconds(450), t + seconds(750)) == Admission::first);  // msg_g had expired
    CHECK(ahead.admit("msg_f", t + seconds(600), t + seconds(900)) == Admission::replay);
    CHECK(ahead.admit("msg_f", t + seconds(601), t + seconds(901)) == Admission::first);
  }
  SUBCASE("many threads presenting one id: exactly one is first") {
    ReplayBook shared;
    std::atomic<int> firsts{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&] {
        for (int k = 0; k < 200; ++k)
          if (shared.admit("msg_race_" + std::to_string(k), t, until) == Admission::first) ++firsts;
      });
    for (auto& th : threads) th.join();
    CHECK(firsts == 200);
  }
}

TEST_CASE("ReplayBook: an id is kept until its message's timestamp leaves the tolerance (audit signing #1)") {
  // A message dated up to the tolerance ahead of the receiver's clock is accepted until its
  // timestamp plus the tolerance, so its id must be remembered that long, not a tolerance after receipt.
  const long long received = spec_ts - 300;  // the message is dated 300 s ahead: still in tolerance
  ReplayBook book;
  PayloadCheck first = check_at(received);
  first.replays = &book;
  REQUIRE(verify_spec(spec_request(), first).valid);
  for (long long later : {received + 1, received + 301, received + 450, spec_ts + 300}) {
    CAPTURE(later);
    PayloadCheck again = check_at(later);
    again.replays = &book;
    CHECK(verify_spec(spec_request(), again).reason == "message id '" + spec_id + "' was seen before: a replay");
  }
  PayloadCheck expired = check_at(spec_ts + 301);
  expired.replays = &book;
  CHECK(verify_spec(spec_request(), expired).reason.find("outside the tolerance") != std::string::npos);

  SUBCASE("the generic hmac form with {timestamp} and {id}") {
    auto c = credentials(SignatureScheme::hmac, {"HMAC-SECRET-1"});
    c.hmac.content = "{id}.{timestamp}.{body}";
    Request r = with_body("{}");
    REQUIRE(sign_payload(c, r, at(spec_ts), "evt_9"));
    ReplayBook hmac_book;
    PayloadCheck now = check_at(received);
    now.replays = &hmac_book;
    REQUIRE(verify_payload(c, r, now).valid);
    PayloadCheck later = check_at(received + 450);
    later.replays = &hmac_book;
    CHECK(verify_payload(c, r, later).reason == "message id 'evt_9' was seen before: a replay");
  }
  SUBCASE("schemes without an id (Stripe; hmac with {timestamp} only) are keyed by timestamp and body") {
    for (auto scheme : {SignatureScheme::stripe, SignatureScheme::hmac}) {
      CAPTURE(scheme_name(scheme));
      auto c = credentials(scheme, {"SECRET-1"});
      c.hmac.content = "{timestamp}.{body}";
      Request r = with_body("{\"n\":1}");
      REQUIRE(sign_payload(c, r, at(spec_ts), ""));
      ReplayBook content_book;
      PayloadCheck now = check_at(spec_ts);
      now.replays = &content_book;
      REQUIRE(verify_payload(c, r, now).valid);
      CHECK(verify_payload(c, r, now).reason == "the same timestamp and body were seen before: a replay");
      // Another body, or the same body signed a second later, is another message.
      Request other = with_body("{\"n\":2}");
      REQUIRE(sign_payload(c, other, at(spec_ts), ""));
      CHECK(verify_payload(c, other, now).valid);
      Request later = with_body("{\"n\":1}");
      REQUIRE(sign_payload(c, later, at(spec_ts + 1), ""));
      CHECK(verify_payload(c, later, now).valid);
    }
  }
  SUBCASE("a message dated in the past is kept a tolerance after receipt") {
    ReplayBook past;
    PayloadCheck now = check_at(spec_ts + 200);
    now.replays = &past;
    REQUIRE(verify_spec(spec_request(), now).valid);
    CHECK(past.size() == 1);
    PayloadCheck at_edge = check_at(spec_ts + 300);
    at_edge.replays = &past;
    CHECK_FALSE(verify_spec(spec_request(), at_edge).valid);
  }
  SUBCASE("without a tolerance any timestamp is accepted, and the id is kept a day after receipt") {
    CHECK(replay_window_without_tolerance == std::chrono::hours(24));
    const long long received = spec_ts - 100'000'000;
    ReplayBook any;
    auto check = [&](long long now) {
      PayloadCheck c = check_at(now, std::nullopt);
      c.replays = &any;
      return verify_spec(spec_request(), c);
    };
    REQUIRE(check(received).valid);
    // 300 s was the window before: a replay then passed after five minutes.
    CHECK(check(received + 301).reason == "message id '" + spec_id + "' was seen before: a replay");
    CHECK(check(received + 23 * 3600 + 59 * 60).reason == "message id '" + spec_id + "' was seen before: a replay");
    CHECK_FALSE(check(received + 24 * 3600).valid);  // the expiry's own instant
    CHECK(any.size() == 1);
    CHECK(check(received + 24 * 3600 + 1).valid);  // forgotten after 24 h, and remembered anew
    CHECK(any.size() == 1);
    CHECK(any.admit("other", at(received + 48 * 3600 + 2), at(spec_ts)) == Admission::first);
    CHECK(any.size() == 1);  // the far-future timestamp did not keep the id for years
  }
}

TEST_CASE("ReplayBook: at its capacity, a new id is refused and no held id is evicted") {
  const auto t = at(1'700'000'000);
  ReplayBook book(3);
  CHECK(book.capacity() == 3);
  CHECK(ReplayBook().capacity() == default_replay_capacity);
  CHECK(book.admit("msg_1", t, t + seconds(300)) == Admission::first);
  CHECK(book.admit("msg_2", t, t + seconds(100)) == Admission::first);
  CHECK(book.admit("msg_3", t, t + seconds(300)) == Admission::first);
  CHECK(book.admit("msg_4", t + seconds(1), t + seconds(301)) == Admission::full);
  CHECK(book.size() == 3);
  // A replay at the cap is still a replay, and the refused id was not recorded.
  CHECK(book.admit("msg_1", t + seconds(2), t + seconds(302)) == Admission::replay);
  CHECK(book.admit("msg_4", t + seconds(3), t + seconds(303)) == Admission::full);
  // Once msg_2 expires there is room for one, and only one.
  CHECK(book.admit("msg_4", t + seconds(101), t + seconds(401)) == Admission::first);
  CHECK(book.admit("msg_5", t + seconds(101), t + seconds(401)) == Admission::full);
  CHECK(book.admit("msg_3", t + seconds(102), t + seconds(402)) == Admission::replay);
  // Once all expire, the book shrinks to the one new id.
  CHECK(book.admit("msg_2", t + seconds(402), t + seconds(700)) == Admission::first);
  CHECK(book.size() == 1);

  SUBCASE("verify_payload refuses the message and says the book is full") {
    auto c = credentials(SignatureScheme::standard_webhooks, {spec_secret});
    ReplayBook small(2);
    auto message = [&](const std::string& id, long long ts) {
      Request r = with_body(spec_body);
      REQUIRE(sign_payload(c, r, at(ts), id));
      PayloadCheck check = check_at(ts);
      check.replays = &small;
      return verify_payload(c, r, check);
    };
    CHECK(message("msg_a", spec_ts).valid);
    CHECK(message("msg_b", spec_ts).valid);
    auto full = message("msg_c", spec_ts + 1);
    CHECK_FALSE(full.valid);
    CHECK(full.reason ==
          "the replay book is full (its limit of 2 message ids, none yet expired): refused until some expire");
    CHECK(message("msg_a", spec_ts + 1).reason == "message id 'msg_a' was seen before: a replay");
    // The ids are kept through the end of their timestamp's last accepted second (301 s after it);
    // then msg_c is accepted, once.
    CHECK(message("msg_c", spec_ts + 302).valid);
    CHECK(message("msg_c", spec_ts + 303).reason == "message id 'msg_c' was seen before: a replay");
    CHECK(small.size() == 1);
  }
}

TEST_CASE("ReplayBook: an id is held whatever its length, at the same cost") {
  const auto t = at(1'700'000'000);
  ReplayBook book;
  const std::string long_id(60'000, 'x');
  CHECK(book.admit(long_id, t, t + seconds(300)) == Admission::first);
  CHECK(book.admit(long_id, t, t + seconds(300)) == Admission::replay);
  CHECK(book.admit(long_id + "y", t, t + seconds(300)) == Admission::first);
  CHECK(book.admit(long_id.substr(1), t, t + seconds(300)) == Admission::first);
  CHECK(book.size() == 3);
}

TEST_CASE("Standard Webhooks: a replayed message is refused when a ReplayBook is given") {
  ReplayBook book;
  PayloadCheck check = check_at(spec_ts);
  check.replays = &book;
  CHECK(verify_spec(spec_request(), check).valid);
  auto again = verify_spec(spec_request(), check);
  CHECK_FALSE(again.valid);
  CHECK(again.reason == "message id 'msg_p5jXN8AQM9LWM0D4loKWxJek' was seen before: a replay");

  SUBCASE("a forged message does not use up its id") {
    ReplayBook fresh;
    PayloadCheck c = check_at(spec_ts);
    c.replays = &fresh;
    Request forged = spec_request();
    forged.body = "forged";
    CHECK_FALSE(verify_spec(forged, c).valid);
    CHECK(verify_spec(spec_request(), c).valid);
  }
  SUBCASE("without a ReplayBook, replays are not checked") {
    CHECK(verify_spec(spec_request()).valid);
    CHECK(verify_spec(spec_request()).valid);
  }
}

TEST_CASE("GitHub: X-Hub-Signature-256") {
  // GitHub's documented example ("Validating webhook deliveries", testing the signature).
  const std::string secret = "It's a Secret to Everybody";
  const std::string expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  auto c = credentials(SignatureScheme::github, {secret});
  Request r = with_body("Hello, World!");
  SignatureSteps steps;
  REQUIRE(sign_payload(c, r, at(spec_ts), "", &steps));
  CHECK(r.headers.get("X-Hub-Signature-256") == expected);
  CHECK(r.headers.items.size() == 1);  // no timestamp or id header
  CHECK(steps.content == "Hello, World!");
  CHECK(steps.signatures == std::vector<std::string>{expected});

  // No timestamp: any clock, any tolerance.
  CHECK(verify_payload(c, r, check_at(0)).valid);
  CHECK(verify_payload(c, r, check_at(4'000'000'000)).valid);

  auto with_header = [&](const std::string& value) {
    Request received = with_body("Hello, World!");
    received.headers.set("X-Hub-Signature-256", value);
    return verify_payload(c, received, check_at(0));
  };
  SUBCASE("uppercase hex is accepted, and surrounding spaces") {
    CHECK(with_header("sha256=" + util::to_lower(expected.substr(7))).valid);
    std::string upper = expected.substr(7);
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK(with_header("sha256=" + upper).valid);
    CHECK(with_header(" " + expected + " ").valid);
  }
  SUBCASE("a malformed header") {
    const std::string hex = expected.substr(7);
    for (const std::string& bad : {"sha1=" + hex.substr(0, 40), "sha256=" + hex.substr(1), "sha256=" + hex + "0", hex,
                                   "sha256:" + hex, "SHA256=" + hex, std::string(""), std::string("sha256=")}) {
      CAPTURE(bad);
      auto v = with_header(bad);
      CHECK_FALSE(v.valid);
      CHECK(v.reason == "X-Hub-Signature-256 is not sha256= and 64 hex digits");
    }
  }
  SUBCASE("missing, or for another body") {
    auto missing = verify_payload(c, with_body("Hello, World!"), check_at(0));
    CHECK(missing.reason == "no X-Hub-Signature-256 header");
    Request other = r;
    other.body = "Hello, World?";
    CHECK(verify_payload(c, other, check_at(0)).reason == "X-Hub-Signature-256 does not match: " + mismatch);
    CHECK_FALSE(with_header("sha256=" + std::string(64, 'z')).valid);
  }
  SUBCASE("rotation: the first secret signs, any verifies (vectors.json)") {
    const auto& v = signature_vectors().at("github");
    auto both = credentials(SignatureScheme::github, strings(v.at("secrets")));
    const auto signatures = strings(v.at("signatures"));
    Request signed_ = with_body(v.at("body"));
    REQUIRE(sign_payload(both, signed_, at(0), ""));
    CHECK(signed_.headers.get("X-Hub-Signature-256") == signatures[0]);
    for (const auto& s : signatures) {
      CAPTURE(s);
      Request received = with_body(v.at("body"));
      received.headers.set("X-Hub-Signature-256", s);
      CHECK(verify_payload(both, received, check_at(0)).valid);
    }
  }
}

TEST_CASE("Stripe: Stripe-Signature (vectors.json)") {
  const auto& v = signature_vectors().at("stripe");
  const auto secrets = strings(v.at("secrets"));
  const auto v1 = strings(v.at("v1"));
  const long long ts = v.at("timestamp");
  const std::string t = "t=" + std::to_string(ts);
  const std::string body = v.at("body");
  auto both = credentials(SignatureScheme::stripe, secrets);

  Request r = with_body(body);
  SignatureSteps steps;
  REQUIRE(sign_payload(both, r, at(ts), "", &steps));
  CHECK(r.headers.get("Stripe-Signature") == t + ",v1=" + v1[0] + ",v1=" + v1[1]);
  CHECK(steps.content == v.at("content").get<std::string>());
  CHECK(steps.signatures == std::vector<std::string>{"v1=" + v1[0], "v1=" + v1[1]});
  CHECK(verify_payload(both, r, check_at(ts)).valid);

  auto with_header = [&](const std::string& value, long long now) {
    Request received = with_body(body);
    received.headers.set("Stripe-Signature", value);
    return verify_payload(both, received, check_at(now));
  };
  SUBCASE("t and v1 in any order and spacing; several v1, one matching; other schemes' items ignored") {
    for (const std::string& ok : {t + ",v1=" + v1[0], t + ",v1=" + v1[1], "v1=" + v1[1] + "," + t, t + ", v1=" + v1[0],
                                  t + ",v1=" + std::string(64, '0') + ",v1=" + v1[1], t + ",v0=abc,v1=" + v1[0],
                                  t + ",v1=" + util::to_lower(v1[0])}) {
      CAPTURE(ok);
      CHECK(with_header(ok, ts).valid);
    }
    std::string upper = v1[0];
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK(with_header(t + ",v1=" + upper, ts).valid);
  }
  SUBCASE("a receiver with one secret accepts the header its secret signed") {
    auto old_only = credentials(SignatureScheme::stripe, {secrets[1]});
    Request received = r;
    CHECK(verify_payload(old_only, received, check_at(ts)).valid);
    received.headers.set("Stripe-Signature", t + ",v1=" + v1[0]);
    CHECK(verify_payload(old_only, received, check_at(ts)).reason == "no Stripe-Signature v1 matches: " + mismatch);
  }
  SUBCASE("missing t, missing v1, an item without '='") {
    CHECK(with_header("v1=" + v1[0], ts).reason == "Stripe-Signature has no t= timestamp");
    CHECK(with_header(t, ts).reason == "Stripe-Signature has no v1= signature");
    CHECK(with_header(t + ",v0=" + v1[0], ts).reason == "Stripe-Signature has no v1= signature");
    CHECK(with_header(t + ",garbage,v1=" + v1[0], ts).reason == "Stripe-Signature item 'garbage' has no '='");
    CHECK_FALSE(with_header("", ts).valid);
    auto missing = verify_payload(both, with_body(body), check_at(ts));
    CHECK(missing.reason == "no Stripe-Signature header");
  }
  SUBCASE("the timestamp: tolerance and format") {
    CHECK(with_header(t + ",v1=" + v1[0], ts + 300).valid);
    CHECK(with_header(t + ",v1=" + v1[0], ts + 301).reason ==
          "Stripe-Signature t is 301 s behind this clock, outside the tolerance of 300 s");
    CHECK(with_header(t + ",v1=" + v1[0], ts - 301).reason ==
          "Stripe-Signature t is 301 s ahead of this clock, outside the tolerance of 300 s");
    CHECK(with_header("t=abc,v1=" + v1[0], ts).reason == "Stripe-Signature t 'abc' is not a Unix timestamp");
    Request received = r;
    CHECK(verify_payload(both, received, check_at(ts + 100000, std::nullopt)).valid);
  }
  SUBCASE("a changed body or timestamp does not match") {
    CHECK(with_header("t=" + std::to_string(ts + 1) + ",v1=" + v1[0], ts).reason ==
          "no Stripe-Signature v1 matches: " + mismatch);
    Request changed = r;
    changed.body += "x";
    CHECK(verify_payload(both, changed, check_at(ts)).reason == "no Stripe-Signature v1 matches: " + mismatch);
  }
}

TEST_CASE("hmac: the generic form (vectors.json)") {
  const auto& v = signature_vectors().at("hmac");
  const std::string secret = v.at("secret");
  const std::string id = v.at("id");
  const long long ts = v.at("timestamp");
  const std::string body = v.at("body");

  CHECK(HmacForm{}.header == "X-Signature");
  CHECK_FALSE(HmacForm{}.sha512);
  CHECK_FALSE(HmacForm{}.base64);
  CHECK(HmacForm{}.prefix.empty());
  CHECK(HmacForm{}.content == "{body}");
  CHECK(HmacForm{}.timestamp_header == "X-Webhook-Timestamp");
  CHECK(HmacForm{}.id_header == "X-Webhook-Id");

  for (const auto& k : v.at("cases")) {
    const std::string template_ = k.at("template");
    CAPTURE(template_);
    CAPTURE(k.at("sha512").get<bool>());
    CAPTURE(k.at("base64").get<bool>());
    auto c = credentials(SignatureScheme::hmac, {secret});
    c.hmac.content = template_;
    c.hmac.sha512 = k.at("sha512");
    c.hmac.base64 = k.at("base64");
    c.hmac.prefix = k.at("prefix");
    Request r = with_body(body);
    SignatureSteps steps;
    REQUIRE(sign_payload(c, r, at(ts), id, &steps));
    CHECK(r.headers.get("X-Signature") == k.at("value").get<std::string>());
    CHECK(steps.content == k.at("content").get<std::string>());
    CHECK(steps.signatures == std::vector<std::string>{k.at("value").get<std::string>()});
    // The timestamp and id headers go only with a template that uses them.
    bool uses_ts = test::contains(template_, "{timestamp}"), uses_id = test::contains(template_, "{id}");
    CHECK(r.headers.has("X-Webhook-Timestamp") == uses_ts);
    CHECK(r.headers.has("X-Webhook-Id") == uses_id);
    if (uses_ts) CHECK(r.headers.get("X-Webhook-Timestamp") == std::to_string(ts));
    if (uses_id) CHECK(r.headers.get("X-Webhook-Id") == id);
    CHECK(r.headers.items.size() == 1u + uses_ts + uses_id);

    auto verdict = verify_payload(c, r, check_at(ts));
    CHECK(verdict.valid);
    CHECK(verdict.reason.empty());
    // A template without {timestamp} has no clock to check.
    CHECK(verify_payload(c, r, check_at(ts + 100000)).valid == !uses_ts);

    // Only what the template names is signed.
    Request changed = r;
    changed.body += "!";
    if (test::contains(template_, "{body}"))
      CHECK(verify_payload(c, changed, check_at(ts)).reason == "X-Signature does not match: " + mismatch);
    else
      CHECK(verify_payload(c, changed, check_at(ts)).valid);
    if (uses_id) {
      Request other_id = r;
      other_id.headers.set("X-Webhook-Id", "evt_43");
      CHECK(verify_payload(c, other_id, check_at(ts)).reason == "X-Signature does not match: " + mismatch);
    }
  }

  SUBCASE("own header names, on both sides") {
    auto c = credentials(SignatureScheme::hmac, {secret});
    c.hmac.header = "X-Partner-Sig";
    c.hmac.timestamp_header = "X-Partner-Time";
    c.hmac.id_header = "X-Partner-Id";
    c.hmac.content = "{timestamp}.{id}.{body}";
    Request r = with_body(body);
    REQUIRE(sign_payload(c, r, at(ts), id));
    CHECK(r.headers.has("X-Partner-Sig"));
    CHECK(r.headers.get("X-Partner-Time") == std::to_string(ts));
    CHECK(r.headers.get("X-Partner-Id") == id);
    CHECK_FALSE(r.headers.has("X-Signature"));
    CHECK_FALSE(r.headers.has("X-Webhook-Timestamp"));
    CHECK(verify_payload(c, r, check_at(ts)).valid);
    for (const char* header : {"X-Partner-Sig", "X-Partner-Time", "X-Partner-Id"}) {
      CAPTURE(header);
      Request missing = r;
      missing.headers.remove(header);
      CHECK(verify_payload(c, missing, check_at(ts)).reason == std::string("no ") + header + " header");
    }
    Request late = r;
    CHECK(verify_payload(c, late, check_at(ts + 301)).reason ==
          "X-Partner-Time is 301 s behind this clock, outside the tolerance of 300 s");
    Request bad_time = r;
    bad_time.headers.set("X-Partner-Time", "soon");
    CHECK(verify_payload(c, bad_time, check_at(ts)).reason == "X-Partner-Time 'soon' is not a Unix timestamp");
  }
  SUBCASE("the template is expanded in one pass: placeholder text in the id or body stays as sent") {
    auto c = credentials(SignatureScheme::hmac, {secret});
    c.hmac.content = "{id}.{timestamp}.{body}";
    Request r = with_body("{id}{timestamp}");
    SignatureSteps steps;
    REQUIRE(sign_payload(c, r, at(ts), "{body}", &steps));
    CHECK(steps.content == "{body}." + std::to_string(ts) + ".{id}{timestamp}");
    SignatureSteps checked;
    PayloadCheck check = check_at(ts);
    check.steps = &checked;
    CHECK(verify_payload(c, r, check).valid);
    CHECK(checked.content == steps.content);
  }
  SUBCASE("the prefix must be there, as configured") {
    auto c = credentials(SignatureScheme::hmac, {secret});
    c.hmac.prefix = "sha256=";
    Request r = with_body(body);
    REQUIRE(sign_payload(c, r, at(ts), id));
    const std::string value = *r.headers.get("X-Signature");
    REQUIRE(value.starts_with("sha256="));
    CHECK(verify_payload(c, r, check_at(ts)).valid);
    for (const std::string& other : {value.substr(7), "SHA256=" + value.substr(7), "sha512=" + value.substr(7)}) {
      CAPTURE(other);
      Request received = r;
      received.headers.set("X-Signature", other);
      CHECK(verify_payload(c, received, check_at(ts)).reason == "X-Signature does not start with 'sha256='");
    }
  }
  SUBCASE("hex is compared in any case; base64 exactly") {
    auto hex = credentials(SignatureScheme::hmac, {secret});
    Request r = with_body(body);
    REQUIRE(sign_payload(hex, r, at(ts), id));
    std::string upper = *r.headers.get("X-Signature");
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    r.headers.set("X-Signature", upper);
    CHECK(verify_payload(hex, r, check_at(ts)).valid);

    auto b64 = credentials(SignatureScheme::hmac, {secret});
    b64.hmac.base64 = true;
    Request s = with_body(body);
    REQUIRE(sign_payload(b64, s, at(ts), id));
    std::string flipped = *s.headers.get("X-Signature");
    for (char& ch : flipped)
      if (std::isalpha(static_cast<unsigned char>(ch))) ch = static_cast<char>(ch ^ 0x20);
    s.headers.set("X-Signature", flipped);
    CHECK_FALSE(verify_payload(b64, s, check_at(ts)).valid);
  }
  SUBCASE("rotation: the first secret signs, any verifies") {
    auto one = credentials(SignatureScheme::hmac, {"old-secret"});
    Request r = with_body(body);
    REQUIRE(sign_payload(one, r, at(ts), id));
    auto both = credentials(SignatureScheme::hmac, {"new-secret", "old-secret"});
    CHECK(verify_payload(both, r, check_at(ts)).valid);
    Request by_both = with_body(body);
    REQUIRE(sign_payload(both, by_both, at(ts), id));
    CHECK(by_both.headers.get("X-Signature") != r.headers.get("X-Signature"));
    CHECK(verify_payload(credentials(SignatureScheme::hmac, {"new-secret"}), by_both, check_at(ts)).valid);
  }
  SUBCASE("replays are refused when the template signs an {id}, and not checked without one") {
    auto with_id = credentials(SignatureScheme::hmac, {secret});
    with_id.hmac.content = "{id}.{body}";
    Request r = with_body(body);
    REQUIRE(sign_payload(with_id, r, at(ts), id));
    ReplayBook book;
    PayloadCheck check = check_at(ts);
    check.replays = &book;
    CHECK(verify_payload(with_id, r, check).valid);
    CHECK(verify_payload(with_id, r, check).reason == "message id 'evt_42' was seen before: a replay");

    auto body_only = credentials(SignatureScheme::hmac, {secret});
    Request s = with_body(body);
    REQUIRE(sign_payload(body_only, s, at(ts), id));
    ReplayBook other;
    PayloadCheck c2 = check_at(ts);
    c2.replays = &other;
    CHECK(verify_payload(body_only, s, c2).valid);
    CHECK(verify_payload(body_only, s, c2).valid);
  }
}

TEST_CASE("SignatureSteps: verifying records the content it checked, for every scheme") {
  struct Case {
    SignatureScheme scheme;
    std::vector<std::string> secrets;
    std::string content;  // what the receiver must show it checked
  };
  const std::string body = "{\"n\":1}";
  const long long ts = 1'700'000'000;
  for (const auto& c :
       {Case{SignatureScheme::standard_webhooks, {spec_secret}, "msg_1.1700000000." + body},
        Case{SignatureScheme::github, {"gh"}, body}, Case{SignatureScheme::stripe, {"st"}, "1700000000." + body},
        Case{SignatureScheme::hmac, {"hm"}, body}}) {
    CAPTURE(scheme_name(c.scheme));
    auto creds = credentials(c.scheme, c.secrets);
    Request r = with_body(body);
    SignatureSteps sent;
    REQUIRE(sign_payload(creds, r, at(ts), "msg_1", &sent));
    CHECK(sent.content == c.content);
    CHECK(sent.signatures.size() == 1);
    SignatureSteps checked;
    PayloadCheck check = check_at(ts);
    check.steps = &checked;
    CHECK(verify_payload(creds, r, check).valid);
    CHECK(checked.content == c.content);
  }
}

}  // namespace hookauth::auth
