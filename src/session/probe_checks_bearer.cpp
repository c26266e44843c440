// The bearer checks of `webhook probe`: OAuth 2.0 bearer tokens (RFC 6750), and a token that is a
// JWT (RFC 7519) with its signature done away with.

#include <nlohmann/json.hpp>

#include "auth/crypto.hpp"
#include "auth/oauth2.hpp"
#include "session/probe_catalogue.hpp"
#include "util/strings.hpp"

namespace hookauth::session {

namespace {

Applicability oauth2_bearer(const Authorization& a) {
  return {std::holds_alternative<auth::OAuth2Credentials>(a.credentials), ""};
}

// The token of the request's `Authorization: Bearer` header; empty when there is none.
std::string bearer_token(const auth::Request& r) { return auth::bearer_of(r).value_or(""); }

// The token the run probes with: --token, else the one the profile's signer put on the baseline.
std::string probed_token(const ProbeContext& c) {
  if (!c.token.empty()) return c.token;
  return c.baseline ? bearer_token(*c.baseline) : "";
}

bool base64url_text(std::string_view s) {
  return !s.empty() &&
         std::ranges::all_of(s, [](unsigned char ch) { return std::isalnum(ch) != 0 || ch == '-' || ch == '_'; });
}

std::string to_base64url(std::string_view bytes) {
  std::string s = auth::crypto::base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& ch : s) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  return s;
}

Result<std::string> from_base64url(std::string s) {
  for (char& ch : s) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
  s.append((4 - s.size() % 4) % 4, '=');
  return auth::crypto::base64_decode(s);
}

// The JWS compact parts of a JWT (RFC 7515 section 7.1): three base64url parts, the first a JSON
// object with "alg"; none when the token is not one.
std::optional<std::vector<std::string>> jwt_parts(const std::string& token) {
  auto parts = util::split(token, '.');
  if (parts.size() != 3 || !base64url_text(parts[0]) || !base64url_text(parts[1]) || !base64url_text(parts[2]))
    return std::nullopt;
  auto header = from_base64url(std::string(parts[0]));
  if (!header) return std::nullopt;
  auto json = nlohmann::json::parse(*header, nullptr, false);
  if (!json.is_object() || !json.contains("alg")) return std::nullopt;
  return std::vector<std::string>(parts.begin(), parts.end());
}

std::string not_a_jwt(ProbeContext& c) {
  return jwt_parts(probed_token(c)) ? "" : "the token is not a JWT (three base64url parts, a header with alg)";
}

// The header's token replaced by what change makes of it.
Result<net::Signer> token_changed(ProbeContext& c, std::string (*change)(const std::string&)) {
  return then(c, [change](auth::Request& r) {
    std::string token = bearer_token(r);
    if (!token.empty()) rewrite_header(r, "Authorization", token, change(token));
  });
}

// One character changed: one in the middle, neither a '.' nor the last of a base64url part (whose
// low bits may not count).
std::string one_character_changed(const std::string& token) {
  std::string t = token;
  std::size_t i = t.size() / 2;
  while (i > 0 && (t[i] == '.' || i + 1 == t.size() || t[i + 1] == '.')) --i;
  if (!t.empty()) t[i] = t[i] == 'A' ? 'B' : 'A';
  return t;
}

// RFC 7519 section 6.1's unsecured JWT: the header's alg is "none" and the signature empty.
std::string alg_none(const std::string& token) {
  auto parts = jwt_parts(token);
  if (!parts) return token;
  auto json = nlohmann::json::parse(from_base64url((*parts)[0]).value_or("{}"), nullptr, false);
  json["alg"] = "none";
  return to_base64url(json.dump()) + "." + (*parts)[1] + ".";
}

std::string signature_stripped(const std::string& token) {
  auto parts = jwt_parts(token);
  return parts ? (*parts)[0] + "." + (*parts)[1] + "." : token;
}

// No Authorization header; the token as access_token in the query (RFC 6750 section 2.3).
void token_to_query(auth::Request& r) {
  std::string token = bearer_token(r);
  r.headers.remove("Authorization");
  auto hash = r.url.find('#');
  std::string fragment = hash == std::string::npos ? "" : r.url.substr(hash);
  r.url = r.url.substr(0, hash) + (r.url.find('?') == std::string::npos ? "?" : "&") +
          "access_token=" + util::percent_encode(token) + fragment;
}

// A token the receiver cannot know, on the scheme it expects.
Result<net::Signer> garbage_token(ProbeContext& c) {
  std::string garbage = random_hex(c, 24);
  return net::Signer{[garbage](auth::Request& r) -> Result<void> { return auth::sign_bearer(garbage, r); }, nullptr};
}

const char* const rfc6750 = "RFC 6750 section 3.1";
const char* const rfc8725 = "RFC 8725 section 3.1";

// A signer that puts one fixed token on every request: --token.
class FixedTokenSigner final : public Signer {
 public:
  explicit FixedTokenSigner(std::string token) : token_(std::move(token)) {}
  Result<net::Signer> message(const std::string&) override {
    return net::Signer{[token = token_](auth::Request& r) -> Result<void> { return auth::sign_bearer(token, r); },
                       nullptr};
  }
  bool carries_credentials() const override { return true; }

 private:
  std::string token_;
};

}  // namespace

std::unique_ptr<Signer> fixed_token_signer(std::string token) {
  return std::make_unique<FixedTokenSigner>(std::move(token));
}

const std::vector<ProbeCheck>& bearer_probe_checks() {
  // clang-format off
  static const std::vector<ProbeCheck> checks = {
      {"bearer-garbage", ProbeLevel::must, ProbeExpect::refused, "", "a random token", rfc6750, oauth2_bearer,
       garbage_token},
      {"bearer-altered", ProbeLevel::must, ProbeExpect::refused, "", "the token with one character changed", rfc6750,
       oauth2_bearer, [](ProbeContext& c) { return token_changed(c, one_character_changed); }},
      {"bearer-challenge", ProbeLevel::should, ProbeExpect::challenge, "Bearer", "no credentials",
       "RFC 6750 section 3", oauth2_bearer, no_credentials},
      {"bearer-in-query", ProbeLevel::should, ProbeExpect::refused, "",
       "no Authorization header, the token as access_token in the query",
       "RFC 9700 section 2 / RFC 6750 section 2.3", oauth2_bearer,
       [](ProbeContext& c) { return then(c, token_to_query); }},
      {"bearer-scheme-case", ProbeLevel::should, ProbeExpect::accepted, "", "the scheme written 'bearer'",
       "RFC 9110 section 11.1", oauth2_bearer,
       [](ProbeContext& c) { return then(c, [](auth::Request& r) { rewrite_header(r, "Authorization", "Bearer ", "bearer "); }); }},
      {"jwt-alg-none", ProbeLevel::must, ProbeExpect::refused, "", "the JWT with alg \"none\" and no signature",
       rfc8725, oauth2_bearer, [](ProbeContext& c) { return token_changed(c, alg_none); }, not_a_jwt},
      {"jwt-signature-stripped", ProbeLevel::must, ProbeExpect::refused, "",
       "the JWT with its signature removed (header.payload.)", rfc8725, oauth2_bearer,
       [](ProbeContext& c) { return token_changed(c, signature_stripped); }, not_a_jwt},
  };
  // clang-format on
  return checks;
}

}  // namespace hookauth::session
