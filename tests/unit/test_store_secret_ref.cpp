#include "store/secret_ref.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace hookauth::store {

using Kind = SecretRef::Kind;

TEST_CASE("parse_secret_argument reads env:, file:, literal: and plain text") {
  auto env = parse_secret_argument("password", "env:MY_PASSWORD");
  REQUIRE(env);
  CHECK(*env == SecretRef{Kind::env, "MY_PASSWORD"});

  auto file = parse_secret_argument("password", "file:/run/secrets/pw");
  REQUIRE(file);
  CHECK(*file == SecretRef{Kind::file, "/run/secrets/pw"});

  auto literal = parse_secret_argument("password", "literal:env:NOT_A_REF");
  REQUIRE(literal);
  CHECK(*literal == SecretRef{Kind::literal, "env:NOT_A_REF"});

  auto plain = parse_secret_argument("password", "hunter2:with:colons");
  REQUIRE(plain);
  CHECK(*plain == SecretRef{Kind::literal, "hunter2:with:colons"});

  auto empty_literal = parse_secret_argument("password", "literal:");
  REQUIRE(empty_literal);
  CHECK(*empty_literal == SecretRef{Kind::literal, ""});

  // Prefixes are case-sensitive: "ENV:X" is a literal.
  auto upper = parse_secret_argument("password", "ENV:X");
  REQUIRE(upper);
  CHECK(upper->kind == Kind::literal);
}

TEST_CASE("parse_secret_argument refuses an empty env: or file:, naming the field") {
  auto env = parse_secret_argument("value", "env:");
  CHECK_FALSE(env);
  CHECK(test::error_of(env).starts_with("value: "));
  auto file = parse_secret_argument("value", "file:");
  CHECK_FALSE(file);
  CHECK(test::error_of(file).starts_with("value: "));
}

TEST_CASE("resolve a literal") {
  auto v = resolve("password", {Kind::literal, "s3cret-literal"});
  REQUIRE(v);
  CHECK(*v == "s3cret-literal");
}

TEST_CASE("resolve an environment variable") {
  const std::string var = "HOOKAUTH_UNIT_SECRET_REF_VAR";
  SUBCASE("set") {
    test::ScopedEnv env(var, "env-s3cret-value");
    auto v = resolve("password", {Kind::env, var});
    REQUIRE(v);
    CHECK(*v == "env-s3cret-value");
  }
  SUBCASE("set to the empty string") {
    test::ScopedEnv env(var, "");
    auto v = resolve("password", {Kind::env, var});
    REQUIRE(v);
    CHECK(v->empty());
  }
  SUBCASE("unset: the error names the field and the variable") {
    test::ScopedEnv env(var, nullptr);
    auto v = resolve("ci: password", {Kind::env, var});
    CHECK_FALSE(v);
    CHECK(test::contains(test::error_of(v), "ci: password"));
    CHECK(test::contains(test::error_of(v), var));
  }
}

TEST_CASE("resolve a file") {
  test::TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  SUBCASE("one trailing newline is stripped") {
    test::write_file(dir / "lf", "file-s3cret\n");
    test::write_file(dir / "crlf", "file-s3cret\r\n");
    test::write_file(dir / "two", "file-s3cret\n\n");
    test::write_file(dir / "none", "file-s3cret");
    CHECK(resolve("p", {Kind::file, (dir / "lf").string()}).value_or("?") == "file-s3cret");
    CHECK(resolve("p", {Kind::file, (dir / "crlf").string()}).value_or("?") == "file-s3cret");
    CHECK(resolve("p", {Kind::file, (dir / "two").string()}).value_or("?") == "file-s3cret\n");
    CHECK(resolve("p", {Kind::file, (dir / "none").string()}).value_or("?") == "file-s3cret");
  }
  SUBCASE("binary content is kept") {
    std::string bytes("a\0b\xff", 4);
    test::write_file(dir / "bin", bytes);
    CHECK(resolve("p", {Kind::file, (dir / "bin").string()}).value_or("?") == bytes);
  }
  SUBCASE("a missing file: the error names the field and the path") {
    auto path = (dir / "missing").string();
    auto v = resolve("password", {Kind::file, path});
    CHECK_FALSE(v);
    CHECK(test::contains(test::error_of(v), "password"));
    CHECK(test::contains(test::error_of(v), path));
  }
  SUBCASE("a directory is not a secret file") {
    auto v = resolve("password", {Kind::file, dir.path().string()});
    CHECK_FALSE(v);
    CHECK(test::contains(test::error_of(v), dir.path().string()));
  }
}

TEST_CASE("display hides literals unless revealed, shows references") {
  CHECK(display({Kind::literal, "s3cret"}, false) == "[redacted]");
  CHECK(display({Kind::literal, "s3cret"}, true) == "s3cret");
  CHECK(display({Kind::env, "PW"}, false) == "env:PW");
  CHECK(display({Kind::file, "/run/pw"}, false) == "file:/run/pw");
}

TEST_CASE("JSON mapping round-trips") {
  for (const SecretRef& ref : {SecretRef{Kind::literal, "s3cret"}, SecretRef{Kind::literal, ""},
                               SecretRef{Kind::env, "PW"}, SecretRef{Kind::file, "/run/pw"}}) {
    auto j = to_json(ref);
    auto back = secret_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back);
    CHECK(*back == ref);
  }
  CHECK(to_json(SecretRef{Kind::literal, "s3cret"}).dump() == "\"s3cret\"");
  CHECK(to_json(SecretRef{Kind::env, "PW"}).dump() == "{\"env\":\"PW\"}");
  CHECK(to_json(SecretRef{Kind::file, "/p"}).dump() == "{\"file\":\"/p\"}");
}

TEST_CASE("secret_from_json refuses other shapes without quoting them") {
  for (const char* text : {
           "12345678",
           "null",
           "true",
           "[\"SUPERSECRET-1\"]",
           "{}",
           "{\"env\": \"\"}",
           "{\"file\": \"\"}",
           "{\"env\": 42}",
           "{\"vault\": \"SUPERSECRET-1\"}",
           "{\"env\": \"PW\", \"value\": \"SUPERSECRET-1\"}",
           "{\"literal\": \"SUPERSECRET-1\"}",
       }) {
    CAPTURE(text);
    auto r = secret_from_json(nlohmann::json::parse(text));
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "expected"));
    CHECK_FALSE(test::contains(test::error_of(r), "SUPERSECRET"));
    CHECK_FALSE(test::contains(test::error_of(r), "12345678"));
  }
}

}  // namespace hookauth::store
