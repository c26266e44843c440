#include "session/digest_signer.hpp"

#include "auth/crypto.hpp"

#include "util/strings.hpp"

namespace hookauth::session {

namespace {

struct DigestSignerState {
  auth::Credentials signing;  // the DigestCredentials, as auth::sign takes them
  store::StateFile state;
  SignerOptions options;
  SignerDeps deps;
  std::string key;
  std::optional<store::DigestSession> session;  // what the next attempt answers

  const auth::DigestCredentials& credentials() const { return std::get<auth::DigestCredentials>(signing); }

  // Picks the session for the next attempt: the one in hand (with its next count), a remembered
  // one, or the profile's shared nonce.
  Result<void> next_session() {
    if (session) {
      if (options.dry_run) {
        ++session->nc;
        return {};
      }
      auto nc = store::reserve_digest_count(state, key, session->challenge.nonce);
      if (!nc) return std::unexpected(nc.error());
      if (!*nc) {
        session.reset();  // counts exhausted: the receiver's next challenge starts a new nonce
        return {};
      }
      session->nc = **nc;
      return {};
    }
    auto remembered =
        options.dry_run ? store::peek_digest_session(state, key) : store::reserve_digest_session(state, key);
    if (!remembered) return std::unexpected(remembered.error());
    if (*remembered) {
      session = **remembered;
      return {};
    }
    if (auto shared = auth::preshared_challenge(credentials())) {
      std::uint32_t first = credentials().nc == 0 ? 1u : credentials().nc;
      session = store::DigestSession{*shared, first};
      if (options.dry_run) return {};
      if (auto ok = store::remember_digest_session(state, key, {*shared, first - 1}); !ok) return ok;
      auto nc = store::reserve_digest_count(state, key, shared->nonce);
      if (!nc) return std::unexpected(nc.error());
      if (!*nc) return fail(ExitCode::usage, "the shared nonce's counts are used up (nc ffffffff): share a new nonce");
      session->nc = **nc;
    }
    return {};
  }

  void trace_answer(const auth::DigestAnswer& a) {
    if (!deps.trace.line) return;
    const auto& c = session->challenge;
    auto line = [&](const std::string& s) { deps.trace.line("digest: " + s); };
    line(
        "algorithm=" + auth::digest_algorithm_name(c.algorithm) + " realm=" + auth::quote(c.realm) +
        " nonce=" + auth::quote(c.nonce) +
        (a.qop.empty() ? " (no qop: RFC 2069)" : " qop=" + a.qop + " nc=" + a.nc + " cnonce=" + auth::quote(a.cnonce)));
    if (options.reveal) {
      line("A1 = " + credentials().username + ":" + c.realm + ":" + credentials().password +
           (c.algorithm.sess ? " (then H(A1):nonce:cnonce)" : ""));
      line("HA1 = " + a.ha1);
    } else {
      line("A1 = " + a.a1_redacted);
      line("HA1 = [redacted] (password-equivalent; --reveal shows it)");
    }
    line("A2 = " + a.a2);
    line("HA2 = " + a.ha2);
    std::string kd = a.kd_input;
    if (!options.reveal && kd.starts_with(a.ha1)) kd = "HA1" + kd.substr(a.ha1.size());
    line("response = H(" + kd + ") = " + a.response);
  }

  Result<void> sign(auth::Request& request) {
    if (auto ok = next_session(); !ok) return ok;
    if (!session) return {};  // no challenge yet: the receiver's 401 brings one
    auth::SignContext context;
    context.digest_challenge = &session->challenge;
    context.nc = session->nc;
    if (credentials().cnonce.empty()) {
      auto cnonce = deps.random_bytes(16);
      if (!cnonce) return std::unexpected(cnonce.error());
      context.cnonce = auth::crypto::hex_encode(*cnonce);
    }
    auth::DigestAnswer answer;
    context.digest_answer = &answer;
    if (auto ok = auth::sign(signing, request, context); !ok) return ok;
    trace_answer(answer);
    return {};
  }

  // fresh_challenge_taken belongs to one message: whether it has answered a fresh challenge already.
  Result<bool> on_challenge(const net::Response& response, bool& fresh_challenge_taken) {
    std::vector<std::string> values;
    for (const auto& [k, v] : response.headers.items)
      if (util::iequals(k, "WWW-Authenticate")) values.push_back(v);
    auto challenge = auth::pick_digest_challenge(values, credentials().algorithms);
    if (!challenge) return std::unexpected(challenge.error());
    // A fresh challenge already answered and refused without stale=true: the password is wrong.
    if (fresh_challenge_taken && !challenge->stale) return false;
    // One this profile cannot answer is an error now, and is never remembered.
    auth::DigestSecrets probe{credentials().username, credentials().password,
                              credentials().qop == "none" ? "" : credentials().qop, credentials().userhash};
    if (auto ok = auth::answer_digest(probe, *challenge, {"GET", "/", ""}, "0", 1); !ok)
      return std::unexpected(ok.error());
    if (deps.trace.line)
      deps.trace.line(std::string("digest: ") + (challenge->stale ? "stale nonce, answering the new one"
                                                 : session
                                                     ? "the remembered nonce was refused, answering a fresh challenge"
                                                     : "answering the receiver's challenge"));
    fresh_challenge_taken = true;
    session = store::DigestSession{*challenge, 0};  // next_session() makes it 1
    if (!options.dry_run) {
      if (auto ok = store::remember_digest_session(state, key, *session); !ok) return std::unexpected(ok.error());
    }
    return true;
  }
};

class DigestSigner final : public Signer {
 public:
  explicit DigestSigner(std::shared_ptr<DigestSignerState> state) : state_(std::move(state)) {}

  Result<net::Signer> message(const std::string&) override {
    auto fresh_challenge_taken = std::make_shared<bool>(false);
    return net::Signer{[s = state_](auth::Request& r) { return s->sign(r); },
                       [s = state_, fresh_challenge_taken](const net::Response& r) {
                         return s->on_challenge(r, *fresh_challenge_taken);
                       }};
  }
  bool carries_credentials() const override { return true; }

 private:
  std::shared_ptr<DigestSignerState> state_;
};

}  // namespace

std::unique_ptr<Signer> make_digest_signer(const Authorization& authorization, const SignerOptions& options,
                                           const SignerDeps& deps) {
  auto state = std::make_shared<DigestSignerState>(
      DigestSignerState{authorization.credentials, *authorization.state, options, deps,
                        store::digest_session_key(authorization.name, options.origin), std::nullopt});
  return std::make_unique<DigestSigner>(std::move(state));
}

}  // namespace hookauth::session
