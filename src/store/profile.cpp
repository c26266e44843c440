#include "store/profile.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "util/strings.hpp"
#include "util/url.hpp"

// What is done with a profile: its validation, its JSON mapping in the store, and its resolution into
// credentials. The type table it is checked against is in profile_types.cpp.

namespace hookauth::store {

namespace {
// Whether the profile gives field a value: a non-empty field, or a secret.
bool given(const Profile& p, std::string_view field) {
  std::string name(field);
  auto it = p.fields.find(name);
  return (it != p.fields.end() && !it->second.empty()) || p.secrets.contains(name);
}

bool names(const std::vector<std::string_view>& list, std::string_view field) {
  return std::find(list.begin(), list.end(), field) != list.end();
}
}  // namespace

bool field_waived(const Profile& p, std::string_view field) {
  const TypeSpec* type = find_type(p.type);
  if (!type) return false;
  for (const auto& f : type->fields)
    if (!f.secret && given(p, f.name) && names(f.waives, field)) return true;
  return false;
}

bool field_set_aside(const Profile& p, std::string_view field) {
  const TypeSpec* type = find_type(p.type);
  if (!type || given(p, field)) return false;
  const FieldSpec* self = type->field(field);
  for (const auto& f : type->fields) {
    if (!given(p, f.name)) continue;
    if (names(f.waives, field) || names(f.excludes, field) || (self && names(self->excludes, f.name))) return true;
  }
  return false;
}

bool field_applies(const Profile& p, std::string_view field) {
  const TypeSpec* type = find_type(p.type);
  const FieldSpec* f = type ? type->field(field) : nullptr;
  if (!f || f->applies_when.field.empty()) return true;
  return p.field(f->applies_when.field) == f->applies_when.value;
}

std::vector<std::string> Profile::list(std::string_view n) const {
  std::vector<std::string> out;
  std::string joined = field(n);
  if (joined.empty()) return out;
  for (auto v : util::split(joined, '\n')) out.emplace_back(v);
  return out;
}

std::string Profile::field(std::string_view n) const {
  const TypeSpec* t = find_type(type);
  const FieldSpec* f = t ? t->field(n) : nullptr;
  if (!f || f->secret)
    throw std::logic_error(std::string(t ? "the type " : "the unknown type ") + type + " has no " +
                           (f ? "non-secret " : "") + "field '" + std::string(n) + "'");
  if (auto it = fields.find(std::string(n)); it != fields.end()) return it->second;
  return std::string(f->default_value);
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
    if (f->check && v.kind == SecretRef::Kind::literal)
      if (auto ok = f->check(v.value); !ok) return usage_error("--" + k + ": " + ok.error().message);
  }
  for (const auto& f : type->fields) {
    auto value = p.fields.find(std::string(f.name));
    if (value == p.fields.end() || value->second.empty()) continue;
    for (auto other : f.excludes)
      if (p.fields.contains(std::string(other)) || p.secrets.contains(std::string(other)))
        return usage_error("--" + std::string(f.name) + " and --" + std::string(other) +
                           " are mutually exclusive: give one or the other");
  }
  for (const auto& f : type->fields) {
    // Given counts even when empty, as it always has for a required field.
    bool present = p.fields.contains(std::string(f.name)) || p.secrets.contains(std::string(f.name));
    if (!f.required || present || field_waived(p, f.name)) continue;
    std::string instead;  // the field that could stand in for it
    for (const auto& g : type->fields)
      if (std::find(g.waives.begin(), g.waives.end(), f.name) != g.waives.end())
        instead = " (or --" + std::string(g.name) + ")";
    return usage_error("type " + p.type + " needs --" + std::string(f.name) + instead);
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
  auto resolved = resolve_credentials(p);
  if (!resolved) return std::unexpected(resolved.error());
  return std::move(resolved->credentials);
}

Result<ResolvedCredentials> resolve_credentials(const Profile& p) {
  const TypeSpec* type = find_type(p.type);
  if (!type || !type->to_credentials) return usage_error(p.name + ": unknown type '" + p.type + "'");
  ResolvedCredentials r;
  if (type->key_provider) {
    auto keys = type->key_provider(p);
    if (!keys) return std::unexpected(keys.error());
    r.keys = std::move(*keys);
  }
  auto credentials = type->to_credentials(p);
  if (!credentials) return std::unexpected(credentials.error());
  r.credentials = std::move(*credentials);
  if (r.keys)
    if (auto ok = r.keys->fill(r.credentials, util::Clock::now()); !ok) return std::unexpected(ok.error());
  return r;
}

namespace credentials_of {

Result<auth::Credentials> none(const Profile&) { return auth::NoAuth{}; }

Result<auth::Credentials> basic(const Profile& p) {
  auto password = secret(p, "password");
  if (!password) return std::unexpected(password.error());
  return auth::BasicCredentials{p.field("username"), std::move(*password)};
}

Result<auth::Credentials> api_key(const Profile& p) {
  auto value = secret(p, "value");
  if (!value) return std::unexpected(value.error());
  auto in = p.field("in") == "query" ? auth::KeyLocation::query : auth::KeyLocation::header;
  return auth::ApiKeyCredentials{p.field("key"), std::move(*value), in};
}

Result<auth::Credentials> digest(const Profile& p) {
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

Result<auth::Credentials> aws_sigv4(const Profile& p) {
  auth::AwsCredentials a;
  // With --aws-profile the keys, the token and maybe the region come from the profile's key provider.
  if (p.field("aws-profile").empty()) {
    auto secret_key = secret(p, "secret-key");
    if (!secret_key) return std::unexpected(secret_key.error());
    a.access_key = p.field("access-key");
    a.secret_key = std::move(*secret_key);
  }
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

Result<auth::Credentials> oauth2(const Profile& p) {
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
  // By default the issuer (RFC 9207 section 2.4) is the authorization URL's origin, serialised.
  if (auto origin = util::origin_of(o.auth_url); o.issuer.empty() && origin) o.issuer = util::serialize(*origin);
  return o;
}

}  // namespace credentials_of

Result<std::optional<auth::SignatureCredentials>> to_signature(const Profile& p) {
  const TypeSpec* type = find_type(p.type);
  if (!type) return usage_error(p.name + ": unknown type '" + p.type + "'");
  std::string scheme_field(type->signature_field), secret_field(type->signature_secret_field);
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
