// The receiver's side of Digest: issuing challenges and checking answers (RFC 7616).

#include <algorithm>
#include <charconv>
#include <expected>
#include <map>
#include <optional>
#include <string>

#include "auth/digest.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {

std::string realm_of(const DigestCredentials& c) {
  return c.realm.empty() ? std::string(default_digest_realm) : c.realm;
}

std::vector<std::string> offered_algorithms(const DigestCredentials& c) {
  return c.algorithms.empty() ? std::vector<std::string>{"MD5"} : c.algorithms;
}

// The qops a receiver offers: the profile's list, "auth" by default, none for "none".
std::vector<std::string> offered_qops(const DigestCredentials& c) {
  if (c.qop == "none") return {};
  if (c.qop.empty()) return {"auth"};
  std::vector<std::string> out;
  for (auto q : util::split(c.qop, ',')) {
    auto t = util::to_lower(util::trim(q));
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

std::vector<std::string> challenges(const DigestCredentials& c, const VerifyContext& ctx, bool stale) {
  if (!ctx.digest_nonces) return {};
  std::string realm = realm_of(c);
  std::string nonce = make_digest_nonce(ctx.digest_nonces->key(), ctx.now, ctx.digest_nonces->next_serial(), realm);
  std::string qops;
  for (const auto& q : offered_qops(c)) qops += (qops.empty() ? "" : ", ") + q;
  std::string opaque = crypto::hex_encode(crypto::sha256(ctx.digest_nonces->key() + realm)).substr(0, 32);
  std::vector<std::string> out;
  for (const auto& alg : offered_algorithms(c)) {
    std::string h = "Digest realm=" + quote(realm);
    if (!qops.empty()) h += ", qop=" + quote(qops);
    h += ", algorithm=" + alg + ", nonce=" + quote(nonce) + ", opaque=" + quote(opaque) + ", charset=UTF-8";
    if (c.userhash) h += ", userhash=true";
    if (stale) h += ", stale=true";
    out.push_back(std::move(h));
  }
  return out;
}

struct NonceCheck {
  bool issued = false;
  bool expired = false;
  // The end of the last second in which the nonce is accepted (its issue time plus the lifetime):
  // how long the nonce book must hold its counts.
  util::Clock::time_point until{};
};

NonceCheck check_nonce(const std::string& nonce, const std::string& realm, const VerifyContext& ctx) {
  auto parts = util::split(nonce, '.');
  if (parts.size() != 3) return {};
  long long issued_at = 0;
  std::uint64_t serial = 0;
  auto [p1, e1] = std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), issued_at, 16);
  auto [p2, e2] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), serial, 16);
  if (e1 != std::errc() || p1 != parts[0].data() + parts[0].size() || e2 != std::errc() ||
      p2 != parts[1].data() + parts[1].size() || issued_at < 0 || issued_at > (1LL << 34))
    return {};
  auto expected = make_digest_nonce(ctx.digest_nonces->key(), util::Clock::time_point(std::chrono::seconds(issued_at)),
                                    serial, realm);
  if (!crypto::constant_time_equal(expected, nonce)) return {};
  auto now = util::unix_seconds(ctx.now);
  auto lifetime = ctx.digest_nonces->lifetime().count();
  bool expired = now - issued_at > lifetime || issued_at - now > 60;
  return {true, expired, util::Clock::time_point(std::chrono::seconds(issued_at + lifetime + 1))};
}

// username* (RFC 8187): UTF-8''percent-encoded.
std::optional<std::string> decode_ext_value(const std::string& v) {
  auto q = v.find("''");
  if (q == std::string::npos || !util::iequals(v.substr(0, q), "UTF-8")) return std::nullopt;
  return util::percent_decode(v.substr(q + 2));
}

}  // namespace

std::string make_digest_nonce(const std::string& key, util::Clock::time_point now, std::uint64_t serial,
                              std::string_view realm) {
  char ts[32], sn[32];
  auto secs = util::unix_seconds(now);
  auto [end, ec] = std::to_chars(ts, ts + sizeof ts, secs, 16);
  auto [send, ec2] = std::to_chars(sn, sn + sizeof sn, serial, 16);
  std::string stamp = std::string(ts, end) + "." + std::string(sn, send);
  return stamp + "." + crypto::base64_encode(crypto::hmac_sha256(key, stamp + ":" + std::string(realm)));
}

namespace {

// The parameters of a Digest Authorization (RFC 7616 section 3.4); an absent one reads as "".
struct DigestParams {
  std::map<std::string, std::string> values;

  bool has(const char* name) const { return values.contains(name); }
  std::string get(const char* name) const {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  }
};

// What the stages have checked so far, for the stages after them.
struct DigestClaim {
  DigestAlgorithm algorithm;
  std::string realm;
  bool userhash = false;
  std::string uri;
  std::string qop;
  std::uint32_t nc = 0;
  NonceCheck nonce;
};

// A refusal: its reason, and whether the challenges sent with it say stale=true (RFC 7616 section 3.3).
struct DigestRefusal {
  std::string reason;
  bool stale = false;
};

// Reads the Digest credentials of the Authorization header and checks that the required parameters
// are there (RFC 7616 section 3.4); the reason when the header is missing, malformed or incomplete.
std::expected<DigestParams, std::string> read_digest_params(const Request& request) {
  auto header = request.headers.get("Authorization");
  if (!header) return std::unexpected("no Authorization header");
  auto parsed = parse_credentials(*header);
  if (!parsed) return std::unexpected("malformed Digest credentials: " + parsed.error().message);
  if (!util::iequals(parsed->scheme, "Digest"))
    return std::unexpected("Authorization has " + scheme_for_display(*header) + ", expected 'Digest'");
  DigestParams p{std::move(parsed->params)};
  for (const char* required : {"realm", "nonce", "uri", "response"})
    if (!p.has(required)) return std::unexpected(std::string("Digest credentials have no ") + required);
  if (!p.has("username") && !p.has("username*")) return std::unexpected("Digest credentials have no username");
  return p;
}

// Checks the username against the profile's, hashed with userhash=true (RFC 7616 section 3.4.4) or
// sent as username* (RFC 7616 section 4, RFC 8187); sets claim.userhash.
std::optional<std::string> check_digest_username(const DigestCredentials& c, const DigestParams& p,
                                                 DigestClaim& claim) {
  claim.userhash = util::iequals(p.get("userhash"), "true");
  std::string username;
  if (p.has("username*")) {
    if (claim.userhash) return "username* cannot be used with userhash";
    auto decoded = decode_ext_value(p.get("username*"));
    if (!decoded) return "username* is not UTF-8''-encoded";
    username = *decoded;
  } else {
    username = p.get("username");
  }
  std::string expected_user =
      claim.userhash ? crypto::hash_hex(claim.algorithm.hash, c.username + ":" + claim.realm) : c.username;
  if (!crypto::constant_time_equal(username, expected_user)) return "unknown username";
  return std::nullopt;
}

// Checks the algorithm, realm, username and uri (RFC 7616 section 3.4, the uri as section 3.4.6
// asks); fills claim's algorithm, realm, userhash and uri.
std::optional<std::string> check_digest_scope(const DigestCredentials& c, const Request& request, const DigestParams& p,
                                              DigestClaim& claim) {
  std::string alg_name = p.has("algorithm") ? p.get("algorithm") : "MD5";
  auto alg = parse_digest_algorithm(alg_name);
  bool offered_alg = false;
  for (const auto& o : offered_algorithms(c))
    if (alg && parse_digest_algorithm(o) == alg) offered_alg = true;
  if (!offered_alg) return "algorithm " + util::excerpt(alg_name) + " was not offered";
  claim.algorithm = *alg;

  claim.realm = realm_of(c);
  if (p.get("realm") != claim.realm)
    return "realm \"" + util::excerpt(p.get("realm")) + "\" is not \"" + claim.realm + "\"";
  if (auto refused = check_digest_username(c, p, claim)) return refused;

  auto target = split_target(request.url);
  std::string origin_form = target.path + (target.query.empty() ? "" : "?" + target.query);
  claim.uri = p.get("uri");
  if (claim.uri != request.url && claim.uri != origin_form)
    return "uri \"" + util::excerpt(claim.uri) + "\" is not the request target \"" + util::excerpt(origin_form) + "\"";
  return std::nullopt;
}

// Checks qop against the offered ones, and with a qop the nonce count and cnonce (RFC 7616 section
// 3.4); fills claim's qop and nc.
std::optional<std::string> check_digest_qop(const DigestCredentials& c, const VerifyContext& ctx, const DigestParams& p,
                                            DigestClaim& claim) {
  claim.qop = util::to_lower(p.get("qop"));
  auto qops = offered_qops(c);
  if (claim.qop.empty()) {
    if (!qops.empty() && c.qop != "") return "no qop, but the receiver requires one of its offered qops";
    // A qop downgrade (RFC 7616 section 3.3 offers qop): refused offline too, as `verify serve` does,
    // except for a nonce shared in advance by a profile without a qop, whose preshared challenge
    // (preshared_challenge) offers none, so its sender answers as RFC 2069.
    bool preshared_without_qop = !ctx.digest_nonces && !c.nonce.empty();
    if (!qops.empty() && !preshared_without_qop) return "no qop, but the receiver offered qop " + qops.front();
    return std::nullopt;
  }
  if (std::find(qops.begin(), qops.end(), claim.qop) == qops.end())
    return "qop " + util::excerpt(claim.qop) + " was not offered";
  std::string nc_text = p.get("nc");
  auto [ptr, ec] = std::from_chars(nc_text.data(), nc_text.data() + nc_text.size(), claim.nc, 16);
  if (nc_text.size() != 8 || ec != std::errc() || ptr != nc_text.data() + nc_text.size())
    return "nc \"" + util::excerpt(nc_text) + "\" is not 8 hex digits";
  // Section 3.4: the count of requests sent with this nonce, this one included: 00000001 first.
  if (claim.nc == 0) return "nc 00000000: the nonce count starts at 00000001";
  if (p.get("cnonce").empty()) return "qop " + claim.qop + " needs a cnonce";
  return std::nullopt;
}

// Checks that the nonce is one this receiver issued (RFC 7616 section 3.3), or without a nonce book
// the profile's shared nonce; fills claim.nonce (whether it expired is checked after the response).
std::optional<std::string> check_digest_nonce(const DigestCredentials& c, const VerifyContext& ctx,
                                              const DigestParams& p, DigestClaim& claim) {
  std::string nonce = p.get("nonce");
  if (ctx.digest_nonces) {
    claim.nonce = check_nonce(nonce, claim.realm, ctx);
    if (!claim.nonce.issued) return "nonce was not issued by this receiver";
  } else if (!c.nonce.empty() && nonce != c.nonce) {
    return "nonce is not the profile's shared nonce";
  }
  return std::nullopt;
}

// Checks the response against the one computed from the profile's password (RFC 7616 section
// 3.4.1); a wrong auth-int response computed over an empty body says so.
std::optional<std::string> check_digest_response(const DigestCredentials& c, const Request& request,
                                                 const DigestParams& p, const DigestClaim& claim) {
  DigestChallenge ch;
  ch.realm = claim.realm;
  ch.nonce = p.get("nonce");
  ch.algorithm = claim.algorithm;
  if (!claim.qop.empty()) ch.qops = {claim.qop};
  DigestSecrets secrets{c.username, c.password, claim.qop, claim.userhash};
  DigestRequest dr{request.method, claim.uri, request.body};
  auto expected = answer_digest(secrets, ch, dr, p.get("cnonce"), claim.nc);
  if (!expected) return "cannot compute the expected response: " + expected.error().message;
  if (crypto::constant_time_equal(p.get("response"), expected->response)) return std::nullopt;
  if (claim.qop == "auth-int" && !request.body.empty()) {
    auto empty = answer_digest(secrets, ch, {request.method, claim.uri, ""}, p.get("cnonce"), claim.nc);
    if (empty && crypto::constant_time_equal(p.get("response"), empty->response))
      return "wrong response: auth-int was computed over an empty body, not the body received";
  }
  return claim.qop == "auth-int" ? "wrong response (password, method, uri or body differ)"
                                 : "wrong response (password, method or uri differ)";
}

// For a right answer: refuses an expired nonce as stale, and with a nonce book accepts each
// (nonce, nc) pair once (RFC 7616 section 3.3 stale, section 5.5 replay).
std::optional<DigestRefusal> admit_digest_nonce(const VerifyContext& ctx, const DigestParams& p,
                                                const DigestClaim& claim) {
  // Section 3.3: stale=true only for an answer that is right but whose nonce has expired, so a
  // client never retries a wrong password without asking for it.
  if (claim.nonce.expired) return DigestRefusal{"nonce expired", true};
  if (!ctx.digest_nonces) return std::nullopt;
  switch (ctx.digest_nonces->admit(p.get("nonce"), claim.nc, ctx.now, claim.nonce.until)) {
    case Admission::first:
      return std::nullopt;
    case Admission::replay:
      return DigestRefusal{"nonce count " + format_nc(claim.nc) + " was already used with this nonce (replay)"};
    case Admission::full:
      // Fail closed: evicting a live pair would let its replay through. The answer was right, so
      // stale=true (section 3.3) lets a client ask again with a fresh nonce without new credentials,
      // which succeeds once pairs expire.
      return DigestRefusal{"this receiver holds too many Digest nonce counts (its limit of " +
                               std::to_string(ctx.digest_nonces->capacity()) +
                               ", none yet expired): refused until some expire",
                           true};
  }
  return DigestRefusal{"unknown nonce book answer"};
}

}  // namespace

Verdict verify_digest(const DigestCredentials& c, const Request& request, const VerifyContext& ctx) {
  auto no = [&](DigestRefusal r) { return Verdict{false, std::move(r.reason), challenges(c, ctx, r.stale)}; };
  auto params = read_digest_params(request);
  if (!params) return no({params.error()});
  DigestClaim claim;
  if (auto refused = check_digest_scope(c, request, *params, claim)) return no({*refused});
  if (auto refused = check_digest_qop(c, ctx, *params, claim)) return no({*refused});
  if (auto refused = check_digest_nonce(c, ctx, *params, claim)) return no({*refused});
  if (auto refused = check_digest_response(c, request, *params, claim)) return no({*refused});
  if (auto refused = admit_digest_nonce(ctx, *params, claim)) return no(*refused);
  return {true, "", {}};
}

}  // namespace hookauth::auth
