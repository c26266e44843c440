#pragma once
// OAuth 2.0 (RFC 6749) as pure functions: the token requests of each grant, PKCE (RFC 7636), the
// authorization URL and its callback, token and introspection (RFC 7662) answers, and the bearer
// header (RFC 6750) on both sides. The network, the clock, the random bytes and the token cache
// are the caller's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/http_message.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::auth {

enum class OAuth2Grant { client_credentials, authorization_code };

// The longest token lifetime taken from an answer or --validity (100 years).
inline constexpr std::int64_t max_lifetime_seconds = 100LL * 365 * 24 * 3600;

struct OAuth2Credentials {
  OAuth2Grant grant = OAuth2Grant::client_credentials;
  std::string client_id;
  std::string client_secret;  // empty: a public client (authorization code with PKCE)
  std::string token_url;
  std::string auth_url;                  // authorization code
  std::string redirect_uri;              // authorization code: a loopback http URL
  std::string scope;                     // space-separated; empty: none asked
  std::optional<std::int64_t> validity;  // seconds, when the answer has no expires_in
  std::string refresh_url;               // empty: the token URL
  bool token_method_get = false;         // GET instead of POST
  bool token_params_in_url = false;      // parameters in the query string instead of the body
  std::vector<Header> token_headers;     // more headers on every token request
  bool client_auth_basic = false;        // HTTP Basic (RFC 6749 2.3.1) instead of body parameters
  std::int64_t refresh_margin = 30;      // seconds before expiry that a token counts as expired
  std::string issuer;                    // expected `iss` of the callback (RFC 9207); empty: not checked
};

// A token as the cache keeps it.
struct OAuth2Token {
  std::string access_token;
  std::string token_type = "Bearer";
  std::optional<util::Clock::time_point> expires_at;  // none: does not expire
  std::string scope;
  std::string refresh_token;
};

// The grants hookauth sends to the token endpoint.
struct ClientCredentialsGrant {};
struct AuthorizationCodeGrant {
  std::string code;
  std::string code_verifier;
};
struct RefreshGrant {
  std::string refresh_token;
};
using TokenGrant = std::variant<ClientCredentialsGrant, AuthorizationCodeGrant, RefreshGrant>;

// RFC 6749 4.4.2, 4.1.3 and 6: the token request for a grant, with the client authenticated as the
// credentials say (2.3.1), at the token URL (the refresh URL for a refresh), with the extra headers.
Request token_request(const OAuth2Credentials& credentials, const TokenGrant& grant);

class Redactor;

// RFC 6749 5.1 and 5.2. A 200 with a JSON object holding access_token is a token (expires_in, else
// the validity, sets expires_at from now; a missing refresh_token is empty). Anything else is an
// error (ExitCode::auth_flow): the server's error and error_description when it sent them, else the
// status, content type and first bytes of what it sent. The token is never in the message, nor,
// given a redactor, any secret it knows (replaced before the text is cut short).
struct TokenAnswerError {
  std::string message;
  std::string error;  // RFC 6749 5.2 code when the server gave one ("invalid_grant", ...)
  // The server refused the grant: an error code in an answer that is not a 5xx, 408 or 429. A
  // refused refresh token is spent; any other failure (an outage, a proxy's page) may pass.
  bool refused = false;
};
std::expected<OAuth2Token, TokenAnswerError> parse_token_answer(long status, std::string_view content_type,
                                                                std::string_view body, util::Clock::time_point now,
                                                                std::optional<std::int64_t> validity,
                                                                const Redactor* redactor = nullptr);

// What a token endpoint's refusal of the client (RFC 6749 5.2: invalid_client, or HTTP 401) says
// about how it wants the client authenticated: "--client-auth basic" when the client sent its
// secret in the body and the endpoint answers with a Basic challenge; "--client-auth body" when the
// client used Basic and the endpoint refused it without one (5.2 asks a server that was sent
// Basic for a Basic challenge). "" when nothing points either way.
std::string client_auth_hint(const OAuth2Credentials& c, long status, std::string_view error,
                             const std::vector<std::string>& www_authenticate);

// True while the token is usable at now: not expired, with the margin to spare.
bool token_is_fresh(const OAuth2Token& token, util::Clock::time_point now, std::int64_t margin_seconds);

// RFC 7636 4.1 and 4.2: the verifier is the base64url of 32 random bytes (43 characters), the
// challenge the base64url of its SHA-256 (S256).
struct Pkce {
  std::string verifier;
  std::string challenge;
};
Pkce make_pkce(std::string_view random_32_bytes);
std::string base64url(std::string_view bytes);
// Unpadded base64url (RFC 4648 section 5), as JOSE uses it; errors say it is not base64url.
Result<std::string> base64url_decode(std::string_view text);

// RFC 6749 4.1.1: the authorization URL with response_type=code, client_id, redirect_uri, scope,
// state and the PKCE challenge, added to any query the auth URL already has.
std::string authorization_url(const OAuth2Credentials& credentials, std::string_view state,
                              std::string_view code_challenge);

// RFC 6749 4.1.2: the callback's query. Errors (ExitCode::auth_flow): the server's error, a state
// that is not the one sent (compared in constant time), an iss that is not the expected issuer
// (RFC 9207), no code.
Result<std::string> code_from_callback(std::string_view raw_query, std::string_view expected_state,
                                       std::string_view expected_issuer);

// RFC 6750 2.1: Authorization: Bearer TOKEN.
Result<void> sign_bearer(const std::string& token, Request& request);
// The token of a received request's Authorization: Bearer header, or why there is none.
std::expected<std::string, std::string> bearer_of(const Request& request);

// RFC 7662 2.1: the introspection request for token, the client authenticated as for tokens.
Request introspection_request(const OAuth2Credentials& credentials, std::string_view introspect_url,
                              std::string_view token);
struct Introspection {
  bool active = false;
  std::optional<std::int64_t> exp;  // seconds since the epoch
  std::string scope;
  std::string client_id;
};
// RFC 7662 2.2; errors name what the endpoint answered (ExitCode::auth_flow).
Result<Introspection> parse_introspection(long status, std::string_view body);
// Whether an introspection answer lets the token in at now: active, and not past its exp.
struct BearerJudgement {
  bool valid = false;
  std::string reason;
};
BearerJudgement judge_introspection(const Introspection& answer, util::Clock::time_point now);

// application/x-www-form-urlencoded: every byte but RFC 3986's unreserved ones percent-encoded
// (a space as %20, which every form decoder reads).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace hookauth::auth
