#include "session/bearer_signer.hpp"

#include <optional>

#include "session/token_source.hpp"

namespace hookauth::session {

namespace {

class BearerSigner final : public Signer {
 public:
  BearerSigner(Authorization& authorization, const SignerOptions& options, const SignerDeps& deps)
      : redactor_(authorization.redactor),
        batch_(options.batch),
        deps_(deps),
        credentials_(authorization.credentials),
        transport_(deps.make_transport()),
        tokens_(oauth(), *authorization.state, *transport_, token_options(authorization, options, deps)) {}

  Result<net::Signer> message(const std::string&) override {
    auto m = std::make_shared<Message>();
    return net::Signer{[this, m](auth::Request& r) { return sign(r, *m); },
                       [this, m](const net::Response&) { return on_challenge(*m); }};
  }
  bool carries_credentials() const override { return true; }

 private:
  struct Message {
    int signed_with = 0;  // the generation of the token its last attempt carried
    bool refreshed_here = false;
  };

  static TokenSourceOptions token_options(const Authorization& a, const SignerOptions& options,
                                          const SignerDeps& deps) {
    TokenSourceOptions t;
    t.profile = a.name;
    t.now = deps.token_now;
    t.transport = options.token_transport;
    t.cache_only = options.dry_run || options.cached_token_only;
    t.allow_insecure_http = options.allow_insecure_http;
    t.note = deps.trace.line;
    return t;
  }

  const auth::OAuth2Credentials& oauth() const { return std::get<auth::OAuth2Credentials>(credentials_); }

  void use(const TokenResult& t) {
    token_ = t.token.access_token;
    expires_ = t.token.expires_at;
    ++generation_;
    redactor_.add_secret(t.token.access_token);
  }

  Result<void> sign(auth::Request& r, Message& m) {
    bool expiring = expires_ && *expires_ - std::chrono::seconds(oauth().refresh_margin) <= deps_.token_now();
    if (token_.empty() || expiring) {
      auto t = tokens_.get(false);
      if (!t) return std::unexpected(t.error());
      if (t->token.access_token != token_) use(*t);
    }
    m.signed_with = generation_;
    auth::SignContext context;
    context.bearer_token = token_;
    return auth::sign(credentials_, r, context);
  }

  Result<bool> on_challenge(Message& m) {
    if (m.signed_with != generation_) return true;  // another message refreshed meanwhile
    if (m.refreshed_here) return false;
    auto now = deps_.monotonic();
    if (batch_ && last_forced_refresh_ && now - *last_forced_refresh_ < forced_refresh_interval) return false;
    m.refreshed_here = true;
    last_forced_refresh_ = now;
    auto t = tokens_.replace(token_);
    if (!t) return std::unexpected(t.error());
    use(*t);
    return true;
  }

  auth::Redactor& redactor_;
  bool batch_;
  SignerDeps deps_;
  auth::Credentials credentials_;
  std::unique_ptr<net::Transport> transport_;
  TokenSource tokens_;
  std::string token_;
  std::optional<util::Clock::time_point> expires_;
  int generation_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_forced_refresh_;
};

}  // namespace

std::unique_ptr<Signer> make_bearer_signer(Authorization& authorization, const SignerOptions& options,
                                           const SignerDeps& deps) {
  return std::make_unique<BearerSigner>(authorization, options, deps);
}

}  // namespace hookauth::session
