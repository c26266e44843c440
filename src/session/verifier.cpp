#include "session/verifier.hpp"

namespace hookauth::session {

namespace {

// A request printed with its secrets redacted (webhook send --dry-run without --reveal) carries the
// redaction mark where they were; no check can pass on it, and its reason would name a symptom.
bool carries_redaction(const auth::Request& request) {
  if (request.url.find(auth::redacted) != std::string::npos) return true;
  for (const auto& [name, value] : request.headers.items)
    if (value.find(auth::redacted) != std::string::npos) return true;
  return false;
}

}  // namespace

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
  if (!out.verdict.valid && carries_redaction(request))
    out.verdict.reason = "the request holds '" + std::string(auth::redacted) +
                         "' where a secret was: it was printed with its secrets redacted (webhook send --dry-run "
                         "--reveal prints one that verifies)";
  out.verdict.reason = authorization_.redactor.text(out.verdict.reason);
  return out;
}

}  // namespace hookauth::session
