#include "auth/payload_signature.hpp"

#include <algorithm>
#include <charconv>

#include "auth/crypto.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {

using std::chrono::seconds;

// A Unix timestamp: digits only, as every scheme here sends it.
std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || text.size() > 12 || ec != std::errc() || ptr != text.data() + text.size() || text[0] == '-')
    return std::nullopt;
  return v;
}

// Standard Webhooks keys: the prefix, then base64 (a missing whsec_ prefix is accepted, as the
// specification's libraries accept it).
enum class KeyKind { hmac, ed25519_private, ed25519_public };
struct Key {
  KeyKind kind;
  std::string bytes;  // the HMAC key, the Ed25519 seed, or the public key
};

Result<Key> standard_key(std::string_view secret, std::size_t position) {
  std::string where = "signature secret " + std::to_string(position);
  KeyKind kind = KeyKind::hmac;
  std::string_view text = secret;
  if (text.starts_with("whsec_")) {
    text.remove_prefix(6);
  } else if (text.starts_with("whsk_")) {
    kind = KeyKind::ed25519_private;
    text.remove_prefix(5);
  } else if (text.starts_with("whpk_")) {
    kind = KeyKind::ed25519_public;
    text.remove_prefix(5);
  }
  auto raw = crypto::base64_decode(text);
  if (!raw) return usage_error(where + ": not valid base64 after its whsec_/whsk_/whpk_ prefix");
  if (kind == KeyKind::hmac && (raw->size() < 24 || raw->size() > 64))
    return usage_error(where + ": a whsec_ secret is 24 to 64 bytes, this one is " + std::to_string(raw->size()));
  if (kind == KeyKind::ed25519_private) {
    // A 32-byte seed, or the 64-byte seed||public form that libsodium calls a secret key.
    if (raw->size() != 32 && raw->size() != 64)
      return usage_error(where + ": a whsk_ key is a 32-byte Ed25519 seed (or 64 bytes with its public key)");
    raw->resize(32);
  }
  if (kind == KeyKind::ed25519_public && raw->size() != 32)
    return usage_error(where + ": a whpk_ key is a 32-byte Ed25519 public key");
  return Key{kind, std::move(*raw)};
}

std::string hmac_of(const HmacForm& form, std::string_view key, std::string_view content) {
  std::string mac = form.sha512 ? crypto::hmac_sha512(key, content) : crypto::hmac_sha256(key, content);
  return form.prefix + (form.base64 ? crypto::base64_encode(mac) : crypto::hex_encode(mac));
}

// One pass over the template, so a placeholder inside a value (an id holding "{body}") is kept
// as it is.
std::string expand(const HmacForm& form, std::string_view timestamp, std::string_view id, std::string_view body) {
  std::string out;
  std::string_view t = form.content;
  while (!t.empty()) {
    if (t.starts_with("{timestamp}")) {
      out += timestamp;
      t.remove_prefix(11);
    } else if (t.starts_with("{id}")) {
      out += id;
      t.remove_prefix(4);
    } else if (t.starts_with("{body}")) {
      out += body;
      t.remove_prefix(6);
    } else {
      out.push_back(t.front());
      t.remove_prefix(1);
    }
  }
  return out;
}

bool uses(const HmacForm& form, std::string_view field) { return form.content.find(field) != std::string::npos; }

std::string stripe_content(std::string_view t, std::string_view body) {
  return std::string(t) + "." + std::string(body);
}

constexpr std::string_view mismatch = "the body or the secret differs from what the sender signed";

}  // namespace

std::string_view scheme_name(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::standard_webhooks:
      return "standard-webhooks";
    case SignatureScheme::github:
      return "github";
    case SignatureScheme::stripe:
      return "stripe";
    case SignatureScheme::hmac:
      return "hmac";
  }
  return "";
}

std::optional<SignatureScheme> parse_scheme(std::string_view name) {
  for (auto s :
       {SignatureScheme::standard_webhooks, SignatureScheme::github, SignatureScheme::stripe, SignatureScheme::hmac})
    if (scheme_name(s) == name) return s;
  return std::nullopt;
}

Result<void> check_secrets(const SignatureCredentials& c) {
  if (c.secrets.empty()) return usage_error("a payload signature needs a secret");
  for (std::size_t i = 0; i < c.secrets.size(); ++i) {
    if (c.secrets[i].empty()) return usage_error("signature secret " + std::to_string(i + 1) + " is empty");
    if (c.scheme == SignatureScheme::standard_webhooks)
      if (auto key = standard_key(c.secrets[i], i + 1); !key) return std::unexpected(key.error());
  }
  return {};
}

Result<void> sign_payload(const SignatureCredentials& c, Request& request, util::Clock::time_point now,
                          const std::string& id, SignatureSteps* steps) {
  if (auto ok = check_secrets(c); !ok) return ok;
  std::string ts = std::to_string(util::unix_seconds(now));
  const std::string& body = request.body;
  SignatureSteps local;
  SignatureSteps& out = steps ? *steps : local;
  switch (c.scheme) {
    case SignatureScheme::standard_webhooks: {
      if (id.empty() || id.find('.') != std::string::npos)
        return usage_error("a Standard Webhooks message id must be non-empty and hold no '.'");
      out.content = id + "." + ts + "." + body;
      std::string header;
      for (std::size_t i = 0; i < c.secrets.size(); ++i) {
        auto key = standard_key(c.secrets[i], i + 1);
        if (!key) return std::unexpected(key.error());
        std::string entry;
        if (key->kind == KeyKind::hmac) {
          entry = "v1," + crypto::base64_encode(crypto::hmac_sha256(key->bytes, out.content));
        } else if (key->kind == KeyKind::ed25519_private) {
          auto sig = crypto::ed25519_sign(key->bytes, out.content);
          if (!sig) return std::unexpected(sig.error());
          entry = "v1a," + crypto::base64_encode(*sig);
        } else {
          return usage_error("signature secret " + std::to_string(i + 1) + ": a whpk_ public key cannot sign");
        }
        out.signatures.push_back(entry);
        header += (header.empty() ? "" : " ") + entry;
      }
      request.headers.set("webhook-id", id);
      request.headers.set("webhook-timestamp", ts);
      request.headers.set("webhook-signature", header);
      return {};
    }
    case SignatureScheme::github: {
      // GitHub sends one signature: the first secret's.
      out.content = body;
      std::string value = "sha256=" + crypto::hex_encode(crypto::hmac_sha256(c.secrets.front(), body));
      out.signatures.push_back(value);
      request.headers.set("X-Hub-Signature-256", value);
      return {};
    }
    case SignatureScheme::stripe: {
      out.content = stripe_content(ts, body);
      std::string value = "t=" + ts;
      for (const auto& secret : c.secrets) {
        std::string sig = crypto::hex_encode(crypto::hmac_sha256(secret, out.content));
        out.signatures.push_back("v1=" + sig);
        value += ",v1=" + sig;
      }
      request.headers.set("Stripe-Signature", value);
      return {};
    }
    case SignatureScheme::hmac: {
      out.content = expand(c.hmac, ts, id, body);
      std::string value = hmac_of(c.hmac, c.secrets.front(), out.content);
      out.signatures.push_back(value);
      if (uses(c.hmac, "{timestamp}")) request.headers.set(c.hmac.timestamp_header, ts);
      if (uses(c.hmac, "{id}")) request.headers.set(c.hmac.id_header, id);
      request.headers.set(c.hmac.header, value);
      return {};
    }
  }
  return {};
}

Admission ReplayBook::admit(const std::string& id, util::Clock::time_point now, util::Clock::time_point until) {
  auto key = ExpiringSet::key_of(id);
  std::lock_guard lock(mutex_);
  return seen_.add(key, now, until);
}

std::size_t ReplayBook::size() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
}

namespace {

// The timestamp check every timed scheme shares; an empty reason when it passes.
std::string check_time(std::string_view header, std::string_view text, const PayloadCheck& check,
                       std::int64_t* out = nullptr) {
  auto ts = parse_timestamp(text);
  if (!ts) return std::string(header) + " '" + util::printable(text.substr(0, 40)) + "' is not a Unix timestamp";
  if (out) *out = *ts;
  if (!check.tolerance) return "";
  std::int64_t skew = util::unix_seconds(check.now) - *ts;
  if (skew > check.tolerance->count() || -skew > check.tolerance->count())
    return std::string(header) + " is " + std::to_string(skew < 0 ? -skew : skew) + " s " +
           (skew < 0 ? "ahead of" : "behind") + " this clock, outside the tolerance of " +
           std::to_string(check.tolerance->count()) + " s";
  return "";
}

// Refuses an id already in the book. A message stays acceptable until its timestamp plus the
// tolerance (check_time), which for one dated ahead of this clock is later than receipt plus the
// tolerance: the id is kept until the later of the two. Without a tolerance any timestamp passes, so
// the id is kept a day after receipt (replay_window_without_tolerance) and the timestamp cannot make
// the book hold it for longer. A full book refuses the message: it could not refuse its replay.
// A scheme without a message id (Stripe, an hmac form that signs a timestamp but no id) is keyed by
// what it signs, the timestamp and the body: a request sent again byte for byte is its replay.
std::string replayed(const std::string& id, std::optional<std::int64_t> timestamp, const PayloadCheck& check,
                     bool keyed_by_content = false) {
  if (!check.replays) return "";
  util::Clock::duration window = check.tolerance ? *check.tolerance : replay_window_without_tolerance;
  auto until = check.now + window;
  // check_time compares whole seconds, so the timestamp's last accepted second ends 1 s after it.
  if (timestamp && check.tolerance)
    until = std::max(until, util::Clock::time_point(seconds(*timestamp)) + *check.tolerance + seconds(1));
  switch (check.replays->admit(id, check.now, until)) {
    case Admission::first:
      return "";
    case Admission::replay:
      return keyed_by_content ? "the same timestamp and body were seen before: a replay"
                              : "message id '" + util::printable(id) + "' was seen before: a replay";
    case Admission::full:
      return "the replay book is full (its limit of " + std::to_string(check.replays->capacity()) +
             " message ids, none yet expired): refused until some expire";
  }
  return "unknown replay book answer";
}

PayloadVerdict verify_standard(const SignatureCredentials& c, const Request& r, const PayloadCheck& check) {
  auto id = r.headers.get("webhook-id");
  auto ts = r.headers.get("webhook-timestamp");
  auto sig = r.headers.get("webhook-signature");
  if (!id || !ts || !sig) {
    std::string missing = !id ? "webhook-id" : !ts ? "webhook-timestamp" : "webhook-signature";
    return {false, "no " + missing + " header"};
  }
  // The sender refuses such an id (sign_payload): with a '.' in it, "id.timestamp.body" splits
  // another way, so a message signed for id m and body "<ts>.x" would verify again as id "m.<ts>"
  // and body "x", a new id for the replay book.
  if (id->empty() || id->find('.') != std::string::npos)
    return {false, "webhook-id '" + util::excerpt(*id) +
                       "' is empty or holds a '.', which makes the signed "
                       "id.timestamp.body ambiguous"};
  std::int64_t timestamp = 0;
  if (auto why = check_time("webhook-timestamp", *ts, check, &timestamp); !why.empty()) return {false, why};
  std::string content = *id + "." + *ts + "." + r.body;
  if (check.steps) check.steps->content = content;
  std::vector<Key> keys;
  for (std::size_t i = 0; i < c.secrets.size(); ++i) {
    auto key = standard_key(c.secrets[i], i + 1);
    if (!key) return {false, key.error().message};
    keys.push_back(std::move(*key));
  }
  std::string malformed;
  bool matched = false, any = false;
  for (auto entry : util::split(*sig, ' ')) {
    if (entry.empty()) continue;
    auto comma = entry.find(',');
    if (comma == std::string_view::npos) {
      malformed =
          "webhook-signature entry '" + util::printable(entry.substr(0, 20)) + "' has no ',' (expected v1,BASE64)";
      continue;
    }
    std::string_view version = entry.substr(0, comma);
    auto raw = crypto::base64_decode(entry.substr(comma + 1));
    if (!raw) {
      malformed = "webhook-signature entry for " + util::printable(version) + " is not valid base64";
      continue;
    }
    for (const auto& key : keys) {
      if (version == "v1" && key.kind == KeyKind::hmac) {
        any = true;
        matched |= crypto::constant_time_equal(*raw, crypto::hmac_sha256(key.bytes, content));
      } else if (version == "v1a" && key.kind != KeyKind::hmac) {
        any = true;
        std::string pub = key.bytes;
        if (key.kind == KeyKind::ed25519_private) {
          auto derived = crypto::ed25519_public_key(key.bytes);
          if (!derived) return {false, derived.error().message};
          pub = *derived;
        }
        matched |= crypto::ed25519_verify(pub, content, *raw);
      }
    }
  }
  if (matched) {
    if (auto why = replayed(*id, timestamp, check); !why.empty()) return {false, why};
    return {true, ""};
  }
  if (!any)
    return {
        false,
        malformed.empty()
            ? "webhook-signature has no signature of a version these secrets check (v1 for whsec_, v1a for whsk_/whpk_)"
            : malformed};
  return {false, "no webhook-signature matches: " + std::string(mismatch)};
}

PayloadVerdict verify_github(const SignatureCredentials& c, const Request& r, const PayloadCheck& check) {
  auto sig = r.headers.get("X-Hub-Signature-256");
  if (!sig) return {false, "no X-Hub-Signature-256 header"};
  std::string_view value = util::trim(*sig);
  if (!value.starts_with("sha256=") || value.size() != 7 + 64)
    return {false, "X-Hub-Signature-256 is not sha256= and 64 hex digits"};
  if (check.steps) check.steps->content = r.body;
  bool matched = false;
  std::string given = util::to_lower(value.substr(7));
  for (const auto& secret : c.secrets)
    matched |= crypto::constant_time_equal(given, crypto::hex_encode(crypto::hmac_sha256(secret, r.body)));
  if (!matched) return {false, "X-Hub-Signature-256 does not match: " + std::string(mismatch)};
  return {true, ""};
}

PayloadVerdict verify_stripe(const SignatureCredentials& c, const Request& r, const PayloadCheck& check) {
  auto sig = r.headers.get("Stripe-Signature");
  if (!sig) return {false, "no Stripe-Signature header"};
  std::optional<std::string> t;
  std::vector<std::string> v1;
  for (auto item : util::split(*sig, ',')) {
    item = util::trim(item);
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      return {false, "Stripe-Signature item '" + util::printable(item.substr(0, 20)) + "' has no '='"};
    if (item.substr(0, eq) == "t") t = std::string(item.substr(eq + 1));
    if (item.substr(0, eq) == "v1") v1.emplace_back(util::to_lower(item.substr(eq + 1)));
  }
  if (!t) return {false, "Stripe-Signature has no t= timestamp"};
  if (v1.empty()) return {false, "Stripe-Signature has no v1= signature"};
  if (auto why = check_time("Stripe-Signature t", *t, check); !why.empty()) return {false, why};
  std::string content = stripe_content(*t, r.body);
  if (check.steps) check.steps->content = content;
  bool matched = false;
  for (const auto& secret : c.secrets) {
    std::string expected = crypto::hex_encode(crypto::hmac_sha256(secret, content));
    for (const auto& given : v1) matched |= crypto::constant_time_equal(given, expected);
  }
  if (!matched) return {false, "no Stripe-Signature v1 matches: " + std::string(mismatch)};
  if (auto why = replayed("stripe " + content, parse_timestamp(*t), check, true); !why.empty()) return {false, why};
  return {true, ""};
}

PayloadVerdict verify_hmac(const SignatureCredentials& c, const Request& r, const PayloadCheck& check) {
  const HmacForm& f = c.hmac;
  auto sig = r.headers.get(f.header);
  if (!sig) return {false, "no " + f.header + " header"};
  std::string ts, id;
  std::optional<std::int64_t> timestamp;
  if (uses(f, "{timestamp}")) {
    auto header = r.headers.get(f.timestamp_header);
    if (!header) return {false, "no " + f.timestamp_header + " header"};
    std::int64_t parsed = 0;
    if (auto why = check_time(f.timestamp_header, *header, check, &parsed); !why.empty()) return {false, why};
    timestamp = parsed;
    ts = *header;
  }
  if (uses(f, "{id}")) {
    auto header = r.headers.get(f.id_header);
    if (!header) return {false, "no " + f.id_header + " header"};
    id = *header;
  }
  std::string_view value = util::trim(*sig);
  if (!value.starts_with(f.prefix)) return {false, f.header + " does not start with '" + f.prefix + "'"};
  std::string content = expand(f, ts, id, r.body);
  if (check.steps) check.steps->content = content;
  bool matched = false;
  for (const auto& secret : c.secrets) {
    std::string expected = hmac_of(f, secret, content);
    std::string given(value);
    if (!f.base64) given = f.prefix + util::to_lower(value.substr(f.prefix.size()));
    matched |= crypto::constant_time_equal(given, expected);
  }
  if (!matched) return {false, f.header + " does not match: " + std::string(mismatch)};
  if (!id.empty()) {
    if (auto why = replayed(id, timestamp, check); !why.empty()) return {false, why};
  } else if (timestamp) {
    if (auto why = replayed("hmac " + content, timestamp, check, true); !why.empty()) return {false, why};
  }
  return {true, ""};
}

}  // namespace

PayloadVerdict verify_payload(const SignatureCredentials& c, const Request& request, const PayloadCheck& check) {
  if (auto ok = check_secrets(c); !ok) return {false, ok.error().message};
  switch (c.scheme) {
    case SignatureScheme::standard_webhooks:
      return verify_standard(c, request, check);
    case SignatureScheme::github:
      return verify_github(c, request, check);
    case SignatureScheme::stripe:
      return verify_stripe(c, request, check);
    case SignatureScheme::hmac:
      return verify_hmac(c, request, check);
  }
  return {false, "unknown scheme"};
}

}  // namespace hookauth::auth
