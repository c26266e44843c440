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
// Compares in time that depends on neither content nor where they differ (both are hashed first,
// so lengths leak nothing either).
bool constant_time_equal(std::string_view a, std::string_view b);
// n bytes from OpenSSL's CSPRNG; an error when it has no entropy.
Result<std::string> random_bytes(std::size_t n);

}  // namespace hookauth::auth::crypto
