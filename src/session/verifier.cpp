#include "session/verifier.hpp"

namespace hookauth::session {

Result<Verifier> Verifier::make(Authorization authorization, const VerifierOptions& options, VerifierDeps deps) {
  Verifier v;
  auto bearer = BearerChecker::make(authorization.credentials, options.bearer, deps.now, deps.make_transport);
  if (!bearer) return std::unexpected(bearer.error());
  if (options.tolerance_given && !authorization.signature)
    return usage_error("--tolerance: the authorization has no payload signature");
  v.bearer_ = std::move(*bearer);
  v.authorization_ = std::move(authorization);
  v.options_ = options;
  return v;
}

Check Verifier::check(const auth::Request& request, util::Clock::time_point now, auth::DigestNonceBook* nonces,
                      auth::ReplayBook* replays) const {
  Check out;
  auth::VerifyContext context;
  context.now = now;
  context.digest_nonces = nonces;
  context.max_skew = options_.max_skew;
  if (bearer_) context.bearer = &bearer_->check();
  context.sigv4_steps = &out.sigv4;
  out.verdict = auth::verify(authorization_.credentials, request, context);
  out.type_valid = out.verdict.valid;
  if (out.verdict.valid && authorization_.signature) {
    auth::PayloadCheck check{now, options_.tolerance, replays, &out.signature};
    auto pv = auth::verify_payload(*authorization_.signature, request, check);
    if (!pv.valid) out.verdict = {false, "payload signature: " + pv.reason, {}};
  }
  out.verdict.reason = authorization_.redactor.text(out.verdict.reason);
  return out;
}

}  // namespace hookauth::session
