#pragma once
// HTTP Digest access authentication, RFC 7616 (and RFC 2617 / RFC 2069 when no qop is offered),
// both sides: answering a challenge, and issuing and checking challenges. The hash is a
// parameter (MD5, SHA-256, SHA-512/256, each with its -sess variant), as in curl's
// lib/vauth/digest.c; nonces, cnonces and the clock come in as arguments.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/challenge.hpp"
#include "auth/credentials.hpp"
#include "auth/crypto.hpp"
#include "util/result.hpp"

namespace hookauth::auth {

struct DigestAlgorithm {
  crypto::Hash hash = crypto::Hash::md5;
  bool sess = false;

  bool operator==(const DigestAlgorithm&) const = default;
};

// "MD5", "SHA-256-sess", ... (case-insensitive); nullopt for anything else.
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view name);
std::string digest_algorithm_name(DigestAlgorithm algorithm);

// A Digest challenge (RFC 7616 section 3.3) as the sender reads it.
struct DigestChallenge {
  std::string realm;
  std::string nonce;
  std::string opaque;
  bool has_opaque = false;
  DigestAlgorithm algorithm;      // MD5 when the challenge names none
  std::vector<std::string> qops;  // empty: RFC 2069, no qop
  bool stale = false;
  bool userhash = false;
  bool charset_utf8 = false;
};

// Reads one Digest challenge; errors name the missing or bad parameter (exit 4 when sending).
Result<DigestChallenge> read_digest_challenge(const AuthChallenge& challenge);

// Among every challenge of every WWW-Authenticate header, the Digest one with the strongest
// hash (SHA-512/256, then SHA-256, then MD5); challenges with an unknown algorithm are skipped.
// An error when there is no usable Digest challenge.
// With allowed (algorithm names) not empty, only those algorithms are considered.
Result<DigestChallenge> pick_digest_challenge(const std::vector<std::string>& header_values,
                                              const std::vector<std::string>& allowed = {});

// Everything that goes into one response, and each intermediate value (RFC 7616 section 3.4.1),
// so -v can show a partner each step.
struct DigestAnswer {
  std::string username;  // as sent: the name, or H(name:realm) with userhash
  std::string qop;       // "", "auth" or "auth-int"
  std::string nc;        // 8 hex digits, empty without qop
  std::string cnonce;
  std::string a1_redacted;  // "user:realm:[redacted]" (with the -sess suffix when it applies)
  std::string ha1, a2, ha2;
  std::string kd_input;  // the string hashed into response, HA1 at its head
  std::string response;
  std::string authorization;  // the whole header value
};

struct DigestRequest {
  std::string method;
  std::string uri;   // the request target exactly as sent
  std::string body;  // hashed for auth-int
};

struct DigestSecrets {
  std::string username;
  std::string password;
  std::string qop;  // the profile's wish: "" (auth when offered), "auth", "auth-int", or a list in order of preference
  bool userhash = false;
};

// Answers challenge for request with this cnonce and nonce count. Errors (exit 4): the profile
// wants auth-int and the challenge does not offer it, or a qop none of which is known.
Result<DigestAnswer> answer_digest(const DigestSecrets& secrets, const DigestChallenge& challenge,
                                   const DigestRequest& request, std::string_view cnonce, std::uint32_t nc);

// Nonce count as sent: 8 lowercase hex digits.
std::string format_nc(std::uint32_t nc);

// The challenge a profile shares in advance (realm and nonce set), or nullopt.
std::optional<DigestChallenge> preshared_challenge(const DigestCredentials& credentials);

// Answers context.digest_challenge, when there is one, into request's Authorization header; with
// none the request goes unsigned and waits for the receiver's challenge.
Result<void> sign_digest(const DigestCredentials& credentials, Request& request, const SignContext& context);

// The receiver's side (RFC 7616 section 3.3 and 3.4): checks every part of a Digest Authorization
// against the profile and says which one does not match. With a nonce book the nonce must be one
// this receiver issued and still fresh (an expired one gets a stale=true challenge), and a
// (nonce, nc) pair is accepted once.
Verdict verify_digest(const DigestCredentials& credentials, const Request& request, const VerifyContext& context);

// A nonce that verify_digest can check without storing it: the issue time, a serial number that
// makes it unique, and an HMAC over both and the realm.
std::string make_digest_nonce(const std::string& key, util::Clock::time_point now, std::uint64_t serial,
                              std::string_view realm);

// The realm a receiver uses when the profile names none.
inline constexpr std::string_view default_digest_realm = "hookauth";

}  // namespace hookauth::auth
