// The digest checks of `webhook probe` (RFC 7616): the challenge itself, then answers the profile's
// signer would never send, computed here from the receiver's fresh challenge.

#include <algorithm>
#include <cctype>
#include <memory>

#include "auth/digest.hpp"
#include "session/probe_catalogue.hpp"
#include "util/strings.hpp"

namespace hookauth::session {

namespace {

Applicability digest(const Authorization& a) {
  return {std::holds_alternative<auth::DigestCredentials>(a.credentials), ""};
}

// The Digest challenges among the WWW-Authenticate values (comma-joined or one per value); those
// that cannot be read are left out.
std::vector<auth::AuthChallenge> digest_challenges(const std::vector<std::string>& values) {
  std::vector<auth::AuthChallenge> out;
  for (const auto& v : values) {
    auto parsed = auth::parse_challenges(v);
    if (!parsed) continue;
    for (auto& c : *parsed)
      if (util::iequals(c.scheme, "Digest")) out.push_back(std::move(c));
  }
  return out;
}

// The algorithm a challenge names; MD5 when it names none (RFC 7616 section 3.3).
std::string algorithm_of(const auth::AuthChallenge& c) {
  auto it = c.params.find("algorithm");
  return it == c.params.end() ? "MD5" : it->second;
}

bool offers_md5(const std::vector<auth::AuthChallenge>& challenges) {
  return std::ranges::any_of(challenges, [](const auto& c) {
    auto a = auth::parse_digest_algorithm(algorithm_of(c));
    return a && a->hash == auth::crypto::Hash::md5;
  });
}

std::string offered_algorithms(const std::vector<auth::AuthChallenge>& challenges) {
  std::string out;
  for (const auto& c : challenges) out += (out.empty() ? "" : ", ") + algorithm_of(c);
  return out;
}

std::string sha256_lacking(const std::string& challenge) {
  auto challenges = digest_challenges({challenge});
  bool sha256 = std::ranges::any_of(challenges, [](const auto& c) {
    auto a = auth::parse_digest_algorithm(algorithm_of(c));
    return a && a->hash == auth::crypto::Hash::sha256;
  });
  return sha256 ? "" : "no Digest challenge with algorithm=SHA-256 (offered: " + offered_algorithms(challenges) + ")";
}

std::string qop_lacking(const std::string& challenge) {
  auto challenges = digest_challenges({challenge});
  bool qop = std::ranges::any_of(challenges, [](const auto& c) {
    auto it = c.params.find("qop");
    return it != c.params.end() && !it->second.empty();
  });
  return qop ? "" : "no Digest challenge offers a qop: only RFC 2069 answers, without nc or cnonce";
}

// A signer that sends the request without credentials, takes the receiver's first challenge (when
// take says so) and answers it once, as answer computes.
struct OneAnswer {
  std::function<Result<bool>(const std::vector<std::string>& challenges)> take;  // null: take it
  std::function<Result<void>(const std::vector<std::string>& challenges, auth::Request&)> answer;
};

Result<net::Signer> answer_once(OneAnswer how) {
  struct Held {
    OneAnswer how;
    std::optional<std::vector<std::string>> challenges;
  };
  auto held = std::make_shared<Held>(Held{std::move(how), std::nullopt});
  return net::Signer{[held](auth::Request& r) -> Result<void> {
                       if (!held->challenges) return {};
                       return held->how.answer(*held->challenges, r);
                     },
                     [held](const net::Response& response) -> Result<bool> {
                       if (held->challenges) return false;
                       std::vector<std::string> values;
                       for (const auto& [k, v] : response.headers.items)
                         if (util::iequals(k, "WWW-Authenticate")) values.push_back(v);
                       if (held->how.take) {
                         auto take = held->how.take(values);
                         if (!take || !*take) return take;
                       }
                       held->challenges = std::move(values);
                       return true;
                     }};
}

// Answers challenge as the profile would (its qop, userhash; nonce count 1, a random cnonce), for the
// request target of uri_from rather than r's own when one is given.
Result<void> answer_as_profile(ProbeContext& c, const auth::DigestChallenge& challenge, auth::Request& r,
                               const auth::Request* uri_from = nullptr) {
  const auto& credentials = std::get<auth::DigestCredentials>(c.authorization.credentials);
  auth::SignContext context;
  context.digest_challenge = &challenge;
  context.nc = 1;
  context.cnonce = random_hex(c, 16);
  if (!uri_from) return auth::sign_digest(credentials, r, context);
  auth::Request other = *uri_from;
  other.method = r.method;
  other.body = r.body;
  if (auto ok = auth::sign_digest(credentials, other, context); !ok) return ok;
  r.headers.set("Authorization", other.headers.get("Authorization").value_or(""));
  return {};
}

// The receiver's challenge that the profile's signer would answer (strongest allowed hash).
Result<auth::DigestChallenge> profile_pick(ProbeContext& c, const std::vector<std::string>& challenges) {
  return auth::pick_digest_challenge(challenges,
                                     std::get<auth::DigestCredentials>(c.authorization.credentials).algorithms);
}

// The same request with another path: "-other" after its last segment ("/other" for an empty path).
auth::Request with_other_path(const auth::Request& r) {
  auth::Request other = r;
  auto from = other.url.find("://");
  auto end = other.url.find_first_of("?#", from == std::string::npos ? 0 : from + 3);
  if (end == std::string::npos) end = other.url.size();
  auto path = other.url.find('/', from == std::string::npos ? 0 : from + 3);
  bool empty_path = path == std::string::npos || path >= end;
  other.url.insert(end, empty_path ? "/other" : "-other");
  return other;
}

Result<net::Signer> wrong_uri(ProbeContext& c) {
  return answer_once({nullptr, [&c](const std::vector<std::string>& values, auth::Request& r) -> Result<void> {
                        auto challenge = profile_pick(c, values);
                        if (!challenge) return std::unexpected(challenge.error());
                        auto other = with_other_path(r);
                        return answer_as_profile(c, *challenge, r, &other);
                      }});
}

// The nonce with its last letter or digit changed to another of the same kind (a hex nonce stays
// hex): the receiver's own format, never issued.
std::string forged(std::string nonce) {
  auto at = std::find_if(nonce.rbegin(), nonce.rend(), [](unsigned char ch) { return std::isalnum(ch) != 0; });
  if (at == nonce.rend()) return nonce + "0";
  char& ch = *at;
  if (ch >= '0' && ch <= '9')
    ch = ch == '9' ? '0' : static_cast<char>(ch + 1);
  else if (std::islower(static_cast<unsigned char>(ch)))
    ch = ch < 'f' ? static_cast<char>(ch + 1) : 'a';
  else
    ch = ch < 'F' ? static_cast<char>(ch + 1) : 'A';
  return nonce;
}

Result<net::Signer> forged_nonce(ProbeContext& c) {
  return answer_once({nullptr, [&c](const std::vector<std::string>& values, auth::Request& r) -> Result<void> {
                        auto challenge = profile_pick(c, values);
                        if (!challenge) return std::unexpected(challenge.error());
                        challenge->nonce = forged(challenge->nonce);
                        return answer_as_profile(c, *challenge, r);
                      }});
}

Result<net::Signer> md5_downgrade(ProbeContext& c) {
  return answer_once({[&c](const std::vector<std::string>& values) -> Result<bool> {
                        auto challenges = digest_challenges(values);
                        if (challenges.empty()) return false;  // judged as it came: refused without a challenge
                        if (offers_md5(challenges)) {
                          c.skip = "the receiver offers MD5 (" + offered_algorithms(challenges) + ")";
                          return false;
                        }
                        return true;
                      },
                      [&c](const std::vector<std::string>& values, auth::Request& r) -> Result<void> {
                        auto challenge = auth::pick_digest_challenge(values);
                        if (!challenge) return std::unexpected(challenge.error());
                        challenge->algorithm = {auth::crypto::Hash::md5, false};
                        return answer_as_profile(c, *challenge, r);
                      }});
}

// The baseline's exact Authorization (same nonce, nc and cnonce) once more.
Result<net::Signer> nc_replay(ProbeContext& c) {
  if (!c.baseline) return usage_error("digest-nc-replay: no baseline request to send again");
  return net::Signer{[&c, baseline = *c.baseline](auth::Request& r) -> Result<void> {
                       std::string id = r.headers.get("X-Hookauth-Probe").value_or("");
                       if (!baseline.headers.has("Authorization"))
                         c.skip = "the baseline was accepted without a Digest answer";
                       r = baseline;
                       r.headers.set("X-Hookauth-Probe", id);
                       return {};
                     },
                     nullptr};
}

const char* const rfc7616 = "RFC 7616 section 3.4";

// clang-format off
std::vector<ProbeCheck> make_checks() {
  return {
    {"digest-challenge", ProbeLevel::must, ProbeExpect::challenge, "Digest", "no credentials",
     "RFC 7616 section 3.3", digest, no_credentials},
    // Designated: challenge_lacks is set by name, wherever ProbeCheck declares it.
    {.id = "digest-sha256-offered", .level = ProbeLevel::should, .expect = ProbeExpect::challenge,
     .challenge_scheme = "Digest", .sends = "no credentials; the challenge offers SHA-256",
     .reference = "RFC 7616 section 3.7 (MD5 only for compatibility)", .applies = digest, .signer = no_credentials,
     .challenge_lacks = sha256_lacking},
    {.id = "digest-qop-offered", .level = ProbeLevel::should, .expect = ProbeExpect::challenge,
     .challenge_scheme = "Digest", .sends = "no credentials; the challenge offers a qop",
     .reference = "RFC 7616 section 3.3", .applies = digest, .signer = no_credentials, .challenge_lacks = qop_lacking},
    {"digest-wrong-password", ProbeLevel::must, ProbeExpect::refused, "", "the challenge answered with another password",
     rfc7616, digest,
     [](ProbeContext& c) {
       return altered_signer(c, [&](Authorization& a) {
         auto& d = std::get<auth::DigestCredentials>(a.credentials);
         d.password = wrong_like(c, d.password);
       });
     }},
    {"digest-wrong-uri", ProbeLevel::must, ProbeExpect::refused, "", "a response computed for another uri",
     "RFC 7616 section 3.4.6", digest, wrong_uri},
    {"digest-forged-nonce", ProbeLevel::must, ProbeExpect::refused, "",
     "an issued nonce with one character changed, answered correctly", "RFC 7616 section 3.3 and 5.4", digest, forged_nonce},
    {"digest-md5-downgrade", ProbeLevel::must, ProbeExpect::refused, "", "MD5 answered when the receiver offers none",
     "RFC 7616 section 3.7", digest, md5_downgrade},
    {"digest-nc-replay", ProbeLevel::should, ProbeExpect::refused, "",
     "the baseline's Authorization again: the same nonce, nc and cnonce", "RFC 7616 section 3.4 and 5.5", digest,
     nc_replay},
  };
}
// clang-format on

}  // namespace

const std::vector<ProbeCheck>& digest_probe_checks() {
  static const std::vector<ProbeCheck> checks = make_checks();
  return checks;
}

}  // namespace hookauth::session
