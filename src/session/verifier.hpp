#pragma once
// The receiver's side of an authorization: the type's check, then its payload signature's, with
// how bearer tokens are checked, and the intermediate values -v prints.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "auth/credentials.hpp"
#include "auth/payload_signature.hpp"
#include "auth/sigv4.hpp"
#include "net/transport.hpp"
#include "session/authorization.hpp"
#include "session/bearer_checker.hpp"
#include "util/time.hpp"

namespace hookauth::session {

struct VerifierOptions {
  BearerOptions bearer;
  std::optional<std::chrono::seconds> tolerance = std::chrono::seconds(300);  // nullopt: none
  bool tolerance_given = false;  // --tolerance was given: refused without a payload signature
  std::chrono::seconds max_skew{300};
};

struct VerifierDeps {
  std::function<util::Clock::time_point()> now;  // the time checked against (--at)
  net::TransportFactory make_transport;          // introspection and key set fetches
};

// One check's outcome, with what -v prints: the SigV4 stages and the payload signature's content,
// each empty when the request did not carry that signature.
struct Check {
  auth::Verdict verdict;
  bool type_valid = false;  // the type's own check passed (the payload signature may still fail)
  auth::SigV4Steps sigv4;
  auth::SignatureSteps signature;
};

class Verifier {
 public:
  // Usage errors for options that do not fit the authorization.
  static Result<Verifier> make(Authorization authorization, const VerifierOptions& options, VerifierDeps deps);

  // Thread-safe. Without books (a captured request) freshness and replays are not checked.
  Check check(const auth::Request& request, util::Clock::time_point now, auth::DigestNonceBook* nonces,
              auth::ReplayBook* replays) const;

  const Authorization& authorization() const { return authorization_; }
  const auth::Redactor& redactor() const { return authorization_.redactor; }

 private:
  Authorization authorization_;
  VerifierOptions options_;
  std::shared_ptr<BearerChecker> bearer_;
};

}  // namespace hookauth::session
