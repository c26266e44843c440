#include "store/secret_ref.hpp"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

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
  CHECK(display({Kind::cmd, "", {"op", "read", "op://hooks/a b/pw"}}, false) == "cmd:op read 'op://hooks/a b/pw'");
  // A literal that looks like a reference is shown as it would be typed.
  CHECK(display({Kind::literal, "cmd:x"}, true) == "literal:cmd:x");
}

TEST_CASE("parse_secret_argument splits cmd: into words as a shell would, expanding nothing") {
  auto r = parse_secret_argument("--password", R"(cmd:op read 'op://v/a b/$x' "d \"q\" \$y" back\ slash ~ *)");
  REQUIRE(r);
  CHECK(r->kind == Kind::cmd);
  CHECK(r->value.empty());
  CHECK(r->command == std::vector<std::string>{"op", "read", "op://v/a b/$x", "d \"q\" $y", "back slash", "~", "*"});
  // What display shows splits into the same words again.
  auto again = parse_secret_argument("--password", display(*r, false));
  REQUIRE(again);
  CHECK(again->command == r->command);
  // A literal that starts with cmd: is given as literal:cmd:.
  auto literal = parse_secret_argument("--password", "literal:cmd:true");
  REQUIRE(literal);
  CHECK(*literal == SecretRef{Kind::literal, "cmd:true"});
}

TEST_CASE("parse_secret_argument refuses a cmd: without words or with bad quoting, naming the flag") {
  for (const char* text :
       {"cmd:", "cmd: \t ", "cmd:op 'unterminated", "cmd:op \"unterminated", "cmd:op x\\", "cmd:''"}) {
    CAPTURE(text);
    auto r = parse_secret_argument("--password", text);
    CHECK_FALSE(r);
    CHECK(test::error_of(r).starts_with("--password: cmd: "));
  }
  CHECK(test::contains(test::error_of(parse_secret_argument("--value", "cmd:op 'x")), "single quote"));
  CHECK(test::contains(test::error_of(parse_secret_argument("--value", "cmd:op \"x")), "double quote"));
}

TEST_CASE("resolve a command: its stdout without one trailing newline") {
  CHECK(resolve("p", {Kind::cmd, "", {"printf", "cmd-s3cret\\n"}}).value_or("?") == "cmd-s3cret");
  CHECK(resolve("p", {Kind::cmd, "", {"printf", "cmd-s3cret\\r\\n"}}).value_or("?") == "cmd-s3cret");
  CHECK(resolve("p", {Kind::cmd, "", {"printf", "cmd-s3cret\\n\\n"}}).value_or("?") == "cmd-s3cret\n");
  CHECK(resolve("p", {Kind::cmd, "", {"printf", "%s", "cmd-s3cret"}}).value_or("?") == "cmd-s3cret");
}

TEST_CASE("a command runs once per process, from any thread") {
  test::TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  auto counter = (dir / "runs").string();
  SecretRef ref{Kind::cmd, "", {"sh", "-c", "echo run >> '" + counter + "'; echo once-s3cret", "unit-once"}};
  std::vector<std::thread> threads;
  std::vector<std::string> got(8);
  for (std::size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = resolve("p", ref).value_or("?"); });
  for (auto& t : threads) t.join();
  CHECK(resolve("p", ref).value_or("?") == "once-s3cret");
  for (const auto& g : got) CHECK(g == "once-s3cret");
  std::ifstream in(counter);
  std::stringstream lines;
  lines << in.rdbuf();
  CHECK(lines.str() == "run\n");
}

TEST_CASE("a failing command: its status and stderr's first line, never what it printed on stdout") {
  SUBCASE("non-zero exit, the secret echoed on stderr") {
    auto r = resolve("ci: password", {Kind::cmd,
                                      "",
                                      {"sh", "-c",
                                       "echo FAILED-s3cret-1; echo 'no access to FAILED-s3cret-1 here' >&2; "
                                       "echo more >&2; exit 5"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ExitCode::usage);
    auto m = test::error_of(r);
    CHECK(m.starts_with("ci: password: cmd:sh -c "));
    CHECK(test::contains(m, ": exited with status 5; stderr: no access to [redacted] here"));
    // The command itself is shown (cut at 100 characters; it holds no secret); what follows it comes
    // from the run.
    REQUIRE(test::contains(m, "...: exited"));
    CHECK(m.substr(m.find("...: exited")) == "...: exited with status 5; stderr: no access to [redacted] here");
  }
  SUBCASE("a secret too short to redact withholds stderr") {
    auto m = test::error_of(resolve("p", {Kind::cmd, "", {"sh", "-c", "echo xy; echo 'bad xy' >&2; exit 1"}}));
    CHECK(m.ends_with(": exited with status 1"));
  }
  SUBCASE("killed by a signal") {
    auto m = test::error_of(resolve("p", {Kind::cmd, "", {"sh", "-c", "kill -TERM $$"}}));
    CHECK(test::contains(m, "exited with status 143"));
  }
  SUBCASE("printed nothing, or only a newline") {
    CHECK(test::contains(test::error_of(resolve("p", {Kind::cmd, "", {"true"}})), "printed nothing"));
    CHECK(test::contains(test::error_of(resolve("p", {Kind::cmd, "", {"echo"}})), "printed nothing"));
  }
  SUBCASE("not found") {
    auto m = test::error_of(resolve("p", {Kind::cmd, "", {"hookauth-unit-no-such-program"}}));
    CHECK(m.starts_with("p: cmd:hookauth-unit-no-such-program: cannot run "));
  }
  SUBCASE("a failure is not remembered: the next call runs the command again") {
    test::TempDir dir;
    auto flag = (dir / "ok").string();
    SecretRef ref{Kind::cmd, "", {"sh", "-c", "test -f '" + flag + "' && echo later-s3cret", "unit-retry"}};
    CHECK_FALSE(resolve("p", ref));
    test::write_file(flag, "");
    CHECK(resolve("p", ref).value_or("?") == "later-s3cret");
  }
}

TEST_CASE("JSON mapping round-trips") {
  for (const SecretRef& ref :
       {SecretRef{Kind::literal, "s3cret"}, SecretRef{Kind::literal, ""}, SecretRef{Kind::env, "PW"},
        SecretRef{Kind::file, "/run/pw"}, SecretRef{Kind::cmd, "", {"op", "read", "op://a b", ""}}}) {
    auto j = to_json(ref);
    auto back = secret_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back);
    CHECK(*back == ref);
  }
  CHECK(to_json(SecretRef{Kind::literal, "s3cret"}).dump() == "\"s3cret\"");
  CHECK(to_json(SecretRef{Kind::env, "PW"}).dump() == "{\"env\":\"PW\"}");
  CHECK(to_json(SecretRef{Kind::file, "/p"}).dump() == "{\"file\":\"/p\"}");
  CHECK(to_json(SecretRef{Kind::cmd, "", {"pass", "show", "a b"}}).dump() == R"({"cmd":["pass","show","a b"]})");
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
           "{\"cmd\": []}",
           "{\"cmd\": \"SUPERSECRET-1\"}",
           "{\"cmd\": [\"\", \"SUPERSECRET-1\"]}",
           "{\"cmd\": [\"op\", 12345678]}",
           "{\"cmd\": [\"op\\u0000x\"]}",
           "{\"cmd\": [\"op\"], \"env\": \"SUPERSECRET-1\"}",
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
