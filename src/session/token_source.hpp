#pragma once
// OAuth 2.0 tokens for the commands: the cache in the state file, refresh, a new token, and the
// authorization code login (a one-callback listener, or a pasted URL).

#include <functional>
#include <string>

#include "auth/oauth2.hpp"
#include "auth/redactor.hpp"
#include "net/transport.hpp"
#include "store/state_file.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::session {

struct LoginOptions {
  bool open_browser = false;  // --open: hand the URL to xdg-open
  bool no_listen = false;     // --no-listen: read the redirected URL from stdin
  int timeout_seconds = 120;  // --login-timeout
};

struct TokenSourceOptions {
  std::string profile;
  // The real clock, never --at: a token's expiry counts from when it really arrived, and the cache
  // outlives the command.
  std::function<util::Clock::time_point()> now;
  net::TransportOptions transport;  // timeouts, TLS, and the -v trace of token requests
  LoginOptions login;
  bool allow_login = false;          // may start a login when an authorization-code profile has no usable token
  bool cache_only = false;           // --dry-run: the cached token or an error, never a request
  bool allow_insecure_http = false;  // client secrets and codes over plain http outside loopback
  std::function<void(const std::string&)> note;  // what is being done, for stderr
};

// Where a token came from, for --json and -v.
enum class TokenOrigin { cache, refreshed, fetched, login };

struct TokenResult {
  auth::OAuth2Token token;
  TokenOrigin origin = TokenOrigin::cache;
};

class TokenSource {
 public:
  TokenSource(auth::OAuth2Credentials credentials, store::StateFile state, net::Transport& transport,
              TokenSourceOptions options);

  // A usable token: the cached one while it is fresh; else a refresh, a new client-credentials
  // token or (when allowed) a login. force skips the cached one unless another process replaced it
  // meanwhile. Token requests for one authorization are serialised across processes by a lock.
  Result<TokenResult> get(bool force);
  // A token other than refused (one the receiver has just refused): a fresh cached one that
  // another process saved meanwhile, else a refresh or a new token.
  Result<TokenResult> replace(const std::string& refused);
  // The authorization code flow, whatever is cached; the new token is cached.
  Result<TokenResult> login();

 private:
  // A token for the grant. Errors never hold a secret the source knows; refused is set when the
  // server refused the grant (RFC 6749 5.2) rather than failed to answer.
  Result<auth::OAuth2Token> request_token(const auth::TokenGrant& grant, bool* refused);
  Result<TokenResult> obtain(bool force, const std::string* refused);
  Result<TokenResult> login_locked();
  Result<void> save(const auth::OAuth2Token& token);

  auth::OAuth2Credentials credentials_;
  store::StateFile state_;
  net::Transport& transport_;
  TokenSourceOptions options_;
  std::string fingerprint_;
  auth::Redactor redactor_;  // the client secret, and every token this source has seen
};

// What a cached token was obtained for: client, grant, URLs and scope (not the secret).
std::string token_fingerprint(const auth::OAuth2Credentials& credentials);

}  // namespace hookauth::session
