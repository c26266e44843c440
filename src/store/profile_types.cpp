#include "store/profile.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "auth/digest.hpp"
#include "auth/payload_signature.hpp"
#include "store/aws_config.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

// The type table: every authorization type's fields, their defaults and value checks, and the
// checks between fields. What is done with a profile is in profile.cpp.

namespace hookauth::store {

const FieldSpec* TypeSpec::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

namespace {
// RFC 9110 section 5.6.2: tchar.
bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
}  // namespace

Result<void> check_header_name(std::string_view v) {
  if (v.empty()) return usage_error("a header name must not be empty");
  for (char c : v)
    if (!is_token_char(c)) return usage_error("'" + util::printable(v) + "' is not a header name (an RFC 9110 token)");
  return {};
}

namespace {

Result<void> check_algorithms(std::string_view v) {
  for (auto part : util::split(v, ',')) {
    std::string a(util::trim(part));
    if (!auth::parse_digest_algorithm(a))
      return usage_error("'" + a + "' is not MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256 or SHA-512-256-sess");
  }
  return {};
}

// Each algorithm of a comma list in its RFC 7616 spelling (MD5, SHA-256, SHA-512-256, -sess), the
// separators kept; a name that is none of them is left for check_algorithms to refuse.
std::string canonical_algorithms(std::string_view v) {
  std::string out;
  auto parts = util::split(v, ',');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (i > 0) out += ',';
    std::string_view name = util::trim(part);
    auto algorithm = auth::parse_digest_algorithm(name);
    std::size_t start = static_cast<std::size_t>(name.data() - part.data());
    out += std::string(part.substr(0, start)) +
           (algorithm ? auth::digest_algorithm_name(*algorithm) : std::string(name)) +
           std::string(part.substr(start + name.size()));
  }
  return out;
}

// RFC 6749 spells grant types with '_' (client_credentials); hookauth's choices with '-'.
std::string canonical_grant(std::string_view v) {
  std::string out(v);
  std::ranges::replace(out, '_', '-');
  return out;
}

Result<void> check_qops(std::string_view v) {
  if (util::split(v, ',').size() > 1 && util::to_lower(v).find("none") != std::string::npos)
    return usage_error("'none' cannot be listed with other qops");
  for (auto part : util::split(v, ',')) {
    std::string q = util::to_lower(util::trim(part));
    if (q != "auth" && q != "auth-int" && q != "none") return usage_error("'" + q + "' is not auth, auth-int or none");
  }
  return {};
}

Result<void> check_nc(std::string_view v) {
  unsigned long n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n, 16);
  if (v.empty() || v.size() > 8 || ec != std::errc() || ptr != v.data() + v.size() || n == 0)
    return usage_error("'" + std::string(v) + "' is not a nonce count of 1 to 8 hex digits (00000001 to ffffffff)");
  return {};
}

Result<void> check_no_controls(std::string_view v) {
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return usage_error("must not contain control characters");
  return {};
}

// RFC 7617 section 2: the user-id cannot hold a colon; nor may it hold control characters.
Result<void> check_user_id(std::string_view v) {
  if (v.find(':') != std::string_view::npos) return usage_error("must not contain ':' (RFC 7617)");
  return check_no_controls(v);
}

// api-key: a key sent in a header is a header name, and its value a header value.
Result<void> check_api_key(const Profile& p) {
  if (p.field("in") != "header") return {};
  if (auto ok = check_header_name(p.field("key")); !ok) return usage_error("--key: " + ok.error().message);
  auto value = p.secrets.find("value");
  if (value != p.secrets.end() && value->second.kind == SecretRef::Kind::literal)
    if (auto ok = check_no_controls(value->second.value); !ok) return usage_error("--value: " + ok.error().message);
  return {};
}

// "Name: value", as curl's -H takes it.
Result<void> check_header_line(std::string_view v) {
  auto colon = v.find(':');
  if (colon == std::string_view::npos) return usage_error("'" + util::printable(v) + "' is not 'Name: value'");
  if (auto ok = check_header_name(util::trim(v.substr(0, colon))); !ok) return ok;
  return check_no_controls(v);
}

Result<void> check_seconds(std::string_view v) {
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 0 || n > 100LL * 365 * 24 * 3600)
    return usage_error("'" + util::printable(v) + "' is not a number of seconds");
  return {};
}

Result<void> check_http_url(std::string_view v) {
  auto url = util::split_url(v);
  bool http = url ? url->scheme == "http" || url->scheme == "https"
                  : url.error().part != util::UrlPart::scheme && util::starts_with_icase(v, "http");
  if (!http) return usage_error("'" + util::printable(v) + "' is not an http or https URL");
  if (auto ok = check_no_controls(v); !ok) return ok;
  if (!url) return usage_error("'" + util::printable(v) + "' is not a valid URL: it " + url.error().message);
  return {};
}

// RFC 8252 7.3: a native app's redirect URI is http on a loopback IP literal with a port; here one
// of the hosts the callback listener binds (127.0.0.1, ::1, and localhost for 127.0.0.1).
Result<void> check_redirect_uri(std::string_view v) {
  auto url = util::split_url(v);
  bool http = url ? url->scheme == "http"
                  : url.error().part != util::UrlPart::scheme && url.error().part != util::UrlPart::authority;
  if (!http) return usage_error("'" + util::printable(v) + "' is not an http://127.0.0.1:PORT/ URL");
  if (!url && url.error().part == util::UrlPart::port)
    return usage_error("'" + util::printable(v) + "' has no port (1 to 65535) to listen on");
  if (!url || url->userinfo || (url->host != "127.0.0.1" && url->host != "::1" && url->host != "localhost"))
    return usage_error("'" + util::printable(v) + "' is not on 127.0.0.1, [::1] or localhost");
  if (!url->port_given) return usage_error("'" + util::printable(v) + "' has no port (1 to 65535) to listen on");
  return check_no_controls(v);
}

Result<void> check_oauth2(const Profile& p) {
  if (p.field("grant") != "authorization-code") return {};
  for (const char* needed : {"auth-url", "redirect-uri"})
    if (p.field(needed).empty()) return usage_error("grant authorization-code needs --" + std::string(needed));
  return {};
}

}  // namespace

namespace {

const std::vector<std::string_view> scheme_choices = {"standard-webhooks", "github", "stripe", "hmac"};

// The options of the generic hmac scheme, shared by the signature type (scheme_field "scheme") and
// stacked signatures ("signature").
std::vector<FieldSpec> hmac_fields(std::string_view scheme_field, bool stacked) {
  Condition hmac{.field = scheme_field, .value = "hmac"};
  return {
      {.name = "signature-header",
       .default_value = "X-Signature",
       .help = "hmac: the signature's header",
       .check = check_header_name,
       .stacked = stacked,
       .applies_when = hmac},
      {.name = "signature-algorithm",
       .default_value = "sha256",
       .choices = {"sha256", "sha512"},
       .help = "hmac: the HMAC hash",
       .stacked = stacked,
       .applies_when = hmac},
      {.name = "signature-encoding",
       .default_value = "hex",
       .choices = {"hex", "base64"},
       .help = "hmac: how the MAC is written",
       .stacked = stacked,
       .applies_when = hmac},
      {.name = "signature-prefix",
       .help = "hmac: text before the MAC, e.g. sha256=",
       .check = check_no_controls,
       .stacked = stacked,
       .applies_when = hmac},
      {.name = "signed-content",
       .default_value = "{body}",
       .help = "hmac: what is signed, a template over {timestamp}, {id} and {body}",
       .check = check_no_controls,
       .stacked = stacked,
       .applies_when = hmac},
      {.name = "timestamp-header",
       .default_value = "X-Webhook-Timestamp",
       .help = "hmac: the header that carries {timestamp}",
       .check = check_header_name,
       .stacked = stacked,
       .applies_when = hmac},
      {.name = "id-header",
       .default_value = "X-Webhook-Id",
       .help = "hmac: the header that carries {id}",
       .check = check_header_name,
       .stacked = stacked,
       .applies_when = hmac},
  };
}

// A type's own fields, then a payload signature that can be stacked on it.
std::vector<FieldSpec> with_signature(std::vector<FieldSpec> fields) {
  fields.push_back({.name = "signature",
                    .choices = scheme_choices,
                    .help = "also sign the payload with this scheme",
                    .stacked = true});
  fields.push_back({.name = "signature-secret",
                    .secret = true,
                    .help = "the payload signature's secret (several: one per line)",
                    .stacked = true});
  for (auto& f : hmac_fields("signature", true)) fields.push_back(std::move(f));
  return fields;
}

std::vector<FieldSpec> signature_type_fields() {
  std::vector<FieldSpec> fields = {
      {.name = "scheme", .required = true, .choices = scheme_choices, .help = "the payload signature scheme"},
      {.name = "secret",
       .secret = true,
       .required = true,
       .help = "the signing secret (several, one per line, for rotation)"},
  };
  for (auto& f : hmac_fields("scheme", false)) fields.push_back(std::move(f));
  return fields;
}

// What `auth list` shows of each type: the non-secret facts only.
std::string basic_summary(const Profile& p) { return "user " + p.field("username"); }
std::string api_key_summary(const Profile& p) { return p.field("key") + " in " + p.field("in"); }
std::string digest_summary(const Profile& p) {
  std::string algorithm = p.field("algorithm").empty() ? "as offered" : p.field("algorithm");
  return "user " + p.field("username") + ", " + algorithm + (p.field("nonce").empty() ? "" : ", shared nonce");
}
std::string aws_sigv4_summary(const Profile& p) {
  std::string scope = (p.field("region").empty() ? "" : p.field("region") + "/") + p.field("service");
  if (!p.field("aws-profile").empty()) return "AWS profile " + p.field("aws-profile") + ", " + scope;
  return p.field("access-key") + ", " + scope;
}
std::string oauth2_summary(const Profile& p) {
  return p.field("grant") + ", client " + p.field("client-id") + ", " + p.field("token-url");
}
std::string signature_summary(const Profile& p) { return p.field("scheme"); }

std::vector<FieldSpec> basic_fields() {
  return {
      {.name = "username",
       .required = true,
       .help = "the user-id (for basic no ':', RFC 7617)",
       .check = check_user_id,
       .postman = "username"},
      {.name = "password",
       .secret = true,
       .required = true,
       .help = "the password",
       .check = check_no_controls,
       .postman = "password"},
  };
}

std::vector<FieldSpec> api_key_fields() {
  return {
      {.name = "key",
       .required = true,
       .help = "the header or query parameter name",
       .check = check_no_controls,
       .postman = "key"},
      {.name = "value", .secret = true, .required = true, .help = "the key itself", .postman = "value"},
      {.name = "in",
       .default_value = "header",
       .choices = {"header", "query"},
       .help = "where the key goes",
       .postman = "in"},
  };
}

std::vector<FieldSpec> digest_fields() {
  return {
      {.name = "username", .required = true, .help = "the user-id", .check = check_no_controls, .postman = "username"},
      {.name = "password", .secret = true, .required = true, .help = "the password", .postman = "password"},
      {.name = "realm", .help = "the realm (shared in advance, or the receiver's)", .postman = "realm"},
      {.name = "nonce", .help = "a nonce shared in advance: the first request is signed", .postman = "nonce"},
      {.name = "algorithm",
       .help = "MD5, SHA-256, SHA-512-256 (-sess); a receiver offers a comma list",
       .check = check_algorithms,
       .canonical = canonical_algorithms,
       .postman = "algorithm"},
      {.name = "qop",
       .help = "auth, auth-int or none; a receiver may offer a comma list",
       .check = check_qops,
       .postman = "qop"},
      {.name = "nc",
       .help = "the first nonce count for a shared nonce (hex)",
       .check = check_nc,
       .postman = "nonceCount"},
      {.name = "cnonce", .help = "a fixed client nonce (reproducible output)", .postman = "clientNonce"},
      {.name = "opaque", .help = "the opaque value shared with the nonce", .postman = "opaque"},
      {.name = "userhash",
       .default_value = "false",
       .choices = {"true", "false"},
       .help = "send the username hashed (RFC 7616 3.4.4)",
       .flag = true},
  };
}

std::vector<FieldSpec> aws_sigv4_fields() {
  return {
      {.name = "access-key", .required = true, .help = "the access key id", .postman = "accessKey"},
      {.name = "secret-key", .secret = true, .required = true, .help = "the secret access key", .postman = "secretKey"},
      {.name = "session-token",
       .secret = true,
       .help = "a session token, sent as X-Amz-Security-Token and signed",
       .postman = "sessionToken"},
      {.name = "aws-profile",
       .help = "an AWS profile's keys instead (~/.aws/credentials, ~/.aws/config)",
       .check = check_no_controls,
       .waives = {"access-key", "secret-key", "region"},
       .excludes = {"access-key", "secret-key", "session-token"}},
      {.name = "region",
       .required = true,
       .help = "the region, e.g. us-east-1 (with --aws-profile: its region by default)",
       .postman = "region"},
      {.name = "service", .required = true, .help = "the service, e.g. execute-api, lambda, s3", .postman = "service"},
      {.name = "payload",
       .default_value = "signed",
       .choices = {"signed", "unsigned"},
       .help = "sign the body's SHA-256, or UNSIGNED-PAYLOAD"},
      {.name = "content-sha256",
       .default_value = "false",
       .choices = {"true", "false"},
       .help = "also send x-amz-content-sha256 (S3)",
       .flag = true},
      {.name = "sign-header", .help = "one more header to sign (repeatable)", .check = check_header_name, .list = true},
  };
}

std::vector<FieldSpec> oauth2_fields() {
  Condition code_grant{.field = "grant", .value = "authorization-code"};
  return {
      {.name = "grant",
       .required = true,
       .choices = {"client-credentials", "authorization-code"},
       .help = "the grant: client-credentials or authorization-code (or RFC 6749's client_credentials, "
               "authorization_code)",
       .canonical = canonical_grant,
       .postman = "grant_type",
       .postman_values = {{"client_credentials", "client-credentials"},
                          {"authorization_code", "authorization-code"},
                          {"authorization_code_with_pkce", "authorization-code"}}},
      {.name = "client-id",
       .required = true,
       .help = "the client (consumer) id",
       .check = check_no_controls,
       .postman = "clientId"},
      {.name = "client-secret",
       .secret = true,
       .help = "the client (consumer) secret; none for a public client",
       .postman = "clientSecret"},
      {.name = "token-url",
       .required = true,
       .help = "the access token URL",
       .check = check_http_url,
       .postman = "accessTokenUrl"},
      {.name = "auth-url",
       .help = "the authorization URL (authorization-code)",
       .check = check_http_url,
       .applies_when = code_grant,
       .postman = "authUrl"},
      {.name = "redirect-uri",
       .help = "the callback URL, http://127.0.0.1:PORT/PATH (authorization-code)",
       .check = check_redirect_uri,
       .applies_when = code_grant,
       .postman = "redirect_uri"},
      {.name = "scope",
       .help = "the scopes to ask for, space-separated",
       .check = check_no_controls,
       .postman = "scope"},
      {.name = "validity",
       .help = "seconds a token lives when the answer has no expires_in (default: no expiry)",
       .check = check_seconds},
      {.name = "refresh-url", .help = "the refresh token URL (default: the token URL)", .check = check_http_url},
      {.name = "token-method",
       .default_value = "POST",
       .choices = {"POST", "GET"},
       .help = "the token request's method"},
      {.name = "token-params",
       .default_value = "body",
       .choices = {"body", "url"},
       .help = "token request parameters in the body or the URL"},
      {.name = "token-header",
       .help = "'Name: value' added to token requests (repeatable)",
       .check = check_header_line,
       .list = true},
      {.name = "client-auth",
       .default_value = "body",
       .choices = {"body", "basic"},
       .help = "client credentials in the body or as HTTP Basic",
       .postman = "client_authentication",
       .postman_values = {{"header", "basic"}}},
      {.name = "refresh-margin",
       .default_value = "30",
       .help = "seconds before expiry that a token is refreshed",
       .check = check_seconds},
      {.name = "issuer",
       .help = "the expected iss of the callback (default: the authorization URL's origin)",
       .check = check_http_url},
  };
}

}  // namespace

Result<void> check_fields_apply(const Profile& p) {
  const TypeSpec* type = find_type(p.type);
  for (const auto& [k, v] : p.fields) {
    if (field_applies(p, k)) continue;
    const Condition& when = type->field(k)->applies_when;
    return usage_error("--" + k + " applies only to --" + std::string(when.field) + " " + std::string(when.value));
  }
  return {};
}

const std::vector<TypeSpec>& profile_types() {
  static const std::vector<TypeSpec> types = {
      {.name = "none",
       .label = "No Auth",
       .fields = with_signature({}),
       .to_credentials = credentials_of::none,
       .postman = "noauth"},
      {.name = "basic",
       .label = "Basic",
       .fields = with_signature(basic_fields()),
       .to_credentials = credentials_of::basic,
       .summary = basic_summary,
       .postman = "basic"},
      {.name = "api-key",
       .label = "API Key",
       .fields = with_signature(api_key_fields()),
       .check = check_api_key,
       .to_credentials = credentials_of::api_key,
       .summary = api_key_summary,
       .postman = "apikey"},
      {.name = "digest",
       .label = "Digest",
       .fields = with_signature(digest_fields()),
       .to_credentials = credentials_of::digest,
       .summary = digest_summary,
       .postman = "digest"},
      {.name = "aws-sigv4",
       .label = "AWS Signature",
       .fields = with_signature(aws_sigv4_fields()),
       .to_credentials = credentials_of::aws_sigv4,
       .key_provider = aws_key_provider,
       .summary = aws_sigv4_summary,
       .postman = "awsv4"},
      {.name = "oauth2",
       .label = "OAuth 2.0",
       .fields = with_signature(oauth2_fields()),
       .check = check_oauth2,
       .to_credentials = credentials_of::oauth2,
       .summary = oauth2_summary,
       .postman = "oauth2"},
      {.name = "signature",
       .label = "Payload signature",
       .fields = signature_type_fields(),
       .to_credentials = credentials_of::none,
       .summary = signature_summary,
       .signature_field = "scheme",
       .signature_secret_field = "secret"},
  };
  return types;
}

const TypeSpec* find_type(std::string_view name) {
  for (const auto& t : profile_types())
    if (t.name == name) return &t;
  return nullptr;
}

std::string type_names() {
  std::string out;
  for (const auto& t : profile_types()) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out;
}

}  // namespace hookauth::store
