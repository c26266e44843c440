#include "store/store.hpp"

#include <sys/stat.h>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

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

namespace hookauth::store {

namespace {

std::string list_summary(const Profile& p) {
  std::string s = p.type;
  for (const auto& [k, v] : p.fields) s += " " + k + "=" + v;
  if (!p.secrets.empty()) s += " SECRETS";
  return s;
}

// What parse_store_list makes of text: the rows joined, or the error.
std::string listed(std::string_view text) {
  auto rows = parse_store_list(text, "/cfg/store.json", list_summary);
  if (!rows) return "error: " + rows.error().message;
  std::string out;
  for (const auto& r : *rows) out += r.name + "|" + r.type + "|" + r.summary + "\n";
  return out;
}

std::string full(std::string_view text) {
  auto data = parse_store(text, "/cfg/store.json");
  if (!data) return "error: " + data.error().message;
  std::string out;
  for (const auto& p : data->authorizations) {
    Profile shown = p;
    shown.secrets.clear();
    std::erase_if(shown.fields, [&](const auto& f) { return find_type(p.type)->field(f.first)->list; });
    out += p.name + "|" + p.type + "|" + list_summary(shown) + "\n";
  }
  return out;
}

// Whether a message of parse_store's is about an authorization's values: validate()'s errors name
// the entry and no member ("authorizations[3]: ..."), and the lighter reads do not check them.
bool value_error(const std::string& message) {
  auto at = message.find(": authorizations[");
  if (at == std::string::npos) return false;
  auto close = message.find(']', at);
  return close != std::string::npos && message.compare(close + 1, 2, ": ") == 0 &&
         !test::contains(message, "appears twice");
}

constexpr std::string_view three_types = R"({
  "version": 1,
  "authorizations": [
    {"name": "a", "type": "basic", "username": "u", "password": "pw-literal"},
    {"name": "b", "type": "api-key", "key": "k", "value": {"env": "KEY"}, "in": "query"},
    {"name": "c", "type": "aws-sigv4", "access-key": "AKID", "secret-key": {"file": "/k"}, "region": "r",
     "service": "s", "sign-header": ["x-a", "x-b"]}
  ],
  "webhooks": [{"name": "w", "url": "https://example.com/", "auth": "a"}]
}
)";

}  // namespace

TEST_CASE("parse_store_profile gives the one profile parse_store gives, or nullopt") {
  auto data = parse_store(three_types, "store.json");
  REQUIRE_MESSAGE(data, test::error_of(data));
  for (const auto& want : data->authorizations) {
    auto one = parse_store_profile(three_types, "store.json", want.name);
    REQUIRE_MESSAGE(one, test::error_of(one));
    REQUIRE(one->has_value());
    CHECK(to_json(**one) == to_json(want));
  }
  auto none = parse_store_profile(three_types, "store.json", "zz");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("parse_store_list: names, types and what the summary is given, never a secret nor a list") {
  CHECK(listed(three_types) ==
        "a|basic|basic username=u\n"
        "b|api-key|api-key in=query key=k\n"
        "c|aws-sigv4|aws-sigv4 access-key=AKID region=r service=s\n");
  CHECK(listed(three_types) == full(three_types));
  CHECK(listed(R"({"version": 1})") == "");
}

TEST_CASE("a broken value in one profile: the others are read, the broken one is refused as parse_store refuses it") {
  std::string text(three_types);
  text.replace(text.find(R"("in": "query")"), 13, R"("in": "cookie")");
  auto whole = parse_store(text, "/cfg/store.json");
  REQUIRE_FALSE(whole);
  CHECK(test::contains(whole.error().message, "authorizations[1]: in: 'cookie' is not one of"));
  auto good = parse_store_profile(text, "/cfg/store.json", "a");
  REQUIRE_MESSAGE(good, test::error_of(good));
  CHECK((*good)->field("username") == "u");
  auto broken = parse_store_profile(text, "/cfg/store.json", "b");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message == whole.error().message);
  CHECK(test::contains(listed(text), "b|api-key|api-key in=cookie key=k\n"));
}

TEST_CASE("a broken shape anywhere refuses every read, with parse_store's message") {
  const std::string_view bad[] = {
      R"({"version": 1, "authorizations": [{"name": "a", "type": "basic", "username": 5, "password": "p"}]})",
      R"({"version": 1, "authorizations": [{"name": "a", "type": "basic", "password": "p"}]})",
      R"({"version": 1, "authorizations": [{"name": "a", "type": "basic", "username": "u", "password": {"vault": "x"}}]})",
      R"({"version": 1, "authorizations": [{"name": "a", "type": "ntlm"}]})",
      R"({"version": 1, "authorizations": [{"name": "bad name", "type": "none"}]})",
      R"({"version": 1, "authorizations": [{"name": "a", "type": "none"}, {"name": "a", "type": "none"}]})",
      R"({"version": 1, "authorizations": [{"name": "a", "type": "none", "extra": "x"}]})",
      R"({"version": 1, "authorizations": [{"name": "a", "type": "aws-sigv4", "access-key": "k", "secret-key": "s",
          "region": "r", "service": "s", "sign-header": ["ok", ""]}]})",
      R"({"version": 1, "authorizations": [5]})",
      R"({"version": 1, "authorizations": {}})",
      R"({"version": 1, "authorizations": [], "profiles": []})",
      R"({"version": 1, "authorizations": [], "webhooks": [{"name": "w", "url": 5}]})",
      R"({"version": 1, "webhooks": [{"name": "w", "url": "https://a/"}, {"name": "w", "url": "https://a/"}]})",
      R"({"version": 2, "authorizations": []})",
      R"({"version": "1", "authorizations": []})",
      R"({"version": 1.0, "authorizations": []})",
      R"({"authorizations": []})",
      R"([1, 2])",
      R"({"version": 1e999})",
      R"({"version": 1, "authorizations": [)",
      "",
      "{\"version\": 1, \"authorizations\": [{\"name\": \"\xff\", \"type\": \"none\"}]}",
  };
  for (auto text : bad) {
    INFO(text);
    auto whole = parse_store(text, "/cfg/store.json");
    REQUIRE_FALSE(whole);
    CHECK(listed(text) == "error: " + whole.error().message);
    auto one = parse_store_profile(text, "/cfg/store.json", "a");
    REQUIRE_FALSE(one);
    CHECK(one.error().message == whole.error().message);
  }
}

TEST_CASE("JSON that the plain walk leaves to nlohmann is read the same") {
  // \u escapes, UTF-8, a number with a fraction, keys in another order, a repeated member.
  std::string_view text =
      "{\"authorizations\": [{\"type\": \"basic\", \"username\": \"J\\u00fcrgen \xc3\xa9\", "
      "\"name\": \"\\u0061\", \"password\": {\"env\": \"PW\"}},"
      "{\"name\": \"n\", \"type\": \"none\", \"name\": \"m\"}], \"version\": 1.0e0}";
  auto whole = parse_store(text, "/cfg/store.json");
  REQUIRE_FALSE(whole);  // 1.0e0 is not an integer
  CHECK(listed(text) == "error: " + whole.error().message);
  std::string fixed(text);
  fixed.replace(fixed.find("1.0e0"), 5, "1");
  CHECK(listed(fixed) == full(fixed));
  CHECK(listed(fixed) == "a|basic|basic username=J\xc3\xbcrgen \xc3\xa9\nm|none|none\n");
  auto a = parse_store_profile(fixed, "s", "a");
  REQUIRE_MESSAGE(a, test::error_of(a));
  CHECK((*a)->secrets.at("password").value == "PW");
  auto n = parse_store_profile(fixed, "s", "n");
  REQUIRE(n);
  CHECK_FALSE(n->has_value());  // the last "name" counts, as in parse_store
}

TEST_CASE("every truncation and byte change of a store: the lighter reads agree with parse_store") {
  std::string base(three_types);
  std::vector<std::string> texts;
  for (std::size_t n = 0; n < base.size(); ++n) texts.push_back(base.substr(0, n));
  for (std::size_t i = 0; i < base.size(); ++i)
    for (char c : {'"', '{', ']', ',', '1', 'x', ' ', '\\', '\n'}) {
      std::string t = base;
      t[i] = c;
      texts.push_back(t);
    }
  std::size_t agreed = 0, values = 0;
  for (const auto& t : texts) {
    INFO(t);
    std::string whole = full(t), light = listed(t);
    if (light == whole) {
      ++agreed;
      continue;
    }
    // Only a value error may be left to the command that uses the profile.
    REQUIRE(whole.starts_with("error: "));
    CHECK(value_error(whole));
    CHECK_FALSE(light.starts_with("error: "));
    ++values;
  }
  CHECK(agreed > values);
}

TEST_CASE("Store::load_profile and load_list read the file; a missing file is an empty store") {
  test::TempDir dir;
  Store st(dir.path() / "store.json");
  auto none = st.load_profile("a");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  auto empty = st.load_list(list_summary);
  REQUIRE(empty);
  CHECK(empty->empty());
  REQUIRE(st.update([](StoreData& data) -> Result<void> {
    data.authorizations.push_back(
        Profile{"a", "basic", {{"username", "u"}}, {{"password", SecretRef{SecretRef::Kind::literal, "p"}}}});
    return {};
  }));
  auto a = st.load_profile("a");
  REQUIRE_MESSAGE(a, test::error_of(a));
  REQUIRE(a->has_value());
  CHECK((*a)->field("username") == "u");
  auto rows = st.load_list(list_summary);
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].summary == "basic username=u");
}

TEST_CASE("Store: an empty or whitespace-only file is an empty store, for reading and for a change") {
  test::TempDir dir;
  Store store(dir / "store.json");
  for (const char* text : {"", "\n", " \t\r\n "}) {
    CAPTURE(text);
    test::write_file(store.path(), text);
    auto data = store.load();
    REQUIRE_MESSAGE(data, test::error_of(data));
    CHECK(data->authorizations.empty());
    auto one = store.load_profile("first");
    REQUIRE(one);
    CHECK_FALSE(one->has_value());
    auto rows = store.load_list(list_summary);
    REQUIRE(rows);
    CHECK(rows->empty());
    auto ok = store.update([](StoreData& d) { return add(d, none_profile("first")); });
    REQUIRE_MESSAGE(ok, test::error_of(ok));
    CHECK(store.load()->find("first") != nullptr);
  }
  test::write_file(store.path(), "\f");  // not JSON whitespace: still refused
  CHECK(test::contains(test::error_of(store.load()), "not valid JSON"));
}

}  // namespace hookauth::store
