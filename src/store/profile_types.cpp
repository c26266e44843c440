#include "store/profile.hpp"

#include <charconv>
#include <cstdint>

#include "auth/digest.hpp"
#include "auth/payload_signature.hpp"
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

// The options of the generic hmac scheme, shared by the signature type and stacked signatures.
std::vector<FieldSpec> hmac_fields() {
  return {
      {"signature-header", false, false, "X-Signature", {}, "hmac: the signature's header", false, check_header_name},
      {"signature-algorithm", false, false, "sha256", {"sha256", "sha512"}, "hmac: the HMAC hash"},
      {"signature-encoding", false, false, "hex", {"hex", "base64"}, "hmac: how the MAC is written"},
      {"signature-prefix", false, false, "", {}, "hmac: text before the MAC, e.g. sha256=", false, check_no_controls},
      {"signed-content",
       false,
       false,
       "{body}",
       {},
       "hmac: what is signed, a template over {timestamp}, {id} and {body}",
       false,
       check_no_controls},
      {"timestamp-header",
       false,
       false,
       "X-Webhook-Timestamp",
       {},
       "hmac: the header that carries {timestamp}",
       false,
       check_header_name},
      {"id-header", false, false, "X-Webhook-Id", {}, "hmac: the header that carries {id}", false, check_header_name},
  };
}

// A type's own fields, then a payload signature that can be stacked on it.
std::vector<FieldSpec> with_signature(std::vector<FieldSpec> fields) {
  fields.push_back({"signature", false, false, "", scheme_choices, "also sign the payload with this scheme"});
  fields.push_back({"signature-secret", true, false, "", {}, "the payload signature's secret (several: one per line)"});
  for (auto& f : hmac_fields()) fields.push_back(std::move(f));
  return fields;
}

std::vector<FieldSpec> signature_type_fields() {
  std::vector<FieldSpec> fields = {
      {"scheme", false, true, "", scheme_choices, "the payload signature scheme"},
      {"secret", true, true, "", {}, "the signing secret (several, one per line, for rotation)"},
  };
  for (auto& f : hmac_fields()) fields.push_back(std::move(f));
  return fields;
}

}  // namespace

bool is_signature_option(std::string_view field) {
  if (field == "signature" || field == "signature-secret") return true;
  for (const auto& f : hmac_fields())
    if (f.name == field) return true;
  return false;
}

bool field_applies(const Profile& p, std::string_view field) {
  for (const auto& f : hmac_fields())
    if (f.name == field) return p.field(p.type == "signature" ? "scheme" : "signature") == "hmac";
  if (p.type == "oauth2" && (field == "auth-url" || field == "redirect-uri"))
    return p.field("grant") == "authorization-code";
  return true;
}

Result<void> check_fields_apply(const Profile& p) {
  for (const auto& [k, v] : p.fields) {
    if (field_applies(p, k)) continue;
    if (p.type == "oauth2") return usage_error("--" + k + " applies only to --grant authorization-code");
    return usage_error("--" + k + " applies only to " + (p.type == "signature" ? "--scheme" : "--signature") + " hmac");
  }
  return {};
}

const std::vector<TypeSpec>& profile_types() {
  static const std::vector<TypeSpec> types = {
      {"none", "No Auth", with_signature({})},
      {"basic", "Basic",
       with_signature({
           {"username", false, true, "", {}, "the user-id (for basic no ':', RFC 7617)", false, check_user_id},
           {"password", true, true, "", {}, "the password", false, check_no_controls},
       })},
      {"api-key", "API Key",
       with_signature({
           {"key", false, true, "", {}, "the header or query parameter name", false, check_no_controls},
           {"value", true, true, "", {}, "the key itself"},
           {"in", false, false, "header", {"header", "query"}, "where the key goes"},
       }),
       check_api_key},
      {"digest", "Digest",
       with_signature({
           {"username", false, true, "", {}, "the user-id", false, check_no_controls},
           {"password", true, true, "", {}, "the password"},
           {"realm", false, false, "", {}, "the realm (shared in advance, or the receiver's)"},
           {"nonce", false, false, "", {}, "a nonce shared in advance: the first request is signed"},
           {"algorithm",
            false,
            false,
            "",
            {},
            "MD5, SHA-256, SHA-512-256 (-sess); a receiver offers a comma list",
            false,
            check_algorithms},
           {"qop",
            false,
            false,
            "",
            {},
            "auth, auth-int or none; a receiver may offer a comma list",
            false,
            check_qops},
           {"nc", false, false, "", {}, "the first nonce count for a shared nonce (hex)", false, check_nc},
           {"cnonce", false, false, "", {}, "a fixed client nonce (reproducible output)"},
           {"opaque", false, false, "", {}, "the opaque value shared with the nonce"},
           {"userhash", false, false, "false", {"true", "false"}, "send the username hashed (RFC 7616 3.4.4)", true},
       })},
      {"aws-sigv4", "AWS Signature",
       with_signature({
           {"access-key", false, true, "", {}, "the access key id"},
           {"secret-key", true, true, "", {}, "the secret access key"},
           {"session-token", true, false, "", {}, "a session token, sent as X-Amz-Security-Token and signed"},
           {"region", false, true, "", {}, "the region, e.g. us-east-1"},
           {"service", false, true, "", {}, "the service, e.g. execute-api, lambda, s3"},
           {"payload", false, false, "signed", {"signed", "unsigned"}, "sign the body's SHA-256, or UNSIGNED-PAYLOAD"},
           {"content-sha256", false, false, "false", {"true", "false"}, "also send x-amz-content-sha256 (S3)", true},
           {"sign-header",
            false,
            false,
            "",
            {},
            "one more header to sign (repeatable)",
            false,
            check_header_name,
            true},
       })},
      {"oauth2", "OAuth 2.0",
       with_signature({
           {"grant",
            false,
            true,
            "",
            {"client-credentials", "authorization-code"},
            "the grant: client-credentials or authorization-code"},
           {"client-id", false, true, "", {}, "the client (consumer) id", false, check_no_controls},
           {"client-secret", true, false, "", {}, "the client (consumer) secret; none for a public client"},
           {"token-url", false, true, "", {}, "the access token URL", false, check_http_url},
           {"auth-url", false, false, "", {}, "the authorization URL (authorization-code)", false, check_http_url},
           {"redirect-uri",
            false,
            false,
            "",
            {},
            "the callback URL, http://127.0.0.1:PORT/PATH (authorization-code)",
            false,
            check_redirect_uri},
           {"scope", false, false, "", {}, "the scopes to ask for, space-separated", false, check_no_controls},
           {"validity",
            false,
            false,
            "",
            {},
            "seconds a token lives when the answer has no expires_in (default: no expiry)",
            false,
            check_seconds},
           {"refresh-url",
            false,
            false,
            "",
            {},
            "the refresh token URL (default: the token URL)",
            false,
            check_http_url},
           {"token-method", false, false, "POST", {"POST", "GET"}, "the token request's method"},
           {"token-params", false, false, "body", {"body", "url"}, "token request parameters in the body or the URL"},
           {"token-header",
            false,
            false,
            "",
            {},
            "'Name: value' added to token requests (repeatable)",
            false,
            check_header_line,
            true},
           {"client-auth", false, false, "body", {"body", "basic"}, "client credentials in the body or as HTTP Basic"},
           {"refresh-margin",
            false,
            false,
            "30",
            {},
            "seconds before expiry that a token is refreshed",
            false,
            check_seconds},
           {"issuer",
            false,
            false,
            "",
            {},
            "the expected iss of the callback (default: the authorization URL's origin)",
            false,
            check_http_url},
       }),
       check_oauth2},
      {"signature", "Payload signature", signature_type_fields()},
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
