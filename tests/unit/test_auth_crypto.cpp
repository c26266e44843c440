#include "auth/crypto.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

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

}  // namespace hookauth::auth::crypto
