// Signing micro-benchmarks: each scheme as hookauth signs a request, and beside it the bare cost
// of the hashes that scheme cannot avoid, computed with OpenSSL alone on inputs of the same sizes.
// bench/run pairs BM_<scheme>/sign with BM_<scheme>/bare_hashes and prints the ratio.

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <string>

#include "auth/basic.hpp"
#include "auth/credentials.hpp"
#include "auth/digest.hpp"
#include "auth/payload_signature.hpp"
#include "auth/sigv4.hpp"

namespace {

using namespace hookauth;

// 2026-11-27T22:30:00Z.
const util::Clock::time_point fixed_now{std::chrono::seconds(1795818600)};

std::string json_body(std::size_t size) {
  std::string body = R"({"event":"order.created","data":{"id":"ord_1234567890","pad":")";
  body.append(size - body.size() - 3, 'x');
  body += "\"}}";
  return body;
}

auth::Request post(const std::string& body) {
  auth::Request r;
  r.method = "POST";
  r.url = "https://hooks.partner.example/v1/notify?source=billing";
  r.headers.add("User-Agent", "hookauth/bench");
  r.headers.add("Content-Type", "application/json");
  r.body = body;
  return r;
}

// The bare primitives, with the algorithm fetched once (as a careful caller would).
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

void bare_sha256(const std::string& data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, sha256_md(), nullptr);
  benchmark::DoNotOptimize(out);
}

EVP_MAC_CTX* hmac_ctx() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  static EVP_MAC_CTX* ctx = [] {
    EVP_MAC_CTX* c = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_CTX_set_params(c, params);
    return c;
  }();
  return ctx;
}

void bare_hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char out[32];
  std::size_t len = 0;
  EVP_MAC_CTX* c = hmac_ctx();
  EVP_MAC_init(c, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr);
  EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  EVP_MAC_final(c, out, &len, sizeof out);
  benchmark::DoNotOptimize(out);
}

// ---- SigV4, a 1 KiB JSON POST -------------------------------------------------------------------

const auth::AwsCredentials aws{
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", "us-east-1", "execute-api", false, false, {}};

// One signature per iteration. keys: the signing-key cache (every request of a batch after the first
// of the day), or null: the key derived for each request (four more HMACs), as a single send does.
void sigv4_sign(benchmark::State& state, auth::SigV4KeyCache* keys) {
  const std::string body = json_body(1024);
  for (auto _ : state) {
    auth::Request r = post(body);
    auth::SignContext c;
    c.now = fixed_now;
    c.sigv4_keys = keys;
    if (!auth::sign(aws, r, c)) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(r.headers.items.data());
  }
}

void BM_SigV4_sign(benchmark::State& state) {
  auth::SigV4KeyCache keys;
  sigv4_sign(state, &keys);
}

void BM_SigV4_uncached_sign(benchmark::State& state) { sigv4_sign(state, nullptr); }

// The steps of one real signature of body: the bare hashes run on inputs of their sizes.
auth::SigV4Steps sigv4_steps(benchmark::State& state, const std::string& body) {
  auth::Request r = post(body);
  auth::SigV4Steps steps;
  auth::SignContext c;
  c.now = fixed_now;
  c.sigv4_steps = &steps;
  if (!auth::sign(aws, r, c)) state.SkipWithError("sign failed");
  return steps;
}

// The hashes SigV4 needs with the key cached: SHA-256 of the body, SHA-256 of the canonical
// request, HMAC-SHA256 of the string to sign.
void BM_SigV4_bare_hashes(benchmark::State& state) {
  const std::string body = json_body(1024);
  const auth::SigV4Steps steps = sigv4_steps(state, body);
  const std::string key(32, 'k');
  for (auto _ : state) {
    bare_sha256(body);
    bare_sha256(steps.canonical_request);
    bare_hmac_sha256(key, steps.string_to_sign);
  }
}

// The same, and the four HMACs that derive the signing key.
void BM_SigV4_uncached_bare_hashes(benchmark::State& state) {
  const std::string body = json_body(1024);
  const auth::SigV4Steps steps = sigv4_steps(state, body);
  const std::string key(32, 'k');
  for (auto _ : state) {
    bare_sha256(body);
    bare_sha256(steps.canonical_request);
    bare_hmac_sha256("AWS4" + aws.secret_key, "20261127");
    bare_hmac_sha256(key, aws.region);
    bare_hmac_sha256(key, aws.service);
    bare_hmac_sha256(key, "aws4_request");
    bare_hmac_sha256(key, steps.string_to_sign);
  }
}

// ---- Digest SHA-256, qop=auth --------------------------------------------------------------------

void BM_Digest_sign(benchmark::State& state) {
  auth::DigestCredentials d;
  d.username = "Mufasa";
  d.password = "Circle of Life";
  d.algorithms = {"SHA-256"};
  auth::DigestChallenge ch;
  ch.realm = "http-auth@example.org";
  ch.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  ch.opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
  ch.has_opaque = true;
  ch.algorithm = *auth::parse_digest_algorithm("SHA-256");
  ch.qops = {"auth"};
  std::uint32_t nc = 0;
  for (auto _ : state) {
    auth::Request r = post("{}");
    auth::SignContext c;
    c.now = fixed_now;
    c.digest_challenge = &ch;
    c.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    c.nc = ++nc;
    if (!auth::sign_digest(d, r, c)) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(r.headers.items.data());
  }
}

// HA1 = H(user:realm:password), HA2 = H(method:uri), response = H(HA1:nonce:nc:cnonce:qop:HA2).
void BM_Digest_bare_hashes(benchmark::State& state) {
  const std::string a1 = "Mufasa:http-auth@example.org:Circle of Life";
  const std::string a2 = "POST:/v1/notify?source=billing";
  const std::string kd = std::string(64, 'a') + ":7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:" +
                         "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ:auth:" + std::string(64, 'b');
  for (auto _ : state) {
    bare_sha256(a1);
    bare_sha256(a2);
    bare_sha256(kd);
  }
}

// ---- Standard Webhooks v1, 1 KiB body ------------------------------------------------------------

void BM_StandardWebhooks_sign(benchmark::State& state) {
  const std::string body = json_body(1024);
  auth::SignatureCredentials s;
  s.scheme = auth::SignatureScheme::standard_webhooks;
  s.secrets = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
  for (auto _ : state) {
    auth::Request r = post(body);
    if (!auth::sign_payload(s, r, fixed_now, "msg_p5jXN8AQM9LWM0D4loKWxJek")) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(r.headers.items.data());
  }
}

// HMAC-SHA256 over "id.timestamp.body".
void BM_StandardWebhooks_bare_hashes(benchmark::State& state) {
  const std::string signed_content = "msg_p5jXN8AQM9LWM0D4loKWxJek.1795818600." + json_body(1024);
  const std::string key(24, 'k');
  for (auto _ : state) bare_hmac_sha256(key, signed_content);
}

// ---- Basic ---------------------------------------------------------------------------------------

void BM_Basic_sign(benchmark::State& state) {
  const auth::BasicCredentials b{"Aladdin", "open sesame"};
  for (auto _ : state) {
    auth::Request r = post("{}");
    if (!auth::sign_basic(b, r)) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(r.headers.items.data());
  }
}

// Basic has no hash: its bare cost is the base64 of user:password.
void BM_Basic_bare_hashes(benchmark::State& state) {
  const std::string pair = "Aladdin:open sesame";
  unsigned char out[64];
  for (auto _ : state) {
    EVP_EncodeBlock(out, reinterpret_cast<const unsigned char*>(pair.data()), static_cast<int>(pair.size()));
    benchmark::DoNotOptimize(out);
  }
}

// ---- The request copy every scheme's benchmark includes -------------------------------------------

void BM_RequestCopy_1KiB(benchmark::State& state) {
  const std::string body = json_body(1024);
  for (auto _ : state) {
    auth::Request r = post(body);
    benchmark::DoNotOptimize(r.headers.items.data());
  }
}

}  // namespace

BENCHMARK(BM_SigV4_sign);
BENCHMARK(BM_SigV4_bare_hashes);
BENCHMARK(BM_SigV4_uncached_sign);
BENCHMARK(BM_SigV4_uncached_bare_hashes);
BENCHMARK(BM_Digest_sign);
BENCHMARK(BM_Digest_bare_hashes);
BENCHMARK(BM_StandardWebhooks_sign);
BENCHMARK(BM_StandardWebhooks_bare_hashes);
BENCHMARK(BM_Basic_sign);
BENCHMARK(BM_Basic_bare_hashes);
BENCHMARK(BM_RequestCopy_1KiB);
BENCHMARK_MAIN();
