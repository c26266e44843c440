#pragma once
// JWT bearer tokens (RFC 7519) signed with RS256, ES256 or EdDSA (RFC 7518, RFC 8037), checked
// against a JWKS (RFC 7517) with OpenSSL's EVP API. Pure: the key set, the clock and what is
// expected come in as arguments; fetching the key set is the caller's.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::auth {

// A public key of a JWKS, its parts base64url-decoded.
struct Jwk {
  std::string kid;
  std::string kty;   // RSA, EC, OKP
  std::string alg;   // optional in the set
  std::string crv;   // P-256, Ed25519
  std::string n, e;  // RSA
  std::string x, y;  // EC (x, y), OKP (x)
};

struct Jwks {
  std::vector<Jwk> keys;
};

// Reads a JWKS document. Keys of other types, or for encryption ("use": "enc"), are skipped;
// errors name what is malformed.
Result<Jwks> parse_jwks(std::string_view json);

struct JwtExpectations {
  util::Clock::time_point now{};
  std::chrono::seconds leeway{60};
  std::string issuer;    // must equal iss
  std::string audience;  // must be aud, or one of its entries
};

struct JwtVerdict {
  bool valid = false;
  std::string reason;
  bool unknown_kid = false;  // the set has no key with the token's kid: fetching it again may help
  std::string kid, alg, subject;
  std::optional<std::int64_t> exp;
};

// Checks the signature (alg RS256, ES256 or EdDSA only; "none" and HMAC algorithms are refused),
// then exp (required) and nbf with the leeway, iss and aud. The reason names the first failure.
JwtVerdict verify_jwt(std::string_view token, const Jwks& jwks, const JwtExpectations& expected);

}  // namespace hookauth::auth
