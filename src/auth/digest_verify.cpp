// The receiver's side of Digest: issuing challenges and checking answers (RFC 7616).

#include <algorithm>
#include <charconv>

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

Verdict verify_digest(const DigestCredentials& c, const Request& request, const VerifyContext& ctx) {
  auto no = [&](std::string reason, bool stale = false) {
    return Verdict{false, std::move(reason), challenges(c, ctx, stale)};
  };
  auto header = request.headers.get("Authorization");
  if (!header) return no("no Authorization header");
  auto parsed = parse_credentials(*header);
  if (!parsed) return no("malformed Digest credentials: " + parsed.error().message);
  if (!util::iequals(parsed->scheme, "Digest"))
    return no("Authorization has " + scheme_for_display(*header) + ", expected 'Digest'");
  const auto& p = parsed->params;
  auto get = [&](const char* n) -> std::string {
    auto it = p.find(n);
    return it == p.end() ? std::string() : it->second;
  };
  for (const char* required : {"realm", "nonce", "uri", "response"})
    if (!p.contains(required)) return no(std::string("Digest credentials have no ") + required);
  if (!p.contains("username") && !p.contains("username*")) return no("Digest credentials have no username");

  std::string alg_name = p.contains("algorithm") ? get("algorithm") : "MD5";
  auto alg = parse_digest_algorithm(alg_name);
  bool offered_alg = false;
  for (const auto& o : offered_algorithms(c))
    if (alg && parse_digest_algorithm(o) == alg) offered_alg = true;
  if (!offered_alg) return no("algorithm " + util::excerpt(alg_name) + " was not offered");

  std::string realm = realm_of(c);
  if (get("realm") != realm) return no("realm \"" + util::excerpt(get("realm")) + "\" is not \"" + realm + "\"");

  // Section 3.4.4: with userhash=true the username is H(username:realm).
  bool userhash = util::iequals(get("userhash"), "true");
  std::string username;
  if (p.contains("username*")) {
    if (userhash) return no("username* cannot be used with userhash");
    auto decoded = decode_ext_value(get("username*"));
    if (!decoded) return no("username* is not UTF-8''-encoded");
    username = *decoded;
  } else {
    username = get("username");
  }
  std::string expected_user = userhash ? crypto::hash_hex(alg->hash, c.username + ":" + realm) : c.username;
  if (!crypto::constant_time_equal(username, expected_user)) return no("unknown username");

  auto target = split_target(request.url);
  std::string origin_form = target.path + (target.query.empty() ? "" : "?" + target.query);
  std::string uri = get("uri");
  if (uri != request.url && uri != origin_form)
    return no("uri \"" + util::excerpt(uri) + "\" is not the request target \"" + util::excerpt(origin_form) + "\"");

  std::string qop = util::to_lower(get("qop"));
  auto qops = offered_qops(c);
  std::uint32_t nc = 0;
  if (qop.empty()) {
    if (!qops.empty() && c.qop != "") return no("no qop, but the receiver requires one of its offered qops");
    // A qop downgrade (RFC 7616 section 3.3 offers qop): refused offline too, as `verify serve` does,
    // except for a nonce shared in advance by a profile without a qop, whose preshared challenge
    // (preshared_challenge) offers none, so its sender answers as RFC 2069.
    bool preshared_without_qop = !ctx.digest_nonces && !c.nonce.empty();
    if (!qops.empty() && !preshared_without_qop) return no("no qop, but the receiver offered qop " + qops.front());
  } else {
    if (std::find(qops.begin(), qops.end(), qop) == qops.end())
      return no("qop " + util::excerpt(qop) + " was not offered");
    std::string nc_text = get("nc");
    auto [ptr, ec] = std::from_chars(nc_text.data(), nc_text.data() + nc_text.size(), nc, 16);
    if (nc_text.size() != 8 || ec != std::errc() || ptr != nc_text.data() + nc_text.size())
      return no("nc \"" + util::excerpt(nc_text) + "\" is not 8 hex digits");
    // Section 3.4: the count of requests sent with this nonce, this one included: 00000001 first.
    if (nc == 0) return no("nc 00000000: the nonce count starts at 00000001");
    if (get("cnonce").empty()) return no("qop " + qop + " needs a cnonce");
  }

  std::string nonce = get("nonce");
  NonceCheck check;
  if (ctx.digest_nonces) {
    check = check_nonce(nonce, realm, ctx);
    if (!check.issued) return no("nonce was not issued by this receiver");
  } else if (!c.nonce.empty() && nonce != c.nonce) {
    return no("nonce is not the profile's shared nonce");
  }

  DigestChallenge ch;
  ch.realm = realm;
  ch.nonce = nonce;
  ch.algorithm = *alg;
  if (!qop.empty()) ch.qops = {qop};
  DigestSecrets secrets{c.username, c.password, qop, userhash};
  DigestRequest dr{request.method, uri, request.body};
  auto expected = answer_digest(secrets, ch, dr, get("cnonce"), nc);
  if (!expected) return no("cannot compute the expected response: " + expected.error().message);
  if (!crypto::constant_time_equal(get("response"), expected->response)) {
    if (qop == "auth-int" && !request.body.empty()) {
      auto empty = answer_digest(secrets, ch, {request.method, uri, ""}, get("cnonce"), nc);
      if (empty && crypto::constant_time_equal(get("response"), empty->response))
        return no("wrong response: auth-int was computed over an empty body, not the body received");
    }
    return no(qop == "auth-int" ? "wrong response (password, method, uri or body differ)"
                                : "wrong response (password, method or uri differ)");
  }
  // Section 3.3: stale=true only for an answer that is right but whose nonce has expired, so a
  // client never retries a wrong password without asking for it.
  if (check.expired) return no("nonce expired", true);
  if (!ctx.digest_nonces) return {true, "", {}};
  switch (ctx.digest_nonces->admit(nonce, nc, ctx.now, check.until)) {
    case Admission::first:
      return {true, "", {}};
    case Admission::replay:
      return no("nonce count " + format_nc(nc) + " was already used with this nonce (replay)");
    case Admission::full:
      // Fail closed: evicting a live pair would let its replay through. The answer was right, so
      // stale=true (section 3.3) lets a client ask again with a fresh nonce without new credentials,
      // which succeeds once pairs expire.
      return no("this receiver holds too many Digest nonce counts (its limit of " +
                    std::to_string(ctx.digest_nonces->capacity()) + ", none yet expired): refused until some expire",
                true);
  }
  return no("unknown nonce book answer");
}

}  // namespace hookauth::auth
