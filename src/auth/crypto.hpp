#pragma once
// The only place that includes OpenSSL: encodings, digests, constant-time comparison and the
// system's random bytes (which callers read once and pass to the signing code).

#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace hookauth::auth::crypto {

std::string base64_encode(std::string_view bytes);
// Standard base64 with padding; whitespace is not accepted. Errors say "not valid base64".
Result<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
std::string sha256(std::string_view data);  // raw 32 bytes

enum class Hash { md5, sha256, sha512_256 };
// The hash of data, as lowercase hex.
std::string hash_hex(Hash hash, std::string_view data);
// HMAC-SHA256(key, data), raw 32 bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);
// HMAC-SHA512(key, data), raw 64 bytes.
std::string hmac_sha512(std::string_view key, std::string_view data);

// Ed25519 (RFC 8032): the 64-byte signature of data by the 32-byte private seed; the public key
// of a seed; and the check of a signature (false for a wrong key size too).
Result<std::string> ed25519_sign(std::string_view seed, std::string_view data);
Result<std::string> ed25519_public_key(std::string_view seed);
bool ed25519_verify(std::string_view public_key, std::string_view data, std::string_view signature);

// JWS signature checks (RFC 7518 3.3, 3.4; RFC 8037) from a JWK's raw parts. RS256: modulus n and
// exponent e, big-endian bytes. ES256: the P-256 point (x, y) and the 64-byte r||s signature.
// Errors are for a key OpenSSL cannot build; a signature that does not match is false.
Result<bool> rs256_verify(std::string_view n, std::string_view e, std::string_view data, std::string_view signature);
Result<bool> es256_verify(std::string_view x, std::string_view y, std::string_view data, std::string_view signature);
// Compares in time that depends on neither content nor where they differ (both are hashed first,
// so lengths leak nothing either).
bool constant_time_equal(std::string_view a, std::string_view b);
// n bytes from OpenSSL's CSPRNG; an error when it has no entropy.
Result<std::string> random_bytes(std::size_t n);

// OpenSSL's version for --version: the library loaded at run time ("3.0.19", and its full text
// "OpenSSL 3.0.19 27 Jan 2026"), and the headers hookauth was compiled against (a libssl3 upgrade
// alone changes the first, not the second).
struct OpenSslVersion {
  std::string runtime;
  std::string runtime_text;
  std::string built;
};
OpenSslVersion openssl_version();

}  // namespace hookauth::auth::crypto
