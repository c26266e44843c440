// Token endpoint answers (RFC 6749 5.1/5.2) and introspection answers (RFC 7662 2.2) from
// auth/oauth2.hpp. Input: content type, then "\\\n", then the body.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "auth/oauth2.hpp"
#include "util/time.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::string content_type = in.ConsumeRandomLengthString(256);
  std::string body = in.ConsumeRemainingBytesAsString();
  const util::Clock::time_point now{std::chrono::seconds(1700000000)};
  for (long status : {200L, 400L, 401L, 500L}) {
    (void)auth::parse_token_answer(status, content_type, body, now, std::nullopt);
    (void)auth::parse_token_answer(status, content_type, body, now, auth::max_lifetime_seconds);
    if (auto t = auth::parse_token_answer(status, content_type, body, now, 3600))
      (void)auth::token_is_fresh(*t, now, 30);
  }
  for (long status : {200L, 401L}) {
    if (auto i = auth::parse_introspection(status, body)) (void)auth::judge_introspection(*i, now);
  }
  return 0;
}
