#pragma once
// Webhook payload signatures, signed and checked over the exact body bytes: Standard Webhooks 1.0
// (v1 HMAC-SHA256 and v1a Ed25519), GitHub's X-Hub-Signature-256, Stripe's Stripe-Signature, and a
// generic HMAC form for partners with their own. They stack on any authorization type.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/expiring_set.hpp"
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

// How many message ids a ReplayBook holds at most by default (84 bytes each, 8.4 MB when full).
inline constexpr std::size_t default_replay_capacity = 100'000;
// How long an id is kept when there is no tolerance (any timestamp is accepted): a replay within a
// day is refused.
inline constexpr std::chrono::hours replay_window_without_tolerance{24};

// A receiver's memory of message ids, so a message replayed while it would still be accepted is
// refused. Thread-safe. Each id is kept until the expiry it was first presented with (verify_payload
// gives the later of receipt and the message's timestamp, plus the tolerance; without a tolerance,
// receipt plus replay_window_without_tolerance), then forgotten, so the book holds only the ids of
// messages that could still be accepted.
class ReplayBook {
 public:
  explicit ReplayBook(std::size_t capacity = default_replay_capacity) : seen_(capacity) {}
  // Records id, refused again through until; ids whose expiry is before now are dropped first. full
  // when the book holds its capacity of unexpired ids: the id is not recorded, and the caller must
  // refuse the message (evicting a live id would let its replay through).
  Admission admit(const std::string& id, util::Clock::time_point now, util::Clock::time_point until);
  // The ids held now (expired ones included until the next admit drops them), and the most it holds.
  std::size_t size() const;
  std::size_t capacity() const { return seen_.capacity(); }

 private:
  mutable std::mutex mutex_;
  ExpiringSet seen_;
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
