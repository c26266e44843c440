// Webhook payload signatures (auth/payload_signature.hpp): verify_payload of a fuzzed request's
// headers and body for Standard Webhooks v1 and v1a, GitHub, Stripe and the generic HMAC form,
// with and without a timestamp tolerance and a replay book. Fixed clock.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "auth/payload_signature.hpp"
#include "fuzz_common.hpp"
#include "fuzz_request_input.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auth::Request request = fuzz::request_from(data, size);
  static const auto configs = fuzz::signature_configs();
  for (const auto& c : configs) {
    auth::ReplayBook replays;
    auth::SignatureSteps steps;
    auth::PayloadCheck strict{fuzz::now, std::chrono::seconds(300), &replays, &steps};
    (void)auth::verify_payload(c, request, strict);
    (void)auth::verify_payload(c, request, strict);  // the same message id again
    auth::PayloadCheck lax{fuzz::now, std::nullopt, nullptr, nullptr};
    (void)auth::verify_payload(c, request, lax);
  }
  return 0;
}
