// The catalogue of `webhook probe` checks: for each, when it applies and how its request is made.

#include <algorithm>
#include <cctype>

#include "auth/crypto.hpp"
#include "auth/sigv4.hpp"
#include "session/probe_catalogue.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace hookauth::session {

namespace {

using std::chrono::seconds;

// ---- when a check applies ----

Applicability always(const Authorization& a) { return {a.carries_credentials(), ""}; }
template <class C>
Applicability of_type(const Authorization& a) {
  return {std::holds_alternative<C>(a.credentials), ""};
}
Applicability basic(const Authorization& a) { return of_type<auth::BasicCredentials>(a); }
Applicability api_key(const Authorization& a) { return of_type<auth::ApiKeyCredentials>(a); }
Applicability sigv4(const Authorization& a) { return of_type<auth::AwsCredentials>(a); }

Applicability sigv4_signed_body(const Authorization& a) {
  const auto* aws = std::get_if<auth::AwsCredentials>(&a.credentials);
  if (!aws) return {};
  return {true,
          aws->unsigned_payload ? "the profile signs UNSIGNED-PAYLOAD: the body is not part of the signature" : ""};
}

Applicability api_key_with_letters(const Authorization& a) {
  const auto* k = std::get_if<auth::ApiKeyCredentials>(&a.credentials);
  if (!k) return {};
  bool letters = std::ranges::any_of(k->value, [](unsigned char c) { return std::isalpha(c) != 0; });
  return {true, letters ? "" : "the key has no letters"};
}

Applicability signature(const Authorization& a) { return {a.signature.has_value(), ""}; }

bool signs_timestamp(const auth::SignatureCredentials& s) {
  return s.scheme != auth::SignatureScheme::github &&
         (s.scheme != auth::SignatureScheme::hmac || s.hmac.content.find("{timestamp}") != std::string::npos);
}

Applicability signature_with_timestamp(const Authorization& a) {
  if (!a.signature) return {};
  return {true, signs_timestamp(*a.signature) ? "" : "the scheme signs no timestamp"};
}

Applicability signature_with_id_or_timestamp(const Authorization& a) {
  if (!a.signature) return {};
  bool id = a.signature->scheme == auth::SignatureScheme::standard_webhooks ||
            (a.signature->scheme == auth::SignatureScheme::hmac &&
             a.signature->hmac.content.find("{id}") != std::string::npos);
  return {true, signs_timestamp(*a.signature) || id
                    ? ""
                    : "the scheme signs neither an id nor a timestamp: a replay cannot be told apart"};
}

Applicability signature_versioned(const Authorization& a) {
  if (!a.signature) return {};
  auto s = a.signature->scheme;
  return {true, s == auth::SignatureScheme::standard_webhooks || s == auth::SignatureScheme::stripe
                    ? ""
                    : "the scheme's header carries no version"};
}

Applicability signature_rotation(const Authorization& a) {
  if (!a.signature) return {};
  return {true, a.signature->scheme == auth::SignatureScheme::standard_webhooks
                    ? ""
                    : "several signatures in one header are Standard Webhooks'"};
}

// ---- how a request is made ----

}  // namespace

Result<net::Signer> as_configured(ProbeContext& c) { return c.signer->message(); }

Result<net::Signer> no_credentials(ProbeContext&) {
  return net::Signer{[](auth::Request&) -> Result<void> { return {}; }, nullptr};
}

std::string random_hex(ProbeContext& c, std::size_t bytes) {
  auto r = c.deps.random_bytes(bytes);
  return r ? auth::crypto::hex_encode(*r) : std::string(bytes * 2, '0');
}

std::string wrong_like(ProbeContext& c, const std::string& secret) {
  std::string wrong = random_hex(c, secret.size() / 2 + 1).substr(0, std::max<std::size_t>(secret.size(), 8));
  if (wrong == secret) wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  return wrong;
}

void rewrite_header(auth::Request& r, const std::string& name, std::string_view from, std::string_view to) {
  auto v = r.headers.get(name);
  if (!v) return;
  std::string value = *v;
  for (auto at = value.find(from); at != std::string::npos; at = value.find(from, at + to.size()))
    value.replace(at, from.size(), to);
  r.headers.set(name, value);
}

namespace {

Result<net::Signer> with_basic(ProbeContext& c, const std::function<void(auth::BasicCredentials&)>& change) {
  return altered_signer(c, [&](Authorization& a) { change(std::get<auth::BasicCredentials>(a.credentials)); });
}

Result<net::Signer> with_key(ProbeContext& c, const std::function<void(auth::ApiKeyCredentials&)>& change) {
  return altered_signer(c, [&](Authorization& a) { change(std::get<auth::ApiKeyCredentials>(a.credentials)); });
}

Result<net::Signer> with_aws(ProbeContext& c, const std::function<void(auth::AwsCredentials&)>& change,
                             seconds shift = seconds(0)) {
  return altered_signer(
      c,
      [&](Authorization& a) {
        a.keys = nullptr;  // the altered keys are signed with, not an AWS profile's fresh ones
        change(std::get<auth::AwsCredentials>(a.credentials));
      },
      shift);
}

// The header that carries the payload signature.
std::string signature_header(const auth::SignatureCredentials& s) {
  switch (s.scheme) {
    case auth::SignatureScheme::standard_webhooks:
      return "webhook-signature";
    case auth::SignatureScheme::github:
      return "X-Hub-Signature-256";
    case auth::SignatureScheme::stripe:
      return "Stripe-Signature";
    case auth::SignatureScheme::hmac:
      return s.hmac.header;
  }
  return "";
}

// A secret of the same kind (the prefix of a Standard Webhooks key kept) that is not the profile's.
std::string wrong_secret(ProbeContext& c, const std::string& secret) {
  for (std::string_view prefix : {"whsec_", "whsk_"})
    if (secret.starts_with(prefix)) {
      auto bytes = c.deps.random_bytes(32);
      return std::string(prefix) + auth::crypto::base64_encode(bytes ? *bytes : std::string(32, 'x'));
    }
  return wrong_like(c, secret);
}

void tamper_body(auth::Request& r) { r.body = r.body.empty() ? "{}" : r.body + " "; }

std::string shifted_digits(const std::string& digits, int by) {
  try {
    return std::to_string(std::stoll(digits) + by);
  } catch (const std::exception&) {
    return digits + "0";
  }
}

// Moves the signed timestamp by a few seconds, keeping the signature.
void swap_timestamp(const auth::SignatureCredentials& s, auth::Request& r) {
  if (s.scheme == auth::SignatureScheme::stripe) {
    auto v = r.headers.get("Stripe-Signature").value_or("");
    auto t = v.find("t=");
    auto end = v.find(',', t);
    if (t == std::string::npos) return;
    r.headers.set("Stripe-Signature", v.substr(0, t + 2) + shifted_digits(v.substr(t + 2, end - t - 2), 5) +
                                          (end == std::string::npos ? "" : v.substr(end)));
    return;
  }
  std::string header =
      s.scheme == auth::SignatureScheme::standard_webhooks ? "webhook-timestamp" : s.hmac.timestamp_header;
  if (auto v = r.headers.get(header)) r.headers.set(header, shifted_digits(*v, 5));
}

std::string flip_case(std::string s) {
  for (char& ch : s) {
    auto u = static_cast<unsigned char>(ch);
    ch = static_cast<char>(std::islower(u) ? std::toupper(u) : std::tolower(u));
  }
  return s;
}

// The last path segment gains a slash: the same resource to most routers, another canonical URI.
void tamper_path(auth::Request& r) {
  auto end = r.url.find_first_of("?#", r.url.find("://") + 3);
  r.url.insert(end == std::string::npos ? r.url.size() : end, "/");
}

void tamper_query(auth::Request& r) {
  auto hash = r.url.find('#');
  std::string fragment = hash == std::string::npos ? "" : r.url.substr(hash);
  r.url = r.url.substr(0, hash) + (r.url.find('?') == std::string::npos ? "?" : "&") + "hookauth-probe=1" + fragment;
}

// A signed header other than Host changed: one the profile signs, else X-Amz-Date moved by a second.
void tamper_signed_header(const auth::AwsCredentials& aws, auth::Request& r) {
  for (const auto& h : aws.sign_headers)
    if (h != "host" && r.headers.has(h)) {
      r.headers.set(h, r.headers.get(h).value_or("") + " ");
      return;
    }
  auto date = r.headers.get("X-Amz-Date");
  if (!date || date->size() != 16) return;
  auto t = util::parse_time(*date);
  if (t) r.headers.set("X-Amz-Date", auth::amz_date(*t + seconds(1)));
}

const char* const rfc7617 = "RFC 7617 section 2";
const char* const sigv4_doc = "AWS Signature Version 4 (IAM User Guide, signing requests)";
const char* const standard = "Standard Webhooks 1.0, Verifying webhooks";

// clang-format off
const std::vector<ProbeCheck> common_checks = {
    {"baseline", ProbeLevel::must, ProbeExpect::accepted, "", "the request signed as the profile says", "the profile",
     always, as_configured},
    {"no-credentials", ProbeLevel::must, ProbeExpect::refused, "", "no authorization of any kind", "RFC 9110 section 11.6.2",
     always, no_credentials},

};

const std::vector<ProbeCheck> basic_checks = {
    {"basic-wrong-password", ProbeLevel::must, ProbeExpect::refused, "", "another password", rfc7617, basic,
     [](ProbeContext& c) { return with_basic(c, [&](auto& b) { b.password = wrong_like(c, b.password); }); }},
    {"basic-wrong-user", ProbeLevel::must, ProbeExpect::refused, "", "another user-id, the right password", rfc7617, basic,
     [](ProbeContext& c) { return with_basic(c, [&](auto& b) { b.username = "probe-" + random_hex(c, 4); }); }},
    {"basic-password-prefix", ProbeLevel::must, ProbeExpect::refused, "", "the password minus its last character",
     rfc7617, basic,
     [](ProbeContext& c) { return with_basic(c, [](auto& b) { b.password.pop_back(); }); }},
    {"basic-password-longer", ProbeLevel::must, ProbeExpect::refused, "", "the password and one more character",
     rfc7617, basic,
     [](ProbeContext& c) { return with_basic(c, [](auto& b) { b.password += b.password.back() == 'x' ? 'y' : 'x'; }); }},
    {"basic-scheme-case", ProbeLevel::should, ProbeExpect::accepted, "", "the scheme written 'basic'",
     "RFC 9110 section 11.1", basic,
     [](ProbeContext& c) { return then(c, [](auth::Request& r) { rewrite_header(r, "Authorization", "Basic ", "basic "); }); }},
    {"basic-challenge", ProbeLevel::should, ProbeExpect::challenge, "Basic", "no credentials",
     "RFC 9110 section 11.6.1", basic, no_credentials},

};

const std::vector<ProbeCheck> api_key_checks = {
    {"apikey-missing", ProbeLevel::must, ProbeExpect::refused, "", "no key", "the profile", api_key,
     [](ProbeContext& c) { return altered_signer(c, [](Authorization& a) { a.credentials = auth::NoAuth{}; }); }},
    {"apikey-wrong", ProbeLevel::must, ProbeExpect::refused, "", "another key of the same length", "the profile", api_key,
     [](ProbeContext& c) { return with_key(c, [&](auto& k) { k.value = wrong_like(c, k.value).substr(0, std::max<std::size_t>(k.value.size(), 1)); }); }},
    {"apikey-prefix", ProbeLevel::must, ProbeExpect::refused, "", "the key minus its last character", "the profile",
     api_key, [](ProbeContext& c) { return with_key(c, [](auto& k) { k.value.pop_back(); }); }},
    {"apikey-longer", ProbeLevel::must, ProbeExpect::refused, "", "the key and one more character", "the profile",
     api_key, [](ProbeContext& c) { return with_key(c, [](auto& k) { k.value += k.value.back() == 'x' ? 'y' : 'x'; }); }},
    {"apikey-case", ProbeLevel::must, ProbeExpect::refused, "", "the key with its letter case flipped", "the profile",
     api_key_with_letters, [](ProbeContext& c) { return with_key(c, [](auto& k) { k.value = flip_case(k.value); }); }},
    {"apikey-other-place", ProbeLevel::should, ProbeExpect::refused, "",
     "the key in the query instead of the header, or the reverse", "RFC 9700 section 4.3.2 (keys in URLs are logged)",
     api_key,
     [](ProbeContext& c) {
       return with_key(c, [](auto& k) {
         k.in = k.in == auth::KeyLocation::header ? auth::KeyLocation::query : auth::KeyLocation::header;
       });
     }},

};

const std::vector<ProbeCheck> sigv4_checks = {
    {"sigv4-wrong-secret", ProbeLevel::must, ProbeExpect::refused, "", "signed with another secret key", sigv4_doc, sigv4,
     [](ProbeContext& c) { return with_aws(c, [&](auto& a) { a.secret_key = wrong_like(c, a.secret_key); }); }},
    {"sigv4-tampered-body", ProbeLevel::must, ProbeExpect::refused, "", "the body changed after signing", sigv4_doc,
     sigv4_signed_body, [](ProbeContext& c) { return then(c, tamper_body); }},
    {"sigv4-tampered-path", ProbeLevel::must, ProbeExpect::refused, "", "a '/' added to the path after signing",
     sigv4_doc, sigv4, [](ProbeContext& c) { return then(c, tamper_path); }},
    {"sigv4-tampered-query", ProbeLevel::must, ProbeExpect::refused, "", "a query parameter added after signing",
     sigv4_doc, sigv4, [](ProbeContext& c) { return then(c, tamper_query); }},
    {"sigv4-tampered-method", ProbeLevel::must, ProbeExpect::refused, "", "another method than the one signed", sigv4_doc,
     sigv4,
     [](ProbeContext& c) { return then(c, [](auth::Request& r) { r.method = r.method == "PUT" ? "POST" : "PUT"; }); }},
    {"sigv4-tampered-signed-header", ProbeLevel::must, ProbeExpect::refused, "", "a signed header changed after signing",
     sigv4_doc, sigv4,
     [](ProbeContext& c) {
       auto aws = std::get<auth::AwsCredentials>(c.authorization.credentials);
       return then(c, [aws](auth::Request& r) { tamper_signed_header(aws, r); });
     }},
    {"sigv4-missing-date", ProbeLevel::must, ProbeExpect::refused, "", "X-Amz-Date removed", sigv4_doc, sigv4,
     [](ProbeContext& c) { return then(c, [](auth::Request& r) { r.headers.remove("X-Amz-Date"); }); }},
    {"sigv4-stale-date", ProbeLevel::must, ProbeExpect::refused, "", "signed correctly 16 minutes ago", sigv4_doc, sigv4,
     [](ProbeContext& c) { return with_aws(c, [](auto&) {}, -seconds(16 * 60)); }},
    {"sigv4-future-date", ProbeLevel::must, ProbeExpect::refused, "", "signed correctly 16 minutes ahead", sigv4_doc,
     sigv4, [](ProbeContext& c) { return with_aws(c, [](auto&) {}, seconds(16 * 60)); }},
    {"sigv4-wrong-scope", ProbeLevel::must, ProbeExpect::refused, "", "signed correctly for another region", sigv4_doc,
     sigv4,
     [](ProbeContext& c) {
       return with_aws(c, [](auto& a) { a.region = a.region == "us-east-1" ? "eu-west-1" : "us-east-1"; });
     }},
    {"sigv4-unsigned-header-added", ProbeLevel::should, ProbeExpect::accepted, "", "an unsigned header added",
     sigv4_doc, sigv4,
     [](ProbeContext& c) { return then(c, [](auth::Request& r) { r.headers.set("X-Hookauth-Probe-Extra", "1"); }); }},

};

const std::vector<ProbeCheck> signature_checks = {
    {"sig-missing", ProbeLevel::must, ProbeExpect::refused, "", "the signature header removed", standard, signature,
     [](ProbeContext& c) {
       return then(c, [h = signature_header(*c.authorization.signature)](auth::Request& r) { r.headers.remove(h); });
     }},
    {"sig-tampered-body", ProbeLevel::must, ProbeExpect::refused, "", "the body changed after signing", standard,
     signature, [](ProbeContext& c) { return then(c, tamper_body); }},
    {"sig-wrong-secret", ProbeLevel::must, ProbeExpect::refused, "", "signed with another secret", standard, signature,
     [](ProbeContext& c) {
       return altered_signer(c, [&](Authorization& a) {
         for (auto& s : a.signature->secrets) s = wrong_secret(c, s);
       });
     }},
    {"sig-unknown-version", ProbeLevel::must, ProbeExpect::refused, "", "only a v2 signature", standard,
     signature_versioned,
     [](ProbeContext& c) {
       return then(c, [scheme = c.authorization.signature->scheme](auth::Request& r) {
         if (scheme == auth::SignatureScheme::stripe) {
           rewrite_header(r, "Stripe-Signature", "v1=", "v2=");
         } else {
           rewrite_header(r, "webhook-signature", "v1a,", "v2,");
           rewrite_header(r, "webhook-signature", "v1,", "v2,");
         }
       });
     }},
    {"sig-stale-timestamp", ProbeLevel::must, ProbeExpect::refused, "", "signed correctly 10 minutes ago", standard,
     signature_with_timestamp,
     [](ProbeContext& c) { return altered_signer(c, [](Authorization&) {}, -seconds(600)); }},
    {"sig-future-timestamp", ProbeLevel::must, ProbeExpect::refused, "", "signed correctly 10 minutes ahead", standard,
     signature_with_timestamp,
     [](ProbeContext& c) { return altered_signer(c, [](Authorization&) {}, seconds(600)); }},
    {"sig-timestamp-swapped", ProbeLevel::must, ProbeExpect::refused, "", "the timestamp moved 5 s, the signature kept",
     standard, signature_with_timestamp,
     [](ProbeContext& c) {
       return then(c, [s = *c.authorization.signature](auth::Request& r) { swap_timestamp(s, r); });
     }},
    {"sig-replay", ProbeLevel::should, ProbeExpect::refused, "", "the baseline request again, byte for byte", standard,
     signature_with_id_or_timestamp,
     [](ProbeContext& c) -> Result<net::Signer> {
       if (!c.baseline) return usage_error("sig-replay: no baseline request to send again");
       return net::Signer{[baseline = *c.baseline](auth::Request& r) -> Result<void> {
                            r = baseline;
                            return {};
                          },
                          nullptr};
     }},
    {"sig-rotation", ProbeLevel::should, ProbeExpect::accepted, "",
     "two signatures, the first from another secret", standard, signature_rotation,
     [](ProbeContext& c) {
       return altered_signer(c, [&](Authorization& a) {
         auto& secrets = a.signature->secrets;
         secrets.insert(secrets.begin(), wrong_secret(c, secrets.front()));
       });
     }},
};
// clang-format on

}  // namespace

const std::vector<ProbeCheck>& probe_checks() {
  static const std::vector<ProbeCheck> all = [] {
    std::vector<ProbeCheck> out;
    for (const auto* part : {&common_checks, &basic_checks, &api_key_checks, &digest_probe_checks(), &sigv4_checks,
                             &bearer_probe_checks(), &signature_checks})
      out.insert(out.end(), part->begin(), part->end());
    return out;
  }();
  return all;
}

}  // namespace hookauth::session
