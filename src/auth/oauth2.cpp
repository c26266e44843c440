#include "auth/oauth2.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "auth/challenge.hpp"
#include "auth/crypto.hpp"
#include "auth/redactor.hpp"
#include "util/overloaded.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

std::string with_query(const std::string& url, const std::string& query) {
  if (query.empty()) return url;
  auto hash = url.find('#');
  std::string base = url.substr(0, hash);
  return base + (base.find('?') == std::string::npos ? "?" : "&") + query;
}

// RFC 6749 2.3.1: the client's credentials, in the Authorization header or in the parameters. A
// public client (no secret) names itself with client_id.
void authenticate_client(const OAuth2Credentials& c, Request& request, Params& params) {
  if (c.client_auth_basic && !c.client_secret.empty()) {
    request.headers.set("Authorization", "Basic " + crypto::base64_encode(util::percent_encode(c.client_id) + ":" +
                                                                          util::percent_encode(c.client_secret)));
    return;
  }
  params.emplace_back("client_id", c.client_id);
  if (!c.client_secret.empty()) params.emplace_back("client_secret", c.client_secret);
}

// The form request every OAuth endpoint takes: POST with a form body, or the parameters in the URL.
Request form_request(const OAuth2Credentials& c, const std::string& url, Params params, bool get, bool in_url) {
  Request r;
  r.method = get ? "GET" : "POST";
  authenticate_client(c, r, params);
  std::string form = form_encode(params);
  if (get || in_url) {
    r.url = with_query(url, form);
  } else {
    r.url = url;
    r.headers.set("Content-Type", "application/x-www-form-urlencoded");
    r.body = std::move(form);
  }
  r.headers.set("Accept", "application/json");
  return r;
}

// The known secrets of text replaced, before anything cuts it short (a cut would leave a prefix).
std::string redact(const Redactor* redactor, std::string_view text) {
  return redactor ? redactor->text(text) : std::string(text);
}

std::string first_bytes(std::string_view body, const Redactor* redactor = nullptr) {
  constexpr std::size_t limit = 80;
  // An answer that is not JSON may still carry a token (a form-encoded body sent as text/plain).
  if (body.find("access_token") != std::string_view::npos || body.find("refresh_token") != std::string_view::npos)
    return "(" + std::to_string(body.size()) + " bytes, withheld: they name a token)";
  std::string text = redact(redactor, body);
  std::string shown = util::printable(std::string_view(text).substr(0, limit));
  if (text.size() > limit) shown += "...";
  return shown;
}

std::string string_member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A JSON object from a JSON body; a form-encoded one (GitHub's default) is accepted too.
std::optional<nlohmann::json> answer_object(std::string_view content_type, std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) return j;
  if (util::starts_with_icase(util::trim(content_type), "application/x-www-form-urlencoded")) {
    nlohmann::json object = nlohmann::json::object();
    for (auto& [k, v] : parse_query(body)) object[k] = v;
    if (object.contains("access_token") || object.contains("error")) return object;
  }
  return std::nullopt;
}

std::string describe_error(long status, const nlohmann::json& j, const Redactor* redactor = nullptr) {
  std::string message =
      "HTTP " + std::to_string(status) + ": " + util::excerpt(redact(redactor, string_member(j, "error")));
  if (auto d = string_member(j, "error_description"); !d.empty())
    message += ": " + util::excerpt(redact(redactor, d), 160);
  return message;
}

// RFC 6749 5.2 answers 400 (401 for invalid_client); a 200 with an error (GitHub's) refuses too.
// Servers in trouble may put a code in a 5xx, 408 or 429: those are failures to pass, not verdicts.
bool is_refusal(long status) { return status < 500 && status != 408 && status != 429; }

// expires_in as a whole number of seconds: RFC 6749 says a number; some servers send a string.
std::optional<std::int64_t> seconds_of(const nlohmann::json& v) {
  // An unsigned number above INT64_MAX saturates instead of wrapping to a negative one.
  if (v.is_number_unsigned())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v.get<std::uint64_t>(), INT64_MAX));
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float() && std::isfinite(v.get<double>()) && std::abs(v.get<double>()) < 1e15)
    return static_cast<std::int64_t>(v.get<double>());
  // A string of digits, with a fraction or without ("3599", "3599.0"), as a number would be read.
  if (v.is_string()) {
    std::string_view s = v.get_ref<const std::string&>();
    auto dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
    auto digits = [](std::string_view t) { return t.find_first_not_of("0123456789") == std::string_view::npos; };
    if (whole.empty() || whole.size() > 15 || !digits(whole) || !digits(fraction) ||
        (dot != std::string_view::npos && fraction.empty()))
      return std::nullopt;
    return std::stoll(std::string(whole));
  }
  return std::nullopt;
}

}  // namespace

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += util::percent_encode(k) + "=" + util::percent_encode(v);
  }
  return out;
}

Request token_request(const OAuth2Credentials& c, const TokenGrant& grant) {
  Params params;
  std::string url = c.token_url;
  std::visit(util::Overloaded{[&](const ClientCredentialsGrant&) {
                                // RFC 6749 4.4.2
                                params.emplace_back("grant_type", "client_credentials");
                                if (!c.scope.empty()) params.emplace_back("scope", c.scope);
                              },
                              [&](const AuthorizationCodeGrant& g) {
                                // RFC 6749 4.1.3, RFC 7636 4.5
                                params.emplace_back("grant_type", "authorization_code");
                                params.emplace_back("code", g.code);
                                params.emplace_back("redirect_uri", c.redirect_uri);
                                params.emplace_back("code_verifier", g.code_verifier);
                              },
                              [&](const RefreshGrant& g) {
                                // RFC 6749 6: the scope is left out, meaning the one first granted.
                                params.emplace_back("grant_type", "refresh_token");
                                params.emplace_back("refresh_token", g.refresh_token);
                                if (!c.refresh_url.empty()) url = c.refresh_url;
                              }},
             grant);
  Request r = form_request(c, url, std::move(params), c.token_method_get, c.token_params_in_url);
  for (const auto& [name, value] : c.token_headers) r.headers.set(name, value);
  return r;
}

std::expected<OAuth2Token, TokenAnswerError> parse_token_answer(long status, std::string_view content_type,
                                                                std::string_view body, util::Clock::time_point now,
                                                                std::optional<std::int64_t> validity,
                                                                const Redactor* redactor) {
  auto object = answer_object(content_type, body);
  if (!object) {
    std::string type = content_type.empty() ? "no content type" : util::excerpt(redact(redactor, content_type));
    return std::unexpected(TokenAnswerError{
        "the token endpoint answered HTTP " + std::to_string(status) + " (" + type +
            "), not a JSON object: " + (body.empty() ? std::string("an empty body") : first_bytes(body, redactor)),
        ""});
  }
  const nlohmann::json& j = *object;
  if (j.contains("error") || status < 200 || status > 299) {
    std::string error = string_member(j, "error");
    if (error.empty())
      return std::unexpected(
          TokenAnswerError{"the token endpoint answered HTTP " + std::to_string(status) + " with no error code", ""});
    return std::unexpected(TokenAnswerError{"the token endpoint refused: " + describe_error(status, j, redactor), error,
                                            is_refusal(status)});
  }
  OAuth2Token token;
  token.access_token = string_member(j, "access_token");
  if (token.access_token.empty())
    return std::unexpected(TokenAnswerError{"the token endpoint's answer has no access_token", ""});
  // RFC 6749 7.1: a client must not use a token whose type it does not understand. hookauth sends
  // Bearer tokens (RFC 6750); the type's case does not matter (5.1). A missing or null one is taken
  // as Bearer, as Authlib and oauthlib take a missing one; they refuse other types too.
  if (auto it = j.find("token_type"); it != j.end() && !it->is_null()) {
    std::string type = it->is_string() ? it->get<std::string>() : it->dump();
    if (!util::iequals(type, "Bearer"))
      return std::unexpected(TokenAnswerError{
          "the token endpoint's token_type is '" + util::excerpt(type) + "', and hookauth sends only Bearer tokens",
          ""});
    token.token_type = type;
  }
  token.scope = string_member(j, "scope");
  token.refresh_token = string_member(j, "refresh_token");
  std::optional<std::int64_t> lifetime = validity;
  if (auto it = j.find("expires_in"); it != j.end() && !it->is_null()) {
    lifetime = seconds_of(*it);
    if (!lifetime) return std::unexpected(TokenAnswerError{"the token endpoint's expires_in is not a number", ""});
  }
  // Whole seconds, as the cache keeps them, so a cached token shows the same expiry; at most 100
  // years, so the clock's arithmetic cannot overflow.
  if (lifetime)
    token.expires_at = std::chrono::floor<std::chrono::seconds>(now) +
                       std::chrono::seconds(std::clamp<std::int64_t>(*lifetime, 0, max_lifetime_seconds));
  return token;
}

std::string client_auth_hint(const OAuth2Credentials& c, long status, std::string_view error,
                             const std::vector<std::string>& www_authenticate) {
  // A public client has no secret to send either way.
  if (c.client_secret.empty() || (status != 401 && error != "invalid_client")) return "";
  bool basic_asked = false;
  for (const auto& value : www_authenticate)
    if (auto challenges = parse_challenges(value))
      for (const auto& challenge : *challenges) basic_asked |= util::iequals(challenge.scheme, "Basic");
  if (!c.client_auth_basic && basic_asked)
    return "the token endpoint asks for HTTP Basic (WWW-Authenticate: Basic): '--client-auth basic' may be what it "
           "wants";
  if (c.client_auth_basic && !basic_asked && error == "invalid_client")
    return "the token endpoint refused HTTP Basic without asking for it (no WWW-Authenticate: Basic): "
           "'--client-auth body' may be what it wants";
  return "";
}

bool token_is_fresh(const OAuth2Token& token, util::Clock::time_point now, std::int64_t margin_seconds) {
  if (token.access_token.empty()) return false;
  if (!token.expires_at) return true;
  return now + std::chrono::seconds(margin_seconds) < *token.expires_at;
}

std::string base64url(std::string_view bytes) {
  std::string s = crypto::base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

Result<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return usage_error("not valid base64url");
  std::string s(text);
  for (char& c : s) {
    if (c == '+' || c == '/' || c == '=') return usage_error("not valid base64url");
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s.push_back('=');
  auto out = crypto::base64_decode(s);
  if (!out) return usage_error("not valid base64url");
  return out;
}

Pkce make_pkce(std::string_view random_32_bytes) {
  Pkce p;
  p.verifier = base64url(random_32_bytes);
  p.challenge = base64url(crypto::sha256(p.verifier));
  return p;
}

std::string authorization_url(const OAuth2Credentials& c, std::string_view state, std::string_view code_challenge) {
  Params params{{"response_type", "code"}, {"client_id", c.client_id}, {"redirect_uri", c.redirect_uri}};
  if (!c.scope.empty()) params.emplace_back("scope", c.scope);
  params.emplace_back("state", std::string(state));
  params.emplace_back("code_challenge", std::string(code_challenge));
  params.emplace_back("code_challenge_method", "S256");
  return with_query(c.auth_url, form_encode(params));
}

Result<std::string> code_from_callback(std::string_view raw_query, std::string_view expected_state,
                                       std::string_view expected_issuer) {
  std::optional<std::string> code, state, iss, error, description;
  for (auto& [k, v] : parse_query(raw_query)) {
    if (k == "code") code = v;
    if (k == "state") state = v;
    if (k == "iss") iss = v;
    if (k == "error") error = v;
    if (k == "error_description") description = v;
  }
  // RFC 6749 10.12: a callback without our state may be forged; nothing in it is trusted.
  if (!state || !crypto::constant_time_equal(*state, expected_state))
    return fail(ExitCode::auth_flow,
                "the callback's state is not the one sent: refusing it (a stale or forged redirect)");
  if (iss && !expected_issuer.empty() && *iss != expected_issuer)
    return fail(ExitCode::auth_flow, "the callback's iss '" + util::excerpt(*iss) + "' is not the expected issuer '" +
                                         std::string(expected_issuer) + "' (RFC 9207; the profile's --issuer sets it)");
  if (error)
    return fail(ExitCode::auth_flow, "the authorization server refused: " + util::excerpt(*error) +
                                         (description ? ": " + util::excerpt(*description, 160) : ""));
  if (!code || code->empty()) return fail(ExitCode::auth_flow, "the callback has no code");
  return *code;
}

Result<void> sign_bearer(const std::string& token, Request& request) {
  if (token.empty()) return fail(ExitCode::auth_flow, "no access token to send");
  // RFC 6750 2.1: b64token, printable ASCII without spaces.
  for (char ch : token)
    if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7f)
      return fail(ExitCode::auth_flow, "the access token holds a space, control or non-ASCII character: not sendable");
  request.headers.set("Authorization", "Bearer " + token);
  return {};
}

std::expected<std::string, std::string> bearer_of(const Request& request) {
  auto header = request.headers.get("Authorization");
  if (!header) return std::unexpected("no Authorization header");
  std::string_view value = util::trim(*header);
  auto space = value.find(' ');
  if (!util::iequals(value.substr(0, space), "Bearer"))
    return std::unexpected("Authorization has " + scheme_for_display(value) + ", expected 'Bearer'");
  std::string_view token = space == std::string_view::npos ? "" : util::trim(value.substr(space + 1));
  if (token.empty()) return std::unexpected("the Bearer token is empty");
  return std::string(token);
}

Request introspection_request(const OAuth2Credentials& c, std::string_view introspect_url, std::string_view token) {
  Params params{{"token", std::string(token)}, {"token_type_hint", "access_token"}};
  return form_request(c, std::string(introspect_url), std::move(params), false, false);
}

BearerJudgement judge_introspection(const Introspection& answer, util::Clock::time_point now) {
  if (!answer.active) return {false, "the authorization server says the token is not active"};
  auto seconds = util::unix_seconds(now);
  if (answer.exp && *answer.exp <= seconds) return {false, "the token expired"};
  return {true, ""};
}

Result<Introspection> parse_introspection(long status, std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (status != 200 || j.is_discarded() || !j.is_object()) {
    std::string what = j.is_object() && j.contains("error")
                           ? describe_error(status, j)
                           : "HTTP " + std::to_string(status) + ": " + first_bytes(body);
    return fail(ExitCode::auth_flow, "the introspection endpoint did not answer: " + what);
  }
  auto active = j.find("active");
  if (active == j.end() || !active->is_boolean())
    return fail(ExitCode::auth_flow, "the introspection answer has no boolean 'active'");
  Introspection out;
  out.active = active->get<bool>();
  if (auto it = j.find("exp"); it != j.end() && !it->is_null()) {
    out.exp = seconds_of(*it);
    if (!out.exp) return fail(ExitCode::auth_flow, "the introspection answer's exp is not a number");
  }
  out.scope = string_member(j, "scope");
  out.client_id = string_member(j, "client_id");
  return out;
}

}  // namespace hookauth::auth
