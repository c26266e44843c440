#include "auth/crypto.hpp"

#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

namespace hookauth::auth::crypto {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return usage_error("not valid base64 (length is not a multiple of 4)");
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              (c == '=' && i + 2 >= text.size());
    if (!ok) return usage_error("not valid base64");
  }
  if (text.size() >= 2 && text[text.size() - 2] == '=' && text.back() != '=') return usage_error("not valid base64");
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return usage_error("not valid base64");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(digits[u >> 4]);
    out.push_back(digits[u & 15]);
  }
  return out;
}

namespace {

// OpenSSL 3 looks an algorithm up by name each time EVP_sha256() and friends are used in a call
// (an "implicit fetch"), which costs as much as hashing a short string. Fetched once here, the
// objects are shared by every thread (they are immutable once fetched).
const EVP_MD* fetched(const char* name) {
  static EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  static EVP_MD* sha512_256 = EVP_MD_fetch(nullptr, "SHA512-256", nullptr);
  std::string_view n(name);
  return n == "MD5" ? md5 : n == "SHA256" ? sha256 : n == "SHA512" ? sha512 : sha512_256;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// An HMAC context per thread and digest, set up once; EVP_MAC_init gives it each call's key.
EVP_MAC_CTX* hmac_context(const char* digest) {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) return nullptr;
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> sha256_ctx, sha512_ctx;
  auto& ctx = std::string_view(digest) == "SHA256" ? sha256_ctx : sha512_ctx;
  if (!ctx) {
    ctx.reset(EVP_MAC_CTX_new(mac));
    if (!ctx) return nullptr;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) {
      ctx.reset();
      return nullptr;
    }
  }
  return ctx.get();
}

std::string hmac(const char* digest, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  static const unsigned char no_key = 0;  // EVP_MAC_init keeps the old key when given a null one
  const auto* k = key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_CTX* ctx = hmac_context(digest)) {
    std::size_t len = 0;
    if (EVP_MAC_init(ctx, k, key.size(), nullptr) == 1 &&
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
        EVP_MAC_final(ctx, out, &len, sizeof out) == 1)
      return std::string(reinterpret_cast<const char*>(out), len);
  }
  unsigned int len = 0;  // the one-shot call, should the context be unavailable
  HMAC(fetched(digest), k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, fetched("SHA256"), nullptr);
  return out;
}

std::string hash_hex(Hash hash, std::string_view data) {
  const EVP_MD* md = fetched(hash == Hash::md5 ? "MD5" : hash == Hash::sha256 ? "SHA256" : "SHA512-256");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string hmac_sha256(std::string_view key, std::string_view data) { return hmac("SHA256", key, data); }

std::string hmac_sha512(std::string_view key, std::string_view data) { return hmac("SHA512", key, data); }

namespace {

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

// Verifies with a digest (nullptr for Ed25519, which hashes inside).
bool digest_verify(EVP_PKEY* key, const EVP_MD* md, std::string_view data, std::string_view signature) {
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data), data.size()) == 1;
}

// A public key from OSSL_PARAMs (RSA n and e, or an EC group and point).
Owned<EVP_PKEY> key_from_params(const char* type, OSSL_PARAM* params) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    return nullptr;
  return Owned<EVP_PKEY>(key);
}

}  // namespace

Result<std::string> ed25519_sign(std::string_view seed, std::string_view data) {
  if (seed.size() != 32) return usage_error("an Ed25519 private key is 32 bytes");
  Owned<EVP_PKEY> key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed), seed.size()));
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(data), data.size()) != 1)
    return usage_error("Ed25519 signing failed");
  sig.resize(len);
  return sig;
}

Result<std::string> ed25519_public_key(std::string_view seed) {
  if (seed.size() != 32) return usage_error("an Ed25519 private key is 32 bytes");
  Owned<EVP_PKEY> key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed), seed.size()));
  std::string pub(32, '\0');
  size_t len = pub.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()), &len) != 1)
    return usage_error("not an Ed25519 private key");
  return pub;
}

bool ed25519_verify(std::string_view public_key, std::string_view data, std::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  Owned<EVP_PKEY> key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(public_key), public_key.size()));
  return key && digest_verify(key.get(), nullptr, data, signature);
}

Result<bool> rs256_verify(std::string_view n, std::string_view e, std::string_view data, std::string_view signature) {
  Owned<BIGNUM> bn_n(BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr));
  Owned<BIGNUM> bn_e(BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr));
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return usage_error("not an RSA key");
  // As python-cryptography refuses such public numbers: with e = 1, the encoded message itself is a
  // valid "signature", made without any private key.
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 || BN_cmp(bn_e.get(), bn_n.get()) >= 0)
    return usage_error("an RSA key whose exponent e is below 3, even, or not below its modulus");
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  auto key = params ? key_from_params("RSA", params.get()) : nullptr;
  if (!key) return usage_error("not an RSA key");
  // RFC 7518 3.3: keys of 2048 bits or more.
  if (EVP_PKEY_get_bits(key.get()) < 2048) return usage_error("an RSA key shorter than 2048 bits");
  return digest_verify(key.get(), EVP_sha256(), data, signature);
}

Result<bool> es256_verify(std::string_view x, std::string_view y, std::string_view data, std::string_view signature) {
  // RFC 7518 6.2.1.2 wants 32 bytes each, but some key sets drop a coordinate's leading zero bytes
  // (Authlib 1.2 does, for one key in 128): they are put back.
  if (x.empty() || y.empty() || x.size() > 32 || y.size() > 32) return usage_error("not a P-256 point");
  if (signature.size() != 64) return false;
  std::string point =
      "\x04" + std::string(32 - x.size(), '\0') + std::string(x) + std::string(32 - y.size(), '\0') + std::string(y);
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    return usage_error("not a P-256 key");
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  auto key = params ? key_from_params("EC", params.get()) : nullptr;
  if (!key) return usage_error("not a P-256 key (the point is not on the curve)");
  // RFC 7518 3.4: the JWS signature is r||s; OpenSSL wants DER.
  Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(signature.substr(0, 32)), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(signature.substr(32)), 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return usage_error("ECDSA signature could not be read");
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return usage_error("ECDSA signature could not be encoded");
  std::string der_sig(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  return digest_verify(key.get(), EVP_sha256(), data, der_sig);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  std::string ha = sha256(a);
  std::string hb = sha256(b);
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

Result<std::string> random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return fail(ExitCode::usage, "the system's random generator failed");
  return out;
}

OpenSslVersion openssl_version() {
  return {OpenSSL_version(OPENSSL_VERSION_STRING), OpenSSL_version(OPENSSL_VERSION), OPENSSL_VERSION_STR};
}

}  // namespace hookauth::auth::crypto
