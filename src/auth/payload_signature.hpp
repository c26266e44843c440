#pragma once
// Webhook payload signatures, signed and checked over the exact body bytes: Standard Webhooks 1.0
// (v1 HMAC-SHA256 and v1a Ed25519), GitHub's X-Hub-Signature-256, Stripe's Stripe-Signature, and a
// generic HMAC form for partners with their own. They stack on any authorization type.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auth/http_message.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::auth {

enum class SignatureScheme { standard_webhooks, github, stripe, hmac };

// The generic form: HEADER: PREFIX + encode(HMAC(secret, content)), where content is the template
// with {timestamp}, {id} and {body} replaced; the timestamp and id go in their own headers.
struct HmacForm {
  std::string header = "X-Signature";
  bool sha512 = false;
  bool base64 = false;  // else lowercase hex
  std::string prefix;
  std::string content = "{body}";
  std::string timestamp_header = "X-Webhook-Timestamp";
  std::string id_header = "X-Webhook-Id";
};

struct SignatureCredentials {
  SignatureScheme scheme = SignatureScheme::standard_webhooks;
  // Several for rotation: every one signs (Standard Webhooks, Stripe), any one verifies. Standard
  // Webhooks takes whsec_ (HMAC), whsk_ (Ed25519 private) and whpk_ (Ed25519 public, verify only).
  std::vector<std::string> secrets;
  HmacForm hmac;
};

// The scheme's name as the CLI spells it, and back.
std::string_view scheme_name(SignatureScheme scheme);
std::optional<SignatureScheme> parse_scheme(std::string_view name);

// What -v shows of a signature: the exact content signed and each header value made or checked.
struct SignatureSteps {
  std::string content;
  std::vector<std::string> signatures;
};

// Adds the scheme's headers for the request's body at now, with message id (Standard Webhooks and
// the generic form's {id}). Errors are usage errors naming the secret that cannot sign (never its
// value).
Result<void> sign_payload(const SignatureCredentials& credentials, Request& request, util::Clock::time_point now,
                          const std::string& id, SignatureSteps* steps = nullptr);

// A receiver's memory of message ids, so a message replayed while it would still be accepted is
// refused. Thread-safe. Each id is kept until the expiry it was first presented with (verify_payload
// gives the later of receipt and the message's timestamp, plus the tolerance), then forgotten, so the
// book holds only the ids of messages that could still be accepted.
class ReplayBook {
 public:
  // True the first time id is presented; it is then refused through until. Ids whose expiry is
  // before now are dropped first.
  bool first_use(const std::string& id, util::Clock::time_point now, util::Clock::time_point until);
  // The ids held now (expired ones included until the next first_use drops them).
  std::size_t size() const;

 private:
  using Expiry = std::pair<util::Clock::time_point, std::string>;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, util::Clock::time_point> seen_;
  // The same ids, soonest expiry first, so dropping the expired ones never scans the whole book.
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
};

struct PayloadCheck {
  util::Clock::time_point now{};
  std::optional<std::chrono::seconds> tolerance = std::chrono::seconds(300);  // none: any timestamp
  ReplayBook* replays = nullptr;                                              // none: replays not checked
  SignatureSteps* steps = nullptr;
};

// Checks the request's signature headers. valid is false with a reason that names the failure:
// a missing or malformed header, a timestamp outside the tolerance, a replayed id, or a signature
// that no secret makes (the body or the secret differs from the sender's).
struct PayloadVerdict {
  bool valid = false;
  std::string reason;
};
PayloadVerdict verify_payload(const SignatureCredentials& credentials, const Request& request,
                              const PayloadCheck& check);

// Checks that each secret suits its scheme (a whsec_ secret of 24 to 64 bytes, a whsk_/whpk_ key of
// the right size); errors name the secret by its position.
Result<void> check_secrets(const SignatureCredentials& credentials);

}  // namespace hookauth::auth
