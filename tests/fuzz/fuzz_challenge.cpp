// WWW-Authenticate / Authorization grammar (auth/challenge.hpp) and the Digest challenge reader
// (auth/digest.hpp) on one header value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/challenge.hpp"
#include "auth/digest.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  if (auto all = auth::parse_challenges(value)) {
    for (const auto& c : *all) {
      if (auto d = auth::read_digest_challenge(c)) (void)auth::digest_algorithm_name(d->algorithm);
      for (const auto& [name, v] : c.params) (void)auth::quote(v);
    }
  }
  (void)auth::parse_credentials(value);
  (void)auth::scheme_for_display(value);
  (void)auth::pick_digest_challenge({std::string(value)});
  (void)auth::pick_digest_challenge({std::string(value), "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256"},
                                    {"SHA-256", "MD5-sess"});
  return 0;
}
