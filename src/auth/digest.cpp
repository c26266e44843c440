#include "auth/digest.hpp"

#include <algorithm>
#include <cstdio>

#include "util/strings.hpp"

namespace hookauth::auth {

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view name) {
  std::string n = util::to_lower(name);
  bool sess = n.ends_with("-sess");
  if (sess) n.resize(n.size() - 5);
  if (n == "md5") return DigestAlgorithm{crypto::Hash::md5, sess};
  if (n == "sha-256") return DigestAlgorithm{crypto::Hash::sha256, sess};
  if (n == "sha-512-256") return DigestAlgorithm{crypto::Hash::sha512_256, sess};
  return std::nullopt;
}

std::string digest_algorithm_name(DigestAlgorithm a) {
  std::string base = a.hash == crypto::Hash::md5 ? "MD5" : a.hash == crypto::Hash::sha256 ? "SHA-256" : "SHA-512-256";
  return a.sess ? base + "-sess" : base;
}

std::string format_nc(std::uint32_t nc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", nc);
  return buf;
}

Result<DigestChallenge> read_digest_challenge(const AuthChallenge& c) {
  auto flow_error = [](std::string m) { return fail(ExitCode::auth_flow, "Digest challenge: " + std::move(m)); };
  if (!util::iequals(c.scheme, "Digest")) return flow_error("not a Digest challenge");
  DigestChallenge d;
  auto get = [&](const char* name) -> const std::string* {
    auto it = c.params.find(name);
    return it == c.params.end() ? nullptr : &it->second;
  };
  const std::string* realm = get("realm");
  const std::string* nonce = get("nonce");
  if (!realm) return flow_error("no realm");
  if (!nonce || nonce->empty()) return flow_error("no nonce");
  d.realm = *realm;
  d.nonce = *nonce;
  if (const auto* o = get("opaque")) {
    d.opaque = *o;
    d.has_opaque = true;
  }
  if (const auto* a = get("algorithm")) {
    auto alg = parse_digest_algorithm(*a);
    if (!alg) return flow_error("unknown algorithm '" + util::excerpt(*a) + "'");
    d.algorithm = *alg;
  }
  if (const auto* q = get("qop")) {
    for (auto part : util::split(*q, ',')) {
      auto t = util::to_lower(util::trim(part));
      if (!t.empty()) d.qops.push_back(t);
    }
  }
  if (const auto* s = get("stale")) d.stale = util::iequals(*s, "true");
  if (const auto* u = get("userhash")) d.userhash = util::iequals(*u, "true");
  if (const auto* cs = get("charset")) d.charset_utf8 = util::iequals(*cs, "UTF-8");
  return d;
}

namespace {
int rank(DigestAlgorithm a) {
  int base = a.hash == crypto::Hash::sha512_256 ? 30 : a.hash == crypto::Hash::sha256 ? 20 : 10;
  return base + (a.sess ? 0 : 1);
}
}  // namespace

Result<DigestChallenge> pick_digest_challenge(const std::vector<std::string>& header_values,
                                              const std::vector<std::string>& allowed) {
  auto permitted = [&](DigestAlgorithm a) {
    if (allowed.empty()) return true;
    for (const auto& name : allowed)
      if (parse_digest_algorithm(name) == a) return true;
    return false;
  };
  std::vector<std::string> skipped;  // the algorithms offered that the profile does not allow
  std::vector<std::string> schemes;  // the schemes offered, for a message without Digest
  std::optional<DigestChallenge> best;
  std::optional<Error> first_error;
  bool saw_digest = false;
  for (const auto& value : header_values) {
    auto all = parse_challenges(value);
    if (!all) {
      if (!first_error) first_error = Error{ExitCode::auth_flow, "WWW-Authenticate: " + all.error().message};
      continue;
    }
    for (const auto& c : *all) {
      if (std::ranges::find(schemes, util::excerpt(c.scheme, 20)) == schemes.end())
        schemes.push_back(util::excerpt(c.scheme, 20));
      if (!util::iequals(c.scheme, "Digest")) continue;
      saw_digest = true;
      auto d = read_digest_challenge(c);
      if (!d) {
        if (!first_error) first_error = d.error();
        continue;
      }
      if (!permitted(d->algorithm)) {
        if (auto name = digest_algorithm_name(d->algorithm); std::ranges::find(skipped, name) == skipped.end())
          skipped.push_back(name);
        continue;
      }
      if (!best || rank(d->algorithm) > rank(best->algorithm)) best = std::move(*d);
    }
  }
  if (best) return *best;
  auto listed = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (!skipped.empty())
    return fail(ExitCode::auth_flow, "the receiver offers no Digest algorithm the profile allows: it offers " +
                                         listed(skipped) + ", the profile's --algorithm allows " + listed(allowed));
  if (first_error) return std::unexpected(*first_error);
  if (!saw_digest)
    return fail(ExitCode::auth_flow, "the receiver asked for authorization but offered no Digest challenge: " +
                                         (schemes.empty() ? std::string("it sent no WWW-Authenticate")
                                                          : "it offered " + listed(schemes) + " (WWW-Authenticate)"));
  return fail(ExitCode::auth_flow, "no usable Digest challenge");
}

Result<DigestAnswer> answer_digest(const DigestSecrets& s, const DigestChallenge& c, const DigestRequest& r,
                                   std::string_view cnonce, std::uint32_t nc) {
  auto H = [&](std::string_view data) { return crypto::hash_hex(c.algorithm.hash, data); };
  DigestAnswer a;
  // RFC 7616 section 3.4.4: with userhash the username is H(unq(username) ":" unq(realm)).
  bool userhash = s.userhash || c.userhash;
  a.username = userhash ? H(s.username + ":" + c.realm) : s.username;

  for (char ch : s.username)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      return fail(ExitCode::usage, "digest username: must not contain control characters");
  // qop (section 3.4.1): only one that was offered; none when none was (RFC 2069), unless the
  // profile asked for one: then the weaker answer is refused rather than sent.
  if (c.qops.empty() && !s.qop.empty() && s.qop != "none")
    return fail(ExitCode::auth_flow, "the profile wants qop " + s.qop + " but the receiver offers none (RFC 2069)");
  if (!c.qops.empty()) {
    auto offered = [&](std::string_view q) {
      for (const auto& o : c.qops)
        if (o == q) return true;
      return false;
    };
    if (!s.qop.empty()) {
      // The profile's qop, or the first of its comma list that the receiver offers.
      for (auto want : util::split(s.qop, ',')) {
        std::string w = util::to_lower(util::trim(want));
        if (a.qop.empty() && offered(w)) a.qop = w;
      }
      if (a.qop.empty()) {
        std::string l;
        for (const auto& q : c.qops) l += (l.empty() ? "" : ", ") + q;
        return fail(ExitCode::auth_flow, "the profile wants qop " + s.qop + " but the receiver offers " + l);
      }
    } else if (offered("auth")) {
      a.qop = "auth";
    } else if (offered("auth-int")) {
      a.qop = "auth-int";
    } else {
      return fail(ExitCode::auth_flow, "Digest challenge: no known qop offered (auth, auth-int)");
    }
    a.nc = format_nc(nc);
    a.cnonce = std::string(cnonce);
  }

  // Section 3.4.2: A1, and for -sess H(A1) joined with the nonces.
  std::string a1 = s.username + ":" + c.realm + ":" + s.password;
  a.a1_redacted = s.username + ":" + c.realm + ":[redacted]";
  a.ha1 = H(a1);
  if (c.algorithm.sess) {
    std::string tail = ":" + c.nonce + ":" + a.cnonce;
    a.ha1 = H(a.ha1 + tail);
    a.a1_redacted = "H(" + a.a1_redacted + ")" + tail;
  }
  // Section 3.4.3: A2, with the hash of the entity body for auth-int.
  a.a2 = r.method + ":" + r.uri;
  if (a.qop == "auth-int") a.a2 += ":" + H(r.body);
  a.ha2 = H(a.a2);
  // Section 3.4.1: response = KD(H(A1), nonce:nc:cnonce:qop:H(A2)); RFC 2069 without qop.
  a.kd_input = a.qop.empty() ? a.ha1 + ":" + c.nonce + ":" + a.ha2
                             : a.ha1 + ":" + c.nonce + ":" + a.nc + ":" + a.cnonce + ":" + a.qop + ":" + a.ha2;
  a.response = H(a.kd_input);

  // Section 3.4: the Authorization header. A username that is not ASCII goes as username*
  // (RFC 8187 encoding) unless it is hashed.
  bool ascii = true;
  for (char ch : s.username)
    if (static_cast<unsigned char>(ch) >= 0x80 || ch == '"' || ch == '\\') ascii = false;
  std::string h = "Digest ";
  if (!userhash && !ascii)
    h += "username*=UTF-8''" + util::percent_encode(s.username);
  else
    h += "username=" + quote(a.username);
  h += ", realm=" + quote(c.realm) + ", uri=" + quote(r.uri) + ", algorithm=" + digest_algorithm_name(c.algorithm) +
       ", nonce=" + quote(c.nonce);
  if (!a.qop.empty()) h += ", nc=" + a.nc + ", cnonce=" + quote(a.cnonce) + ", qop=" + a.qop;
  h += ", response=" + quote(a.response);
  if (c.has_opaque) h += ", opaque=" + quote(c.opaque);
  if (userhash) h += ", userhash=true";
  a.authorization = std::move(h);
  return a;
}

}  // namespace hookauth::auth

namespace hookauth::auth {

namespace {
// The profile's qops in its order: one, or the comma list a receiver offers; "none" is no qop.
std::vector<std::string> profile_qops(const std::string& qop) {
  std::vector<std::string> out;
  for (auto part : util::split(qop, ',')) {
    auto q = util::to_lower(util::trim(part));
    if (!q.empty() && q != "none") out.push_back(q);
  }
  return out;
}
}  // namespace

std::optional<DigestChallenge> preshared_challenge(const DigestCredentials& c) {
  if (c.realm.empty() || c.nonce.empty()) return std::nullopt;
  DigestChallenge ch;
  ch.realm = c.realm;
  ch.nonce = c.nonce;
  ch.opaque = c.opaque;
  ch.has_opaque = !c.opaque.empty();
  if (!c.algorithms.empty())
    if (auto a = parse_digest_algorithm(c.algorithms.front())) ch.algorithm = *a;
  ch.qops = profile_qops(c.qop);
  ch.userhash = c.userhash;
  return ch;
}

Result<void> sign_digest(const DigestCredentials& c, Request& request, const SignContext& context) {
  if (!context.digest_challenge) return {};
  auto target = split_target(request.url);
  std::string uri = target.path + (target.query.empty() ? "" : "?" + target.query);
  // A profile that lists several qops (to offer them as a receiver) answers with the first of its
  // list that the challenge offers; when none is, answer_digest names the first as the one wanted.
  const auto& offered = context.digest_challenge->qops;
  auto wanted = profile_qops(c.qop);
  std::string qop = wanted.empty() ? "" : wanted.front();
  for (const auto& w : wanted)
    if (std::find(offered.begin(), offered.end(), w) != offered.end()) {
      qop = w;
      break;
    }
  DigestSecrets secrets{c.username, c.password, qop, c.userhash};
  std::string cnonce = c.cnonce.empty() ? context.cnonce : c.cnonce;
  auto answer =
      answer_digest(secrets, *context.digest_challenge, {request.method, uri, request.body}, cnonce, context.nc);
  if (!answer) return std::unexpected(answer.error());
  request.headers.set("Authorization", answer->authorization);
  if (context.digest_answer) *context.digest_answer = std::move(*answer);
  return {};
}

}  // namespace hookauth::auth
