// JWT bearer tokens (auth/jwt.hpp): parse_jwks of a fuzzed key set, then verify_jwt of a fuzzed
// token against it. Input: the JWKS JSON, "\\\n", the token (FuzzedDataProvider's string split).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "auth/jwt.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::string jwks_text = in.ConsumeRandomLengthString(8192);
  std::string token = in.ConsumeRemainingBytesAsString();
  auto jwks = auth::parse_jwks(jwks_text);
  auth::Jwks keys = jwks ? *jwks : auth::Jwks{};
  // tests/data/jwt/tokens.json: now, issuer and audience of the fixed tokens.
  auth::JwtExpectations expected{util::Clock::time_point{std::chrono::seconds(1714564800)}, std::chrono::seconds(60),
                                 "https://login.partner.example", "hookauth-receiver"};
  (void)auth::verify_jwt(token, keys, expected);
  auth::JwtExpectations lax{util::Clock::time_point{std::chrono::seconds(1714564800)}, std::chrono::seconds(0), "", ""};
  (void)auth::verify_jwt(token, keys, lax);
  return 0;
}
