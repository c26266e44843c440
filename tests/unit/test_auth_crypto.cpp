#include "auth/crypto.hpp"

#include <doctest/doctest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "auth/oauth2.hpp"
#include "test_data.hpp"
#include "test_support.hpp"
#include "util/strings.hpp"

namespace hookauth::auth::crypto {

namespace {
// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> rfc4648_vectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};
}  // namespace

TEST_CASE("base64 encodes and decodes the RFC 4648 section 10 vectors") {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    CAPTURE(plain);
    CHECK(base64_encode(plain) == encoded);
    auto decoded = base64_decode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == plain);
  }
}

TEST_CASE("base64 round-trips binary bytes, including NUL and 0xff") {
  std::string bytes;
  for (int c = 255; c >= 0; --c) bytes.push_back(static_cast<char>(c));
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{255}, size_t{256}}) {
    CAPTURE(n);
    auto decoded = base64_decode(base64_encode(bytes.substr(0, n)));
    REQUIRE(decoded);
    CHECK(*decoded == bytes.substr(0, n));
  }
  auto zero = base64_decode("AA==");
  REQUIRE(zero);
  CHECK(*zero == std::string(1, '\0'));
  CHECK(base64_encode(std::string("\xfb\xff", 2)) == "+/8=");
}

TEST_CASE("base64_decode rejects what is not base64") {
  for (const char* bad : {
           "Zm9v!",     // bad character (and length)
           "Zm9*",      // bad character
           "Zm 9",      // whitespace
           "Zm9\n",     // whitespace
           "Zm9vY",     // length not a multiple of 4
           "Zg=",       // length not a multiple of 4
           "Z===",      // too much padding
           "====",      // only padding
           "Zg==Zm9v",  // padding in the middle
           "Z=9v",      // misplaced '='
           "Zm=v",      // '=' followed by data
           "Zm9v-_==",  // base64url alphabet is not accepted
       }) {
    CAPTURE(bad);
    auto r = base64_decode(bad);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "not valid base64"));
  }
}

TEST_CASE("hex_encode is lowercase, two digits per byte") {
  CHECK(hex_encode("") == "");
  CHECK(hex_encode(std::string("\x00\x0f\xa0\xff", 4)) == "000fa0ff");
}

TEST_CASE("sha256 matches the FIPS 180-2 known answers") {
  CHECK(sha256("").size() == 32);
  CHECK(hex_encode(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_encode(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("constant_time_equal") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("open sesame", "open sesame"));
  CHECK(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(constant_time_equal("open sesame", "open sesamE"));
  CHECK_FALSE(constant_time_equal("open sesame", "Open sesame"));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
  SUBCASE("different lengths, including a prefix, are not equal") {
    CHECK_FALSE(constant_time_equal("open sesame", "open"));
    CHECK_FALSE(constant_time_equal("open", "open sesame"));
    CHECK_FALSE(constant_time_equal("", "x"));
    CHECK_FALSE(constant_time_equal(std::string("a", 1), std::string("a\0", 2)));
  }
}

TEST_CASE("random_bytes gives the asked number of bytes, different each time") {
  auto a = random_bytes(32);
  auto b = random_bytes(32);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == 32);
  CHECK(*a != *b);
  auto none = random_bytes(0);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("hmac_sha512 and hmac_sha256: RFC 4231 section 4") {
  // Test case 2: a key shorter than the output ("Jefe").
  CHECK(hex_encode(hmac_sha512("Jefe", "what do ya want for nothing?")) ==
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: a 20-byte key of 0x0b.
  CHECK(hex_encode(hmac_sha512(std::string(20, '\x0b'), "Hi There")) ==
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
        "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  // Test case 6: a 131-byte key, longer than SHA-512's block, hashed first.
  CHECK(hex_encode(hmac_sha512(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
        "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
  CHECK(hmac_sha512("k", "").size() == 64);
}

TEST_CASE("Ed25519: RFC 8032 section 7.1") {
  struct Case {
    const char* name;
    const char* secret;
    const char* public_key;
    std::string message;
    const char* signature;
  };
  for (const auto& c : {Case{"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                             "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
                             "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                             "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
                        Case{"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                             "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "\x72",
                             "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                             "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"}}) {
    CAPTURE(c.name);
    const std::string seed = test::from_hex(c.secret), pub = test::from_hex(c.public_key);
    const std::string sig = test::from_hex(c.signature);
    auto derived = ed25519_public_key(seed);
    REQUIRE(derived);
    CHECK(hex_encode(*derived) == c.public_key);
    auto made = ed25519_sign(seed, c.message);
    REQUIRE(made);
    CHECK(hex_encode(*made) == c.signature);
    CHECK(ed25519_verify(pub, c.message, sig));

    std::string flipped = sig;
    flipped[10] = static_cast<char>(flipped[10] ^ 0x04);
    CHECK_FALSE(ed25519_verify(pub, c.message, flipped));
    CHECK_FALSE(ed25519_verify(pub, c.message + "x", sig));
    std::string other_key = pub;
    other_key[0] = static_cast<char>(other_key[0] ^ 0x01);
    CHECK_FALSE(ed25519_verify(other_key, c.message, sig));
  }
  SUBCASE("wrong sizes: an error to sign, false to verify") {
    const std::string seed = test::from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    for (std::size_t n : {std::size_t{0}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
      CAPTURE(n);
      CHECK(test::error_of(ed25519_sign(std::string(n, 's'), "m")) == "an Ed25519 private key is 32 bytes");
      CHECK(test::error_of(ed25519_public_key(std::string(n, 's'))) == "an Ed25519 private key is 32 bytes");
    }
    auto pub = *ed25519_public_key(seed);
    auto sig = *ed25519_sign(seed, "m");
    CHECK(ed25519_verify(pub, "m", sig));
    CHECK_FALSE(ed25519_verify(pub.substr(1), "m", sig));
    CHECK_FALSE(ed25519_verify(pub + "x", "m", sig));
    CHECK_FALSE(ed25519_verify(pub, "m", sig.substr(1)));
    CHECK_FALSE(ed25519_verify(pub, "m", sig + "x"));
    CHECK_FALSE(ed25519_verify(pub, "m", ""));
  }
  SUBCASE("a signature made by python3-cryptography (tests/data/jwt/crypto.json)") {
    auto v = test::data_json("jwt/crypto.json");
    const std::string message = test::from_hex(v.at("message_hex").get<std::string>());
    const std::string pub = test::from_hex(v.at("ed25519").at("public").get<std::string>());
    const std::string sig = test::from_hex(v.at("ed25519").at("signature").get<std::string>());
    CHECK(ed25519_verify(pub, message, sig));
    CHECK_FALSE(ed25519_verify(pub, message + ".", sig));
  }
}

TEST_CASE("rs256_verify: RSASSA-PKCS1-v1_5 with SHA-256 (tests/data/jwt/crypto.json)") {
  auto v = test::data_json("jwt/crypto.json");
  const std::string message = test::from_hex(v.at("message_hex").get<std::string>());
  const auto& k = v.at("rs256");
  const std::string n = test::from_hex(k.at("n").get<std::string>()), e = test::from_hex(k.at("e").get<std::string>());
  const std::string sig = test::from_hex(k.at("signature").get<std::string>());
  REQUIRE(n.size() == 256);

  auto good = rs256_verify(n, e, message, sig);
  REQUIRE(good);
  CHECK(*good);

  std::string flipped = sig;
  flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
  for (const auto& [label, data, signature] :
       {std::tuple<const char*, std::string, std::string>{"a flipped bit", message, flipped},
        {"another message", message + "!", sig},
        {"a short signature", message, sig.substr(1)},
        {"an empty signature", message, ""}}) {
    CAPTURE(label);
    auto bad = rs256_verify(n, e, data, signature);
    REQUIRE(bad);  // the key is fine: false, not an error
    CHECK_FALSE(*bad);
  }
  SUBCASE("a leading zero byte on n does not change the key") {
    auto padded = rs256_verify(std::string(1, '\0') + n, e, message, sig);
    REQUIRE(padded);
    CHECK(*padded);
  }
  SUBCASE("a key below 2048 bits is refused, even with its own good signature") {
    const auto& w = v.at("rs1024");
    const std::string wn = test::from_hex(w.at("n").get<std::string>());
    REQUIRE(wn.size() == 128);
    auto weak = rs256_verify(wn, test::from_hex(w.at("e").get<std::string>()), message,
                             test::from_hex(w.at("signature").get<std::string>()));
    REQUIRE_FALSE(weak);
    CHECK(weak.error().message == "an RSA key shorter than 2048 bits");
    // 2047 bits: the 2048-bit modulus shifted right by one.
    std::string short_n = n;
    unsigned carry = 0;
    for (char& ch : short_n) {
      unsigned byte = static_cast<unsigned char>(ch);
      ch = static_cast<char>((byte >> 1) | carry);
      carry = (byte & 1u) << 7;
    }
    CHECK_FALSE(rs256_verify(short_n, e, message, sig));
  }
  SUBCASE("an exponent below 3, even, or not below n is refused, as python-cryptography refuses it") {
    // With e = 1 the RSASSA-PKCS1-v1_5 encoding of the message (RFC 8017 section 9.2) is its own
    // signature: a forgery that needs no private key.
    const std::string digest_info = test::from_hex("3031300d060960864801650304020105000420") + sha256(message);
    const std::string forged = std::string("\x00\x01", 2) + std::string(256 - 3 - digest_info.size(), '\xff') +
                               std::string(1, '\0') + digest_info;
    for (const std::string& bad_e : {std::string("\x01"), std::string("\x00\x01", 2), std::string("\x02"),
                                     std::string("\x01\x00\x00", 3), std::string(), n, n + "\x01"}) {
      CAPTURE(bad_e.size());
      auto refused = rs256_verify(n, bad_e, message, forged);
      REQUIRE_FALSE(refused);
      CHECK(refused.error().message == "an RSA key whose exponent e is below 3, even, or not below its modulus");
    }
    // e = 3 is a key (a weak one that python-cryptography accepts too); the forgery does not verify.
    auto three = rs256_verify(n, "\x03", message, forged);
    REQUIRE(three);
    CHECK_FALSE(*three);
  }
  SUBCASE("an empty modulus is not a key") { CHECK_FALSE(rs256_verify("", e, message, sig)); }
}

TEST_CASE("es256_verify: ECDSA P-256 with SHA-256, r||s (tests/data/jwt/crypto.json)") {
  auto v = test::data_json("jwt/crypto.json");
  const std::string message = test::from_hex(v.at("message_hex").get<std::string>());
  const auto& k = v.at("es256");
  const std::string x = test::from_hex(k.at("x").get<std::string>()), y = test::from_hex(k.at("y").get<std::string>());
  const std::string sig = test::from_hex(k.at("signature").get<std::string>());
  REQUIRE(sig.size() == 64);

  auto good = es256_verify(x, y, message, sig);
  REQUIRE(good);
  CHECK(*good);

  std::string flipped_r = sig, flipped_s = sig;
  flipped_r[5] = static_cast<char>(flipped_r[5] ^ 0x01);
  flipped_s[40] = static_cast<char>(flipped_s[40] ^ 0x01);
  const std::string swapped = sig.substr(32) + sig.substr(0, 32);
  for (const auto& [label, data, signature] :
       {std::tuple<const char*, std::string, std::string>{"r changed", message, flipped_r},
        {"s changed", message, flipped_s},
        {"s||r", message, swapped},
        {"another message", message + "!", sig},
        {"63 bytes", message, sig.substr(1)},
        {"65 bytes", message, sig + "x"},
        {"zeros", message, std::string(64, '\0')}}) {
    CAPTURE(label);
    auto bad = es256_verify(x, y, data, signature);
    REQUIRE(bad);
    CHECK_FALSE(*bad);
  }
  SUBCASE("a point that is not on the curve is refused") {
    const auto& p = v.at("p256_not_on_curve");
    auto off = es256_verify(test::from_hex(p.at("x").get<std::string>()), test::from_hex(p.at("y").get<std::string>()),
                            message, sig);
    REQUIRE_FALSE(off);
    CHECK(off.error().message == "not a P-256 key (the point is not on the curve)");
    // The right x with another y is off the curve too.
    std::string other_y = y;
    other_y[31] = static_cast<char>(other_y[31] ^ 0x01);
    CHECK_FALSE(es256_verify(x, other_y, message, sig));
  }
  SUBCASE("coordinates longer than 32 bytes, or empty") {
    CHECK(test::error_of(es256_verify(x, y + "\x01", message, sig)) == "not a P-256 point");
    CHECK(test::error_of(es256_verify(std::string(1, '\0') + x, y, message, sig)) == "not a P-256 point");
    CHECK(test::error_of(es256_verify("", y, message, sig)) == "not a P-256 point");
    CHECK(test::error_of(es256_verify("", "", message, sig)) == "not a P-256 point");
  }
  SUBCASE("a shorter coordinate is padded with leading zero bytes, so another x is another point") {
    REQUIRE(x[0] != '\0');
    auto shorter = es256_verify(x.substr(1), y, message, sig);
    CHECK((!shorter || !*shorter));  // off the curve, or at least not this key
  }
}

TEST_CASE("base64url_decode: the edge cases JOSE meets") {
  CHECK(base64url_decode("") == std::string());
  CHECK(base64url_decode("AA") == std::string(1, '\0'));
  CHECK(base64url_decode("AAA") == std::string(2, '\0'));
  CHECK(base64url_decode("AAAA") == std::string(3, '\0'));
  CHECK(base64url_decode("_w") == std::string("\xff"));
  CHECK(base64url_decode("-_-_-_8") == std::string("\xfb\xff\xbf\xfb\xff"));
  CHECK(base64url_decode("AQAB") == std::string("\x01\x00\x01", 3));
  // RFC 7515 appendix A.1's header: {"typ":"JWT",\r\n "alg":"HS256"}.
  CHECK(base64url_decode("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9") == "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");

  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    CAPTURE(n);
    CHECK(base64url_decode(base64url(all.substr(0, n))) == all.substr(0, n));
  }
  for (const std::string& bad :
       {std::string("A"), std::string("AAAAA"), std::string("AA=="), std::string("AA="), std::string("+w"),
        std::string("/w"), std::string("A A"), std::string("AA\n"), std::string(" AA"), std::string("AA."),
        std::string("A\0A", 3), std::string("A\xc3\xa9"), std::string("====")}) {
    CAPTURE(util::printable(bad));
    auto r = base64url_decode(bad);
    CHECK_FALSE(r);
    CHECK(test::error_of(r) == "not valid base64url");
  }
}

}  // namespace hookauth::auth::crypto
