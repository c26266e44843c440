#include "store/profile.hpp"

#include <algorithm>

#include <charconv>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "auth/digest.hpp"
#include "auth/payload_signature.hpp"
#include "util/strings.hpp"

namespace hookauth::store {

const FieldSpec* TypeSpec::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
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

bool is_token_char(char c) { return c > ' ' && c != ':' && c != 0x7f && c != '(' && c != ')' && c != ',' && c != '"'; }

Result<void> check_header_name(std::string_view v) {
  if (v.empty()) return usage_error("a header name must not be empty");
  for (char c : v)
    if (!is_token_char(c)) return usage_error("'" + util::printable(v) + "' is not a header name");
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
  std::string lower = util::to_lower(v.substr(0, 8));
  if (!lower.starts_with("http://") && !lower.starts_with("https://"))
    return usage_error("'" + util::printable(v) + "' is not an http or https URL");
  return check_no_controls(v);
}

// RFC 8252 7.3: a native app's redirect URI is http on a loopback IP literal with a port.
Result<void> check_redirect_uri(std::string_view v) {
  std::string_view rest = v;
  if (!util::starts_with_icase(rest, "http://"))
    return usage_error("'" + util::printable(v) + "' is not an http://127.0.0.1:PORT/ URL");
  rest.remove_prefix(7);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  auto colon = authority.rfind(':');
  if (authority.starts_with('[') && colon != std::string_view::npos && colon < authority.find(']'))
    colon = std::string_view::npos;  // the colons of an IPv6 literal, not a port
  std::string_view host = authority.substr(0, colon);
  if (host != "127.0.0.1" && host != "localhost" && host != "[::1]")
    return usage_error("'" + util::printable(v) + "' is not on 127.0.0.1, [::1] or localhost");
  int port = 0;
  std::string_view digits = colon == std::string_view::npos ? "" : authority.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || port < 1 || port > 65535)
    return usage_error("'" + util::printable(v) + "' has no port (1 to 65535) to listen on");
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

const std::vector<TypeSpec>& profile_types() {
  static const std::vector<TypeSpec> types = {
      {"none", "No Auth", with_signature({})},
      {"basic", "Basic",
       with_signature({
           {"username", false, true, "", {}, "the user-id (RFC 7617; no ':')", false, check_no_controls},
           {"password", true, true, "", {}, "the password"},
       })},
      {"api-key", "API Key",
       with_signature({
           {"key", false, true, "", {}, "the header or query parameter name", false, check_no_controls},
           {"value", true, true, "", {}, "the key itself"},
           {"in", false, false, "header", {"header", "query"}, "where the key goes"},
       })},
      {"digest", "Digest",
       with_signature({
           {"username", false, true, "", {}, "the user-id (RFC 7617; no ':')", false, check_no_controls},
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

std::vector<std::string> Profile::list(std::string_view n) const {
  std::vector<std::string> out;
  std::string joined = field(n);
  if (joined.empty()) return out;
  for (auto v : util::split(joined, '\n')) out.emplace_back(v);
  return out;
}

std::string Profile::field(std::string_view n) const {
  if (auto it = fields.find(std::string(n)); it != fields.end()) return it->second;
  if (const auto* t = find_type(type))
    if (const auto* f = t->field(n)) return std::string(f->default_value);
  return "";
}

Result<void> check_name(std::string_view name) {
  if (name.empty()) return usage_error("authorization name: must not be empty");
  if (name.size() > 64) return usage_error("authorization name: at most 64 characters");
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok)
      return usage_error("authorization name '" + std::string(name) + "': only letters, digits, '.', '_' and '-'");
  }
  return {};
}

Result<void> validate(const Profile& p) {
  if (auto ok = check_name(p.name); !ok) return ok;
  const TypeSpec* type = find_type(p.type);
  if (!type) return usage_error("type: unknown type '" + p.type + "' (" + type_names() + ")");
  for (const auto& [k, v] : p.fields) {
    const FieldSpec* f = type->field(k);
    if (!f || f->secret) return usage_error("--" + k + " does not apply to type " + p.type);
    if (!f->choices.empty() && std::find(f->choices.begin(), f->choices.end(), v) == f->choices.end()) {
      std::string list;
      for (auto c : f->choices) list += (list.empty() ? "" : ", ") + std::string(c);
      return usage_error(k + ": '" + v + "' is not one of " + list);
    }
    if (f->required && v.empty()) return usage_error(k + ": must not be empty");
    if (f->check && !v.empty())
      for (auto part : f->list ? util::split(v, '\n') : std::vector<std::string_view>{v})
        if (auto ok = f->check(part); !ok) return usage_error("--" + k + ": " + ok.error().message);
  }
  for (const auto& [k, v] : p.secrets) {
    const FieldSpec* f = type->field(k);
    if (!f || !f->secret) return usage_error("--" + k + " does not apply to type " + p.type);
  }
  for (const auto& f : type->fields) {
    if (!f.required) continue;
    bool given = f.secret ? p.secrets.contains(std::string(f.name)) : p.fields.contains(std::string(f.name));
    if (!given) return usage_error("type " + p.type + " needs --" + std::string(f.name));
  }
  bool scheme = p.fields.contains("signature"), secret = p.secrets.contains("signature-secret");
  if (scheme && !secret) return usage_error("--signature needs --signature-secret");
  if (secret && !scheme) return usage_error("--signature-secret needs --signature SCHEME");
  if (type->check) return type->check(p);
  return {};
}

nlohmann::ordered_json to_json(const Profile& p) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["name"] = p.name;
  j["type"] = p.type;
  const TypeSpec* type = find_type(p.type);
  for (const auto& [k, v] : p.fields) {
    const FieldSpec* f = type ? type->field(k) : nullptr;
    if (f && f->list)
      j[k] = p.list(k);
    else
      j[k] = v;
  }
  for (const auto& [k, v] : p.secrets) j[k] = to_json(v);
  return j;
}

std::expected<Profile, JsonFieldError> profile_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::unexpected(JsonFieldError{"", "expected an object"});
  Profile p;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string()) return std::unexpected(JsonFieldError{"name", "expected a string"});
  p.name = name->get<std::string>();
  if (auto ok = check_name(p.name); !ok) return std::unexpected(JsonFieldError{"name", ok.error().message});
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return std::unexpected(JsonFieldError{"type", "expected a string"});
  p.type = type->get<std::string>();
  const TypeSpec* spec = find_type(p.type);
  if (!spec) return std::unexpected(JsonFieldError{"type", "unknown type '" + p.type + "'"});
  for (const auto& [k, v] : j.items()) {
    if (k == "name" || k == "type") continue;
    const FieldSpec* f = spec->field(k);
    if (!f) return std::unexpected(JsonFieldError{k, "not a field of type " + p.type});
    if (f->secret) {
      auto ref = secret_from_json(v);
      if (!ref) return std::unexpected(JsonFieldError{k, ref.error().message});
      p.secrets[k] = *ref;
    } else if (f->list) {
      if (!v.is_array()) return std::unexpected(JsonFieldError{k, "expected an array of strings"});
      std::string joined;
      for (const auto& item : v) {
        if (!item.is_string()) return std::unexpected(JsonFieldError{k, "expected an array of strings"});
        const auto& text = item.get_ref<const std::string&>();
        if (text.empty() || text.find('\n') != std::string::npos)
          return std::unexpected(JsonFieldError{k, "an item is empty or spans lines"});
        joined += (joined.empty() ? "" : "\n") + text;
      }
      if (!joined.empty()) p.fields[k] = joined;
    } else {
      if (!v.is_string()) return std::unexpected(JsonFieldError{k, "expected a string"});
      p.fields[k] = v.get<std::string>();
    }
  }
  if (auto ok = validate(p); !ok) return std::unexpected(JsonFieldError{"", ok.error().message});
  return p;
}

namespace {
Result<std::string> secret(const Profile& p, std::string_view field) {
  auto it = p.secrets.find(std::string(field));
  if (it == p.secrets.end()) return usage_error(p.name + ": no " + std::string(field));
  return resolve(p.name + ": " + std::string(field), it->second);
}
}  // namespace

Result<auth::Credentials> to_credentials(const Profile& p) {
  if (p.type == "none" || p.type == "signature") return auth::NoAuth{};
  if (p.type == "basic") {
    auto password = secret(p, "password");
    if (!password) return std::unexpected(password.error());
    return auth::BasicCredentials{p.field("username"), std::move(*password)};
  }
  if (p.type == "api-key") {
    auto value = secret(p, "value");
    if (!value) return std::unexpected(value.error());
    auto in = p.field("in") == "query" ? auth::KeyLocation::query : auth::KeyLocation::header;
    return auth::ApiKeyCredentials{p.field("key"), std::move(*value), in};
  }
  if (p.type == "digest") {
    auto password = secret(p, "password");
    if (!password) return std::unexpected(password.error());
    auth::DigestCredentials d;
    d.username = p.field("username");
    d.password = std::move(*password);
    d.realm = p.field("realm");
    d.nonce = p.field("nonce");
    d.opaque = p.field("opaque");
    d.cnonce = p.field("cnonce");
    std::string algorithms = p.field("algorithm");  // split() views into it: it must outlive the loop
    for (auto a : util::split(algorithms, ','))
      if (!util::trim(a).empty()) d.algorithms.emplace_back(util::trim(a));
    d.qop = util::to_lower(p.field("qop"));
    if (auto nc = p.field("nc"); !nc.empty()) d.nc = static_cast<std::uint32_t>(std::stoul(nc, nullptr, 16));
    d.userhash = p.field("userhash") == "true";
    return d;
  }
  if (p.type == "aws-sigv4") {
    auto secret_key = secret(p, "secret-key");
    if (!secret_key) return std::unexpected(secret_key.error());
    auth::AwsCredentials a;
    a.access_key = p.field("access-key");
    a.secret_key = std::move(*secret_key);
    if (p.secrets.contains("session-token")) {
      auto token = secret(p, "session-token");
      if (!token) return std::unexpected(token.error());
      a.session_token = std::move(*token);
    }
    a.region = p.field("region");
    a.service = p.field("service");
    a.unsigned_payload = p.field("payload") == "unsigned";
    a.content_sha256 = p.field("content-sha256") == "true";
    for (const auto& h : p.list("sign-header")) a.sign_headers.push_back(util::to_lower(h));
    return a;
  }
  if (p.type == "oauth2") {
    auth::OAuth2Credentials o;
    if (p.secrets.contains("client-secret")) {
      auto client_secret = secret(p, "client-secret");
      if (!client_secret) return std::unexpected(client_secret.error());
      o.client_secret = std::move(*client_secret);
    }
    o.grant = p.field("grant") == "authorization-code" ? auth::OAuth2Grant::authorization_code
                                                       : auth::OAuth2Grant::client_credentials;
    o.client_id = p.field("client-id");
    o.token_url = p.field("token-url");
    o.auth_url = p.field("auth-url");
    o.redirect_uri = p.field("redirect-uri");
    o.scope = p.field("scope");
    if (auto v = p.field("validity"); !v.empty()) o.validity = std::stoll(v);
    o.refresh_url = p.field("refresh-url");
    o.token_method_get = p.field("token-method") == "GET";
    o.token_params_in_url = p.field("token-params") == "url";
    for (const auto& line : p.list("token-header")) {
      auto colon = line.find(':');
      o.token_headers.emplace_back(std::string(util::trim(std::string_view(line).substr(0, colon))),
                                   std::string(util::trim(std::string_view(line).substr(colon + 1))));
    }
    o.client_auth_basic = p.field("client-auth") == "basic";
    o.refresh_margin = std::stoll(p.field("refresh-margin"));
    o.issuer = p.field("issuer");
    if (o.issuer.empty() && o.auth_url.find("://") != std::string::npos) {
      auto end = o.auth_url.find_first_of("/?#", o.auth_url.find("://") + 3);
      o.issuer = o.auth_url.substr(0, end);
    }
    return o;
  }
  return usage_error(p.name + ": unknown type '" + p.type + "'");
}

Result<std::optional<auth::SignatureCredentials>> to_signature(const Profile& p) {
  bool own = p.type == "signature";
  std::string scheme_field = own ? "scheme" : "signature";
  std::string secret_field = own ? "secret" : "signature-secret";
  if (!p.fields.contains(scheme_field)) return std::nullopt;
  auth::SignatureCredentials c;
  c.scheme = *auth::parse_scheme(p.field(scheme_field));
  auto secrets = secret(p, secret_field);
  if (!secrets) return std::unexpected(secrets.error());
  // Several secrets, for rotation: one per line (a file: reference reads naturally so), and for
  // Standard Webhooks also space-separated, as its keys never hold a space. A GitHub, Stripe or
  // hmac secret may hold spaces: only a line break separates those.
  for (auto line : util::split(*secrets, '\n')) {
    if (c.scheme == auth::SignatureScheme::standard_webhooks) {
      for (auto part : util::split(line, ' '))
        if (auto t = util::trim(part); !t.empty()) c.secrets.emplace_back(t);
    } else if (auto t = util::trim(line); !t.empty()) {
      c.secrets.emplace_back(line.back() == '\r' ? line.substr(0, line.size() - 1) : line);
    }
  }
  c.hmac.header = p.field("signature-header");
  c.hmac.sha512 = p.field("signature-algorithm") == "sha512";
  c.hmac.base64 = p.field("signature-encoding") == "base64";
  c.hmac.prefix = p.field("signature-prefix");
  c.hmac.content = p.field("signed-content");
  c.hmac.timestamp_header = p.field("timestamp-header");
  c.hmac.id_header = p.field("id-header");
  if (auto ok = auth::check_secrets(c); !ok) return usage_error(p.name + ": " + ok.error().message);
  return c;
}

}  // namespace hookauth::store
