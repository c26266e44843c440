// Writes the signed seed requests of the verify, sigv4 and webhook_signature targets: requests
// that hookauth's own signers make with the fixed credentials of fuzz_common.hpp, as raw HTTP/1.1
// text, so the fuzzer starts from inputs that pass every check. Run once from the fuzz build:
//   build-fuzz/tests/fuzz/make_fuzz_seeds tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "auth/credentials.hpp"
#include "auth/digest.hpp"
#include "auth/payload_signature.hpp"
#include "auth/sigv4.hpp"
#include "fuzz_common.hpp"

using namespace hookauth;
namespace fs = std::filesystem;

namespace {

// A sent request (absolute URL) as the receiver gets it: origin-form target and a Host header.
std::string raw(auth::Request r) {
  std::string url = r.url;
  std::string host;
  if (auto s = url.find("://"); s != std::string::npos) {
    auto slash = url.find_first_of("/?", s + 3);
    host = url.substr(s + 3, slash == std::string::npos ? std::string::npos : slash - s - 3);
    url = slash == std::string::npos ? "/" : url.substr(slash);
    if (url.front() == '?') url = "/" + url;
  }
  std::string out = r.method + " " + url + " HTTP/1.1\r\n";
  if (!r.headers.has("Host") && !host.empty()) out += "Host: " + host + "\r\n";
  for (const auto& [k, v] : r.headers.items) out += k + ": " + v + "\r\n";
  if (!r.body.empty()) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  return out + "\r\n" + r.body;
}

void put(const fs::path& dir, const std::string& name, const std::string& content) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << content;
}

auth::Request request(std::string method, std::string url, std::string body = "") {
  auth::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  if (!r.body.empty()) r.headers.add("Content-Type", "application/json");
  return r;
}

bool signed_with(const auth::Credentials& c, auth::Request& r, const auth::SignContext& ctx) {
  auto ok = auth::sign(c, r, ctx);
  if (!ok) std::fprintf(stderr, "make_seeds: %s\n", ok.error().message.c_str());
  return ok.has_value();
}

// Whether the receiver accepts the seed as the fuzz target reads it (a seed that fails would not
// reach the checks past the signature).
bool accepted(const auth::Credentials& c, const std::string& text) {
  auto r = auth::parse_raw_request(text);
  if (!r) {
    std::fprintf(stderr, "make_seeds: seed does not parse: %s\n", r.error().message.c_str());
    return false;
  }
  auth::DigestNonceBook book(fuzz::digest_key, std::chrono::seconds(300));
  auth::BearerCheck bearer{fuzz::bearer_token, {}};
  auto v = auth::verify(c, *r, auth::VerifyContext{fuzz::now, &book, std::chrono::seconds(300), nullptr, &bearer});
  if (!v.valid) std::fprintf(stderr, "make_seeds: %s seed refused: %s\n", auth::type_name(c).data(), v.reason.c_str());
  return v.valid;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds CORPUS_DIR\n");
    return 2;
  }
  const fs::path corpus = argv[1];
  const std::string body = "{\"type\":\"invoice.paid\",\"amount\":4200}\n";
  auth::SignContext ctx;
  ctx.now = fuzz::now;
  int failures = 0;

  // verify: one request per credential type the target checks.
  auto one = [&](const std::string& name, const auth::Credentials& c, auth::Request r, const auth::SignContext& sc) {
    if (!signed_with(c, r, sc)) return ++failures, void();
    if (!accepted(c, raw(r))) ++failures;
    put(corpus / "verify", name, raw(r));
    if (std::holds_alternative<auth::AwsCredentials>(c)) put(corpus / "sigv4", name, raw(r));
  };
  one("basic", fuzz::basic(), request("POST", "http://example.com/hook", body), ctx);
  one("api_key_header", fuzz::api_key_header(), request("POST", "http://example.com/hook", body), ctx);
  one("api_key_query", fuzz::api_key_query(), request("GET", "http://example.com/hook?a=1"), ctx);
  {
    auth::SignContext bearer = ctx;
    bearer.bearer_token = fuzz::bearer_token;
    one("bearer", fuzz::oauth2(), request("POST", "http://example.com/hook", body), bearer);
  }
  struct DigestCase {
    std::string name;
    auth::DigestCredentials c;
  };
  for (const auto& [name, c] :
       {DigestCase{"digest_md5", fuzz::digest({}, "", false)},
        DigestCase{"digest_sha256_auth_int", fuzz::digest({"SHA-256", "MD5"}, "auth-int", false)},
        DigestCase{"digest_sha512_256_sess_userhash", fuzz::digest({"SHA-512-256-sess", "MD5-sess"}, "auth-int", true)},
        DigestCase{"digest_rfc2069", fuzz::digest({"MD5"}, "none", false)}}) {
    auth::DigestChallenge ch;
    ch.realm = c.realm;
    ch.nonce = auth::make_digest_nonce(fuzz::digest_key, fuzz::now, 1, c.realm);
    ch.opaque = auth::crypto::hex_encode(auth::crypto::sha256(fuzz::digest_key + c.realm)).substr(0, 32);
    ch.has_opaque = true;
    ch.algorithm = *auth::parse_digest_algorithm(c.algorithms.empty() ? "MD5" : c.algorithms.front());
    if (c.qop != "none") ch.qops = {c.qop.empty() ? "auth" : c.qop};
    ch.userhash = c.userhash;
    auth::SignContext dc = ctx;
    dc.digest_challenge = &ch;
    dc.cnonce = "0a4f113b";
    dc.nc = 1;
    one(name, c, request("POST", "http://example.com/dir/index.html?x=1", body), dc);
  }
  one("sigv4_iam_get", fuzz::aws("iam"),
      request("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"), ctx);
  one("sigv4_s3_put_session", fuzz::aws("s3", "session-token-example"),
      request("PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text", body), ctx);
  one("sigv4_iam_dot_segments", fuzz::aws("iam"),
      request("POST", "https://example.amazonaws.com/a/./b/../c//d%20e?b=2&a=1&a=0&c", body), ctx);
  for (auto [name, service, token] : {std::tuple{"sigv4_presigned_iam", "iam", ""},
                                      std::tuple{"sigv4_presigned_s3_session", "s3", "session-token-example"}}) {
    auto r = request("GET", "https://examplebucket.s3.amazonaws.com/test.txt?versionId=1");
    auto ok = auth::presign_sigv4(fuzz::aws(service, token), r, fuzz::now, 86400, nullptr, nullptr);
    if (!ok) {
      ++failures;
      continue;
    }
    if (!accepted(fuzz::aws(service, token), raw(r))) ++failures;
    put(corpus / "verify", name, raw(r));
    put(corpus / "sigv4", name, raw(r));
  }

  // webhook_signature: each configuration's signature over the same body.
  int i = 0;
  for (auto c : fuzz::signature_configs()) {
    std::erase_if(c.secrets, [](const std::string& s) { return s.starts_with("whpk_"); });  // verify only
    auto r = request("POST", "http://example.com/hook", body);
    auto ok = auth::sign_payload(c, r, fuzz::now, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
    if (!ok) {
      std::fprintf(stderr, "make_seeds: %s\n", ok.error().message.c_str());
      ++failures;
      continue;
    }
    auto back = auth::parse_raw_request(raw(r));
    auto verdict =
        auth::verify_payload(c, *back, auth::PayloadCheck{fuzz::now, std::chrono::seconds(300), nullptr, nullptr});
    if (!verdict.valid) {
      std::fprintf(stderr, "make_seeds: webhook seed %d refused: %s\n", i, verdict.reason.c_str());
      ++failures;
    }
    put(corpus / "webhook_signature", std::string(auth::scheme_name(c.scheme)) + "_" + std::to_string(i++), raw(r));
  }
  return failures == 0 ? 0 : 1;
}
