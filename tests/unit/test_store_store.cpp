#include "store/store.hpp"

#include <sys/stat.h>

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace hookauth::store {

namespace {
std::string parse_error(std::string_view text) {
  auto r = parse_store(text, "/cfg/store.json");
  REQUIRE_FALSE(r);
  return r.error().message;
}

// Sets the umask for the life of the object.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

Profile none_profile(std::string name) { return Profile{std::move(name), "none", {}, {}}; }

Result<void> add(StoreData& data, Profile p) {
  data.authorizations.push_back(std::move(p));
  return {};
}

constexpr std::string_view valid_store = R"({
  "version": 1,
  "authorizations": [
    {"name": "a", "type": "basic", "username": "u", "password": "pw-literal"},
    {"name": "b", "type": "api-key", "key": "k", "value": {"env": "KEY"}, "in": "query"}
  ]
}
)";
}  // namespace

TEST_CASE("parse_store reads a valid store, and serialize_store writes it back") {
  auto data = parse_store(valid_store, "store.json");
  REQUIRE_MESSAGE(data, test::error_of(data));
  REQUIRE(data->authorizations.size() == 2);
  REQUIRE(data->find("b") != nullptr);
  CHECK(data->find("b")->field("in") == "query");
  CHECK(data->find("zz") == nullptr);

  auto again = parse_store(serialize_store(*data), "store.json");
  REQUIRE(again);
  CHECK(serialize_store(*again) == serialize_store(*data));
  CHECK(serialize_store(StoreData{}) == "{\n  \"version\": 1,\n  \"authorizations\": []\n}\n");
}

TEST_CASE("parse_store: bad JSON gives path:line:col and never the store text") {
  std::string text =
      "{\n"
      "  \"version\": 1,\n"
      "  \"authorizations\": [\n"
      "    {\"name\": \"a\", \"type\": \"basic\", \"username\": \"u\", \"password\": \"SECRET-NEAR-ERROR\" x}\n"
      "  ]\n"
      "}\n";
  auto message = parse_error(text);
  CHECK(message.starts_with("store /cfg/store.json:4:85: not valid JSON"));
  CHECK_FALSE(test::contains(message, "SECRET-NEAR-ERROR"));
  CHECK_FALSE(test::contains(message, "last read"));

  SUBCASE("an error inside a string") {
    std::string bad_escape = "{\"version\": 1, \"authorizations\": [{\"password\": \"TOPSECRET-1\\q\"}]}";
    auto m = parse_error(bad_escape);
    CHECK(test::contains(m, "not valid JSON"));
    CHECK_FALSE(test::contains(m, "TOPSECRET"));
    std::string unterminated = "{\"version\": 1, \"authorizations\": [{\"password\": \"TOPSECRET-2\n\"}]}";
    CHECK_FALSE(test::contains(parse_error(unterminated), "TOPSECRET"));
  }
  SUBCASE("a secret holding the quote-semicolon the excerpt ends with") {
    std::string tricky = "{\"version\": 1, \"authorizations\": [{\"password\": \"x'; TOPSECRET-3\\q\"}]}";
    auto m = parse_error(tricky);
    CHECK(test::contains(m, "not valid JSON"));
    CHECK_FALSE(test::contains(m, "TOPSECRET"));
  }
  SUBCASE("an invalid literal") {
    auto m = parse_error("{\"version\": 1, \"authorizations\": [{\"password\": TOPSECRETLITERAL}]}");
    CHECK_FALSE(test::contains(m, "TOPSECRET"));
    CHECK_FALSE(test::contains(m, "TOPS"));
  }
  SUBCASE("what nlohmann expected is kept when it follows an excerpt") {
    auto m = parse_error("{\"version\": 1 xSECRET}");
    CHECK(m ==
          "store /cfg/store.json:1:15: not valid JSON: syntax error while parsing object - invalid literal; "
          "expected '}'");
    CHECK(test::contains(parse_error("{\"version\": 1,}"), "unexpected '}'; expected string literal"));
  }
  SUBCASE("empty and truncated input") {
    CHECK(parse_error("").starts_with("store /cfg/store.json:1:1: not valid JSON"));
    CHECK(parse_error("{\n  \"version\": 1,\n").starts_with("store /cfg/store.json:3:"));
  }
}

TEST_CASE("parse_store: schema errors point at the offending value") {
  SUBCASE("not an object") { CHECK(parse_error("[]") == "store /cfg/store.json:1:1: expected a JSON object"); }
  SUBCASE("no version") {
    CHECK(test::contains(parse_error("{\"authorizations\": []}"), ":1:1: no schema \"version\""));
  }
  SUBCASE("wrong version") {
    auto m = parse_error("{\n  \"version\": 2,\n  \"authorizations\": []\n}");
    CHECK(m.starts_with("store /cfg/store.json:2:14: version: schema version 2"));
    CHECK(parse_error("{\"version\": \"1\"}").starts_with("store /cfg/store.json:1:13: version: expected an integer"));
    CHECK(parse_error("{\"version\": 1.5}").starts_with("store /cfg/store.json:1:13: version: expected an integer"));
  }
  SUBCASE("unknown member") {
    auto m = parse_error("{\n  \"version\": 1,\n  \"authorisations\": []\n}");
    CHECK(m == "store /cfg/store.json:3:21: authorisations: unknown member");
  }
  SUBCASE("authorizations not an array") {
    CHECK(parse_error("{\"version\": 1, \"authorizations\": {}}") ==
          "store /cfg/store.json:1:34: authorizations: expected an array");
  }
  SUBCASE("bad type in authorizations[1]") {
    auto m = parse_error(
        "{\n"
        "  \"version\": 1,\n"
        "  \"authorizations\": [\n"
        "    {\"name\": \"a\", \"type\": \"none\"},\n"
        "    {\"name\": \"b\", \"type\": \"kerberos\"}\n"
        "  ]\n"
        "}\n");
    CHECK(m == "store /cfg/store.json:5:27: authorizations[1].type: unknown type 'kerberos'");
  }
  SUBCASE("a foreign member names itself, never the value") {
    auto m = parse_error(
        "{\"version\": 1, \"authorizations\": [\n"
        "  {\"name\": \"a\", \"type\": \"basic\", \"username\": \"u\", \"password\": \"p\",\n"
        "   \"pasword\": \"TYPO-SECRET\"}]}");
    CHECK(m.starts_with("store /cfg/store.json:3:15: authorizations[0].pasword: not a field of type basic"));
    CHECK_FALSE(test::contains(m, "TYPO-SECRET"));
  }
  SUBCASE("a missing required field points at the object") {
    auto m = parse_error(
        "{\"version\": 1, \"authorizations\": [\n  {\"name\": \"a\", \"type\": \"basic\", \"username\": \"u\"}]}");
    CHECK(m.starts_with("store /cfg/store.json:2:3: authorizations[0]: "));
    CHECK(test::contains(m, "password"));
  }
  SUBCASE("duplicate names") {
    auto m = parse_error(
        "{\n"
        "  \"version\": 1,\n"
        "  \"authorizations\": [\n"
        "    {\"name\": \"dup\", \"type\": \"none\"},\n"
        "    {\"name\": \"dup\", \"type\": \"none\"}\n"
        "  ]\n"
        "}\n");
    CHECK(m == "store /cfg/store.json:5:5: authorizations[1]: authorization 'dup' appears twice");
  }
}

TEST_CASE("store_path precedence: flag, HOOKAUTH_STORE, XDG_CONFIG_HOME, HOME") {
  auto path = [](const std::string& flag, const char* env, const char* xdg, const char* home) {
    auto r = store_path(flag, env, xdg, home);
    REQUIRE(r);
    return r->string();
  };
  CHECK(path("/flag.json", "/env.json", "/xdg", "/home/u") == "/flag.json");
  CHECK(path("", "/env.json", "/xdg", "/home/u") == "/env.json");
  CHECK(path("", nullptr, "/xdg", "/home/u") == "/xdg/hookauth/store.json");
  CHECK(path("", "", "/xdg", "/home/u") == "/xdg/hookauth/store.json");
  CHECK(path("", nullptr, nullptr, "/home/u") == "/home/u/.config/hookauth/store.json");
  CHECK(path("", "", "", "/home/u") == "/home/u/.config/hookauth/store.json");
  auto none = store_path("", nullptr, "", "");
  CHECK_FALSE(none);
  CHECK(test::contains(test::error_of(none), "HOOKAUTH_STORE"));
}

TEST_CASE("Store::load of a missing file is an empty store") {
  test::TempDir dir;
  Store store(dir / "nope" / "store.json");
  auto data = store.load();
  REQUIRE(data);
  CHECK(data->authorizations.empty());
  CHECK_FALSE(std::filesystem::exists(dir / "nope"));
}

TEST_CASE("Store::update creates a 0600 file in 0700 directories, whatever the umask") {
  test::TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  auto path = dir / "config";
  path /= "hookauth";
  path /= "store.json";
  {
    ScopedUmask mask(0);
    auto ok = Store(path).update([](StoreData& d) { return add(d, none_profile("first")); });
    REQUIRE_MESSAGE(ok, test::error_of(ok));
  }
  CHECK(test::mode_of(dir / "config") == 0700);
  CHECK(test::mode_of(path.parent_path()) == 0700);
  CHECK(test::mode_of(path) == 0600);
  CHECK(test::mode_of(path.string() + ".lock") == 0600);

  auto data = Store(path).load();
  REQUIRE(data);
  REQUIRE(data->authorizations.size() == 1);
  CHECK(data->authorizations[0].name == "first");

  SUBCASE("a second update keeps what is there and stays 0600") {
    ScopedUmask mask(0);
    REQUIRE(Store(path).update([](StoreData& d) { return add(d, none_profile("second")); }));
    CHECK(test::mode_of(path) == 0600);
    auto two = Store(path).load();
    REQUIRE(two);
    CHECK(two->authorizations.size() == 2);
    // No temporary files are left behind.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path.parent_path())) ++entries;
    CHECK(entries == 2);  // store.json and store.json.lock
  }
  SUBCASE("a failing change writes nothing") {
    std::string before = test::read_file(path);
    auto r = Store(path).update([](StoreData& d) -> Result<void> {
      d.authorizations.clear();
      return usage_error("changed my mind");
    });
    CHECK_FALSE(r);
    CHECK(test::error_of(r) == "changed my mind");
    CHECK(test::read_file(path) == before);
  }
}

TEST_CASE("Store refuses a store that group or others can read") {
  test::TempDir dir;
  auto path = dir / "store.json";
  test::write_file(path, valid_store);
  REQUIRE(::chmod(path.c_str(), 0644) == 0);

  auto loaded = Store(path).load();
  CHECK_FALSE(loaded);
  CHECK(test::contains(test::error_of(loaded), "chmod 600"));

  bool called = false;
  auto r = Store(path).update([&](StoreData& d) {
    called = true;
    return add(d, none_profile("x"));
  });
  CHECK_FALSE(r);
  CHECK(test::contains(test::error_of(r), "chmod 600"));
  CHECK(test::contains(test::error_of(r), path.string()));
  CHECK_FALSE(called);
  CHECK(test::read_file(path) == valid_store);
  CHECK(test::mode_of(path) == 0644);
}

TEST_CASE("Store::update leaves a corrupt store byte for byte as it was") {
  test::TempDir dir;
  auto path = dir / "store.json";
  const std::string corrupt = "{\n  \"version\": 1,\n  \"authorizations\": [ {\"name\": \"a\", \"password\": \"PW\" \n";
  test::write_file(path, corrupt);
  REQUIRE(::chmod(path.c_str(), 0600) == 0);

  bool called = false;
  auto r = Store(path).update([&](StoreData& d) {
    called = true;
    return add(d, none_profile("x"));
  });
  CHECK_FALSE(r);
  CHECK(test::contains(test::error_of(r), path.string() + ":"));
  CHECK_FALSE(called);
  CHECK(test::read_file(path) == corrupt);

  SUBCASE("also one with a schema error") {
    const std::string future = "{\"version\": 2, \"authorizations\": [], \"new\": true}";
    test::write_file(path, future);
    CHECK_FALSE(Store(path).update([](StoreData& d) { return add(d, none_profile("x")); }));
    CHECK(test::read_file(path) == future);
  }
}

}  // namespace hookauth::store
