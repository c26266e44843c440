#include "auth/jwt.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/crypto.hpp"
#include "auth/oauth2.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {

std::string member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A base64url key part; an error names the member.
Result<std::string> part(const nlohmann::json& j, const char* key, std::size_t index) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return usage_error("JWKS key " + std::to_string(index) + ": no '" + key + "'");
  auto raw = base64url_decode(it->get<std::string>());
  if (!raw || raw->empty())
    return usage_error("JWKS key " + std::to_string(index) + ": '" + key + "' is not base64url");
  return raw;
}

std::optional<std::int64_t> numeric_date(const nlohmann::json& claims, const char* key, bool* malformed) {
  auto it = claims.find(key);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_unsigned())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(it->get<std::uint64_t>(), INT64_MAX));
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_float() && std::abs(it->get<double>()) < 1e15) return static_cast<std::int64_t>(it->get<double>());
  *malformed = true;
  return std::nullopt;
}

bool key_fits(const Jwk& k, std::string_view alg) {
  if (!k.alg.empty() && k.alg != alg) return false;
  if (alg == "RS256") return k.kty == "RSA";
  if (alg == "ES256") return k.kty == "EC" && k.crv == "P-256";
  if (alg == "EdDSA") return k.kty == "OKP" && k.crv == "Ed25519";
  return false;
}

Result<bool> signature_ok(const Jwk& k, std::string_view alg, std::string_view input, std::string_view sig) {
  if (alg == "RS256") return crypto::rs256_verify(k.n, k.e, input, sig);
  if (alg == "ES256") return crypto::es256_verify(k.x, k.y, input, sig);
  return crypto::ed25519_verify(k.x, input, sig);
}

}  // namespace

Result<Jwks> parse_jwks(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return usage_error("the JWKS is not a JSON object");
  auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_array()) return usage_error("the JWKS has no 'keys' array");
  Jwks out;
  std::size_t index = 0;
  for (const auto& k : *keys) {
    ++index;
    if (!k.is_object()) return usage_error("JWKS key " + std::to_string(index) + ": not an object");
    if (member(k, "use") == "enc") continue;
    Jwk key;
    key.kid = member(k, "kid");
    key.kty = member(k, "kty");
    key.alg = member(k, "alg");
    key.crv = member(k, "crv");
    if (key.kty == "RSA") {
      auto n = part(k, "n", index);
      auto e = part(k, "e", index);
      if (!n) return std::unexpected(n.error());
      if (!e) return std::unexpected(e.error());
      key.n = std::move(*n);
      key.e = std::move(*e);
    } else if (key.kty == "EC" || key.kty == "OKP") {
      auto x = part(k, "x", index);
      if (!x) return std::unexpected(x.error());
      key.x = std::move(*x);
      if (key.kty == "EC") {
        auto y = part(k, "y", index);
        if (!y) return std::unexpected(y.error());
        key.y = std::move(*y);
      }
    } else {
      continue;  // oct and unknown key types never verify a token here
    }
    out.keys.push_back(std::move(key));
  }
  return out;
}

namespace {

// A JWT's three parts, decoded.
struct DecodedJwt {
  nlohmann::json header, claims;
  std::string signature;
  std::string_view signing_input;  // the encoded header and payload, as sent
};

// Splits a compact JWS into its base64url parts and parses the header and claims as JSON objects
// (RFC 7519 section 7.2 steps 1 to 10); nullopt with v.reason set when it is not one.
std::optional<DecodedJwt> decode_jwt(std::string_view token, JwtVerdict& v) {
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    v.reason = "the bearer token is not a JWT (three base64url parts)";
    return std::nullopt;
  }
  auto header_raw = base64url_decode(token.substr(0, dot1));
  auto payload_raw = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header_raw || !payload_raw || !sig) {
    v.reason = "a part of the JWT is not base64url";
    return std::nullopt;
  }
  DecodedJwt jwt;
  jwt.header = nlohmann::json::parse(*header_raw, nullptr, false);
  jwt.claims = nlohmann::json::parse(*payload_raw, nullptr, false);
  if (jwt.header.is_discarded() || !jwt.header.is_object() || jwt.claims.is_discarded() || !jwt.claims.is_object()) {
    v.reason = "the JWT's header or claims are not a JSON object";
    return std::nullopt;
  }
  jwt.signature = std::move(*sig);
  // RFC 7515 5.2: the signature covers the encoded header and payload as they were sent.
  jwt.signing_input = token.substr(0, dot2);
  return jwt;
}

// Reads alg and kid from the header and accepts only RS256, ES256 and EdDSA (RFC 7515 sections
// 4.1.1 and 4.1.4); false with v.reason set otherwise.
bool check_jwt_alg(const nlohmann::json& header, JwtVerdict& v) {
  v.alg = member(header, "alg");
  v.kid = member(header, "kid");
  if (v.alg != "RS256" && v.alg != "ES256" && v.alg != "EdDSA") {
    v.reason = "the JWT's alg '" + util::excerpt(v.alg) + "' is not RS256, ES256 or EdDSA";
    return false;
  }
  return true;
}

// RFC 7515 section 4.1.11: a recipient must refuse a JWS whose crit names an extension it does not
// understand. hookauth understands none (and crit may not name the registered parameters), so any
// crit is refused; false with v.reason set.
bool check_jwt_crit(const nlohmann::json& header, JwtVerdict& v) {
  auto crit = header.find("crit");
  if (crit == header.end()) return true;
  std::string names;
  if (crit->is_array())
    for (const auto& name : *crit)
      names += (names.empty() ? "" : ", ") + (name.is_string() ? name.get<std::string>() : name.dump());
  v.reason = names.empty()
                 ? "the JWT's header has a crit that is not a list of names (RFC 7515 section 4.1.11)"
                 : "the JWT's header marks " + util::excerpt(names) +
                       " critical (crit), an extension hookauth does not understand (RFC 7515 section 4.1.11)";
  return false;
}

// Verifies the signature with the first JWKS key that fits the kid and alg and verifies it
// (RFC 7515 section 5.2); false with v.reason set (and v.unknown_kid when no key fits).
bool check_jwt_signature(const DecodedJwt& jwt, const Jwks& jwks, JwtVerdict& v) {
  bool candidate = false, verified = false;
  for (const auto& key : jwks.keys) {
    if ((!v.kid.empty() && key.kid != v.kid) || !key_fits(key, v.alg)) continue;
    candidate = true;
    auto ok = signature_ok(key, v.alg, jwt.signing_input, jwt.signature);
    if (!ok) {
      v.reason = "the JWKS key '" + util::excerpt(key.kid) + "' cannot be used: " + ok.error().message;
      return false;
    }
    if (*ok) {
      verified = true;
      break;
    }
  }
  if (!candidate) {
    v.unknown_kid = true;
    v.reason = v.kid.empty() ? "the JWKS has no " + v.alg + " key"
                             : "the JWKS has no " + v.alg + " key with kid '" + util::excerpt(v.kid) + "'";
    return false;
  }
  if (!verified) {
    v.reason = "the JWT's signature does not verify: its header or claims were changed, or another key signed it";
    return false;
  }
  return true;
}

// Reads exp, nbf and sub, and checks that exp is there and now is within exp and nbf give or take
// the leeway (RFC 7519 sections 4.1.4 and 4.1.5); false with v.reason set otherwise.
bool check_jwt_times(const nlohmann::json& claims, const JwtExpectations& expected, JwtVerdict& v) {
  auto now = util::unix_seconds(expected.now);
  auto leeway = expected.leeway.count();
  bool malformed = false;
  v.exp = numeric_date(claims, "exp", &malformed);
  auto nbf = numeric_date(claims, "nbf", &malformed);
  v.subject = member(claims, "sub");
  if (malformed) {
    v.reason = "the JWT's exp or nbf is not a number";
    return false;
  }
  if (!v.exp) {
    v.reason = "the JWT has no exp";
    return false;
  }
  // Compared as now - leeway against the claim, so a claim near the integer limits cannot overflow
  // (now and the leeway are small).
  if (now - leeway >= *v.exp) {
    v.reason = "the JWT expired " +
               std::to_string(static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(*v.exp)) +
               " s ago (leeway " + std::to_string(leeway) + " s)";
    return false;
  }
  if (nbf && now + leeway < *nbf) {
    v.reason = "the JWT is not valid for another " +
               std::to_string(static_cast<std::uint64_t>(*nbf) - static_cast<std::uint64_t>(now)) + " s (nbf, leeway " +
               std::to_string(leeway) + " s)";
    return false;
  }
  return true;
}

// Checks that iss is the expected issuer and aud (a string or an array) includes the expected
// audience (RFC 7519 sections 4.1.1 and 4.1.3); false with v.reason set otherwise.
bool check_jwt_issuer_audience(const nlohmann::json& claims, const JwtExpectations& expected, JwtVerdict& v) {
  std::string iss = member(claims, "iss");
  if (iss != expected.issuer) {
    v.reason = "the JWT's iss '" + util::excerpt(iss) + "' is not '" + expected.issuer + "'";
    return false;
  }
  bool audience_ok = false;
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) audience_ok = aud->get<std::string>() == expected.audience;
    if (aud->is_array())
      for (const auto& a : *aud) audience_ok |= a.is_string() && a.get<std::string>() == expected.audience;
  }
  if (!audience_ok) {
    v.reason = "the JWT's aud does not include '" + expected.audience + "'";
    return false;
  }
  return true;
}

}  // namespace

JwtVerdict verify_jwt(std::string_view token, const Jwks& jwks, const JwtExpectations& expected) {
  JwtVerdict v;
  auto jwt = decode_jwt(token, v);
  if (!jwt || !check_jwt_alg(jwt->header, v) || !check_jwt_crit(jwt->header, v) ||
      !check_jwt_signature(*jwt, jwks, v) || !check_jwt_times(jwt->claims, expected, v) ||
      !check_jwt_issuer_audience(jwt->claims, expected, v))
    return v;
  v.valid = true;
  return v;
}

}  // namespace hookauth::auth
