// The authorization code callback's query (auth/oauth2.hpp code_from_callback): error, state
// (constant time), RFC 9207 iss and code, with and without an expected issuer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/oauth2.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  (void)auth::code_from_callback(query, "af0ifjsldkj", "");
  (void)auth::code_from_callback(query, "af0ifjsldkj", "https://issuer.example");
  (void)auth::code_from_callback(query, "", "");
  return 0;
}
