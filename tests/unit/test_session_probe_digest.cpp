#include <doctest/doctest.h>

#include <algorithm>

#include "session/probe.hpp"

namespace hookauth::session {

namespace {

const ProbeCheck& digest_check(std::string_view id) {
  const auto& all = probe_checks();
  auto it = std::ranges::find_if(all, [&](const ProbeCheck& c) { return c.id == id; });
  REQUIRE(it != all.end());
  return *it;
}

Result<net::Response> digest_answer(long status, std::initializer_list<std::string> challenges) {
  net::Response r;
  r.status = status;
  for (const auto& c : challenges) r.headers.add("WWW-Authenticate", c);
  return r;
}

}  // namespace

TEST_CASE("probe digest-sha256-offered: a Digest challenge with algorithm SHA-256 among any of them") {
  const auto& sha = digest_check("digest-sha256-offered");
  CHECK(sha.level == ProbeLevel::should);
  auto md5_only = judge(sha, digest_answer(401, {R"(Digest realm="r", nonce="n", algorithm=MD5, qop="auth")"}));
  CHECK(md5_only.verdict == ProbeVerdict::warn);
  CHECK(md5_only.reason == "no Digest challenge with algorithm=SHA-256 (offered: MD5)");
  // No algorithm parameter means MD5 (RFC 7616 section 3.3).
  auto none = judge(sha, digest_answer(401, {R"(Digest realm="r", nonce="n")"}));
  CHECK(none.verdict == ProbeVerdict::warn);
  CHECK(none.reason.find("offered: MD5") != std::string::npos);
  CHECK(judge(sha, digest_answer(401, {R"(Digest realm="r", nonce="n", algorithm=MD5)",
                                       R"(Digest realm="r", nonce="m", algorithm=SHA-256)"}))
            .verdict == ProbeVerdict::pass);
  CHECK(judge(sha, digest_answer(401, {R"(Basic realm="r", Digest realm="r", nonce="n", algorithm=sha-256-sess)"}))
            .verdict == ProbeVerdict::pass);
  // A SHA-256 Basic parameter is not a Digest challenge; no challenge at all is the default's miss.
  CHECK(judge(sha, digest_answer(401, {R"(Basic realm="r", algorithm=SHA-256)"})).verdict == ProbeVerdict::warn);
  CHECK(judge(sha, digest_answer(200, {})).verdict == ProbeVerdict::warn);
  CHECK(judge(sha, digest_answer(500, {})).verdict == ProbeVerdict::error);
}

TEST_CASE("probe digest-qop-offered: a Digest challenge with a qop") {
  const auto& qop = digest_check("digest-qop-offered");
  auto rfc2069 = judge(qop, digest_answer(401, {R"(Digest realm="r", nonce="n", algorithm=SHA-256)"}));
  CHECK(rfc2069.verdict == ProbeVerdict::warn);
  CHECK(rfc2069.reason.find("offers a qop") != std::string::npos);
  CHECK(judge(qop, digest_answer(401, {R"(Digest realm="r", nonce="n", qop="auth,auth-int")"})).verdict ==
        ProbeVerdict::pass);
  // digest-challenge asks for the scheme only.
  CHECK(judge(digest_check("digest-challenge"), digest_answer(401, {R"(Digest realm="r", nonce="n")"})).verdict ==
        ProbeVerdict::pass);
  CHECK(judge(digest_check("digest-challenge"), digest_answer(401, {R"(Basic realm="r")"})).verdict ==
        ProbeVerdict::fail);
}

}  // namespace hookauth::session
