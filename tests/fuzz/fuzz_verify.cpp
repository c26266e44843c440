// auth::verify (auth/credentials.hpp) of a fuzzed request against credentials of every type:
// Basic, API key (header and query), Digest (several algorithms and qops, with a nonce book and
// without), AWS SigV4 (header and presigned), an OAuth 2.0 bearer token, and none. Fixed clock.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "auth/credentials.hpp"
#include "fuzz_common.hpp"
#include "fuzz_request_input.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auth::Request request = fuzz::request_from(data, size);
  static const auth::Credentials credentials[] = {
      auth::NoAuth{},
      fuzz::basic(),
      fuzz::api_key_header(),
      fuzz::api_key_query(),
      fuzz::digest({}, "", false),
      fuzz::digest({"SHA-256", "MD5"}, "auth,auth-int", false),
      fuzz::digest({"SHA-512-256-sess", "MD5-sess"}, "auth-int", true),
      fuzz::digest({"MD5"}, "none", false),
      fuzz::aws("iam"),
      fuzz::aws("s3", "session-token-example"),
      fuzz::oauth2(),
  };
  auth::BearerCheck expected{fuzz::bearer_token, {}};
  auth::BearerCheck checked{"", [](const std::string& token) {
                              return auth::BearerAnswer{token.size() % 2 == 0, "odd length"};
                            }};
  for (const auto& c : credentials) {
    auth::DigestNonceBook book(fuzz::digest_key, std::chrono::seconds(300));
    auth::VerifyContext with_book{fuzz::now, &book, std::chrono::seconds(300), nullptr, &expected};
    (void)auth::verify(c, request, with_book);
    (void)auth::verify(c, request, with_book);  // a replay of the same (nonce, nc)
    auth::VerifyContext offline{fuzz::now, nullptr, std::chrono::seconds(300), nullptr, &checked};
    (void)auth::verify(c, request, offline);
  }
  return 0;
}
