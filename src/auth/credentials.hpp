#pragma once
// The credentials of each authorization type, resolved (secrets are plain values here), and the
// two operations every type has: sign a request, and verify a received one.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "auth/expiring_set.hpp"
#include "auth/http_message.hpp"
#include "auth/oauth2.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::auth {

struct NoAuth {};

struct BasicCredentials {
  std::string username;
  std::string password;
};

enum class KeyLocation { header, query };

struct ApiKeyCredentials {
  std::string name;  // header or query parameter name
  std::string value;
  KeyLocation in = KeyLocation::header;
};

// Digest (RFC 7616). The optional fields are values shared in advance: with realm and nonce the
// first request carries an answer without waiting for a challenge.
struct DigestCredentials {
  std::string username;
  std::string password;
  std::string realm;
  std::string nonce;
  std::string opaque;
  std::string cnonce;                   // fixed client nonce (reproducible output); empty: random
  std::vector<std::string> algorithms;  // sending uses the first; a receiver offers them all
  std::string qop;                      // "", "auth", "auth-int" or "none"; a receiver may list several
  std::uint32_t nc = 0;                 // first nonce count for a shared nonce (0: 1)
  bool userhash = false;
};

// AWS Signature Version 4.
struct AwsCredentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // sent as X-Amz-Security-Token and signed, when not empty
  std::string region;
  std::string service;
  bool unsigned_payload = false;          // UNSIGNED-PAYLOAD instead of the body's SHA-256
  bool content_sha256 = false;            // also send x-amz-content-sha256 (S3 needs it)
  std::vector<std::string> sign_headers;  // more headers to sign, lowercase
};

using Credentials =
    std::variant<NoAuth, BasicCredentials, ApiKeyCredentials, DigestCredentials, AwsCredentials, OAuth2Credentials>;

struct DigestChallenge;
struct DigestAnswer;
class SigV4KeyCache;
struct SigV4Steps;

// What signing may depend on besides the credentials: passed in, never read inside.
struct SignContext {
  util::Clock::time_point now{};
  // Digest: the challenge to answer (shared in advance, remembered, or just received), the
  // client nonce and the nonce count to use; the answer's steps are written to digest_answer.
  const DigestChallenge* digest_challenge = nullptr;
  std::string cnonce;
  std::uint32_t nc = 1;
  DigestAnswer* digest_answer = nullptr;
  // SigV4: derived keys to reuse, and where to write each stage (both optional).
  SigV4KeyCache* sigv4_keys = nullptr;
  SigV4Steps* sigv4_steps = nullptr;
  // SigV4: when above 0, presign (the signature in the query string) for this many seconds.
  std::int64_t sigv4_presign_expires = 0;
  // OAuth 2.0: the access token to send (the caller gets it from the cache or the token endpoint).
  std::string bearer_token;
};

// How a receiver checks a bearer token: against the one expected token (in constant time), or
// with a check the caller supplies (RFC 7662 introspection, a JWT against a key set), which may
// use the network and cache.
struct BearerAnswer {
  bool valid = false;
  std::string reason;
};
struct BearerCheck {
  std::string expected;
  std::function<BearerAnswer(const std::string& token)> check;
};

// How many (nonce, nc) pairs a DigestNonceBook holds at most by default (84 bytes each, 8.4 MB when full).
inline constexpr std::size_t default_digest_nonce_capacity = 100'000;

// A receiver's Digest state: the key its nonces are made with, how long they live, and the
// (nonce, nc) pairs already seen, each until its nonce expires. Thread-safe; kept in memory by
// `verify serve`.
class DigestNonceBook {
 public:
  DigestNonceBook(std::string key, std::chrono::seconds lifetime, std::size_t capacity = default_digest_nonce_capacity)
      : key_(std::move(key)), lifetime_(lifetime), seen_(capacity) {}
  const std::string& key() const { return key_; }
  std::chrono::seconds lifetime() const { return lifetime_; }
  // Records a (nonce, nc) pair presented at now, held through until: the end of the last second in
  // which the nonce can be accepted, so the pair is refused as a replay for as long as it could pass.
  // Pairs whose nonce has expired are dropped first. full when the book holds its capacity of
  // unexpired pairs: the pair is not recorded, and the caller must refuse it.
  Admission admit(const std::string& nonce, std::uint32_t nc, util::Clock::time_point now,
                  util::Clock::time_point until);
  // The pairs held now (expired ones included until the next admit drops them), and the most it holds.
  std::size_t size() const;
  std::size_t capacity() const { return seen_.capacity(); }
  // A number no other challenge of this receiver has had, so no two clients share a nonce.
  std::uint64_t next_serial() { return serial_.fetch_add(1) + 1; }

 private:
  std::string key_;
  std::chrono::seconds lifetime_;
  mutable std::mutex mutex_;
  ExpiringSet seen_;
  std::atomic<std::uint64_t> serial_{0};
};

// What verifying may depend on: the time, and for Digest the receiver's nonce book (none when
// checking a captured request offline: nonce freshness and replay are then not checked).
struct VerifyContext {
  util::Clock::time_point now{};
  DigestNonceBook* digest_nonces = nullptr;
  // SigV4: how far X-Amz-Date may be from now; where the verifier's own stages go.
  std::chrono::seconds max_skew{300};
  SigV4Steps* sigv4_steps = nullptr;
  // OAuth 2.0: how bearer tokens are checked (none: every token is refused, saying why).
  const BearerCheck* bearer = nullptr;
};

struct Verdict {
  bool valid = false;
  std::string reason;                   // why not, for the operator; never contains a secret
  std::vector<std::string> challenges;  // WWW-Authenticate values to send with a 401
};

std::string_view type_name(const Credentials& credentials);

// Adds the credentials to the request. Errors are usage errors (for example a Basic user-id with
// a colon, which RFC 7617 section 2 forbids).
Result<void> sign(const Credentials& credentials, Request& request, const SignContext& context);

// Checks that a received request carries these credentials, in constant time.
Verdict verify(const Credentials& credentials, const Request& request, const VerifyContext& context = {});

}  // namespace hookauth::auth
