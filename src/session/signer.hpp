#pragma once
// The signers: one object per authorization scheme that puts its credentials on each request of a
// send (or of every line of a batch), answers the receiver's challenges, and says what it adds.
// Everything it needs from the world (the clock, random bytes, the token transport, the state file)
// comes in, so the whole policy runs in unit tests against a fake transport.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/payload_signature.hpp"
#include "auth/sigv4.hpp"
#include "net/sender.hpp"
#include "net/transport.hpp"
#include "session/authorization.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::session {

// What -v shows while signing; each callback may be empty.
struct SignerTrace {
  std::function<void(const std::string&)> line;  // Digest's intermediate values, token notes
  std::function<void(const auth::SigV4Steps&)> sigv4;
  std::function<void(const auth::SignatureCredentials&, const auth::SignatureSteps&)> signature;
};

struct SignerDeps {
  std::function<util::Clock::time_point()> now;  // the time signed with (--at)
  // The real clock, never --at: a token's expiry counts from when it really arrived.
  std::function<util::Clock::time_point()> token_now = [] { return util::Clock::now(); };
  // A monotonic clock for the forced-refresh limit.
  std::function<std::chrono::steady_clock::time_point()> monotonic = [] { return std::chrono::steady_clock::now(); };
  std::function<Result<std::string>(std::size_t)> random_bytes;  // client nonces, message ids
  net::TransportFactory make_transport;                          // oauth2's token requests
  SignerTrace trace;
};

struct SignerOptions {
  std::string origin;              // scheme://host:port: Digest sessions are kept per origin
  bool dry_run = false;            // read the state file, never write it; a cached token or an error
  bool cached_token_only = false;  // --curl: a cached token or an error, never a token request
  bool reveal = false;             // -v shows password-equivalent values
  bool presign = false;            // aws-sigv4: the signature in the query string
  std::int64_t expires = 3600;
  bool batch = false;  // many messages: a forced token refresh at most every forced_refresh_interval
  bool allow_insecure_http = false;
  net::TransportOptions token_transport;  // timeout and -v trace of token requests
};

// One OAuth 2.0 token refresh forced by a 401 at most this often in a batch.
inline constexpr std::chrono::seconds forced_refresh_interval{10};

class Signer {
 public:
  virtual ~Signer() = default;
  // The signer of one message, with its own challenge state; message_id is its payload signature's
  // id (empty: a fresh random one). Every attempt to send the message uses it.
  virtual Result<net::Signer> message(const std::string& message_id = {}) = 0;
  // The query parameters sign() adds: a redirect's Location that copies them loses them.
  virtual std::vector<std::string> query_params() const { return {}; }
  // Whether sign() adds anything secret.
  virtual bool carries_credentials() const = 0;
};

// The signer for the authorization (which must outlive it: the bearer signer teaches its redactor
// every token it uses). A usage error for an option the scheme cannot do (--presign without
// aws-sigv4).
Result<std::unique_ptr<Signer>> make_signer(Authorization& authorization, const SignerOptions& options,
                                            SignerDeps deps);

// A fresh payload-signature message id: "msg_" and 18 random bytes, base64url.
Result<std::string> new_message_id(const SignerDeps& deps);

}  // namespace hookauth::session
