#include "store/state_file.hpp"

#include <sys/stat.h>

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace hookauth::store {

namespace {

DigestSession session(std::string nonce, std::uint32_t nc) {
  DigestSession s;
  s.challenge.realm = "hooks@example.org";
  s.challenge.nonce = std::move(nonce);
  s.challenge.opaque = "op";
  s.challenge.has_opaque = true;
  s.challenge.algorithm = {auth::crypto::Hash::sha256, true};
  s.challenge.qops = {"auth", "auth-int"};
  s.challenge.userhash = true;
  s.nc = nc;
  return s;
}

const std::string key = digest_session_key("partner-a", "https://hooks.example.org:443");

}  // namespace

TEST_CASE("StateFile: beside the store, and an empty object when missing") {
  test::TempDir dir;
  CHECK(StateFile::beside(dir / "store.json").path() == dir / "state.json");
  StateFile state(dir / "state.json");
  auto j = state.read();
  REQUIRE(j);
  CHECK(*j == nlohmann::json::object());
  CHECK_FALSE(std::filesystem::exists(state.path()));
  CHECK(digest_session_key("p", "http://127.0.0.1:8080") == "p http://127.0.0.1:8080");
}

TEST_CASE("StateFile::update creates a 0600 file, with 0700 directories, under a lock") {
  test::TempDir dir;
  mode_t old = ::umask(0);
  StateFile state(dir / "sub" / "state.json");
  auto ok = state.update([](nlohmann::json& j) -> Result<void> {
    j["answer"] = 42;
    return {};
  });
  ::umask(old);
  REQUIRE(ok);
  CHECK(test::mode_of(state.path()) == 0600);
  CHECK(test::mode_of(dir / "sub") == 0700);
  CHECK(std::filesystem::exists(dir / "sub" / "state.json.lock"));
  CHECK(state.read()->at("answer") == 42);

  // A change that fails writes nothing.
  auto failed = state.update([](nlohmann::json& j) -> Result<void> {
    j["answer"] = 7;
    return usage_error("no");
  });
  CHECK_FALSE(failed);
  CHECK(state.read()->at("answer") == 42);
}

TEST_CASE("StateFile::update through a link to the state file updates the target and keeps the link") {
  test::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir / "cache");
  test::write_file(dir / "cache" / "state.json", "{\"kept\": 1}\n");
  fs::create_symlink("cache/state.json", dir / "state.json");
  StateFile state = StateFile::beside(dir / "store.json");
  REQUIRE(state.update([](nlohmann::json& j) -> Result<void> {
    j["answer"] = 42;
    return {};
  }));
  CHECK(fs::is_symlink(fs::symlink_status(dir / "state.json")));
  auto target = nlohmann::json::parse(test::read_file(dir / "cache" / "state.json"));
  CHECK(target.at("kept") == 1);
  CHECK(target.at("answer") == 42);
  CHECK(state.read()->at("answer") == 42);
}

TEST_CASE("StateFile: a corrupt file is an error naming its path, and is not overwritten") {
  test::TempDir dir;
  StateFile state(dir / "state.json");
  for (const char* text : {"{not json", "[1, 2]", "\"text\"", "\f"}) {
    CAPTURE(text);
    test::write_file(state.path(), text);
    auto j = state.read();
    CHECK_FALSE(j);
    CHECK(test::contains(test::error_of(j), state.path().string()));
    CHECK(test::contains(test::error_of(j), "remove it"));
    CHECK_FALSE(reserve_digest_session(state, key));
    CHECK_FALSE(peek_digest_session(state, key));
    CHECK_FALSE(remember_digest_session(state, key, session("n", 1)));
    CHECK(test::read_file(state.path()) == text);
  }
}

TEST_CASE("StateFile: an empty or whitespace-only file is an empty state, and is then written") {
  test::TempDir dir;
  StateFile state(dir / "state.json");
  for (const char* text : {"", "\n", " \r\n\t "}) {
    CAPTURE(text);
    test::write_file(state.path(), text);
    auto j = state.read();
    REQUIRE_MESSAGE(j, test::error_of(j));
    CHECK(*j == nlohmann::json::object());
    auto none = peek_digest_session(state, key);
    REQUIRE(none);
    CHECK_FALSE(*none);
    REQUIRE(remember_digest_session(state, key, session("n", 1)));
    auto peeked = peek_digest_session(state, key);
    REQUIRE(peeked);
    CHECK(peeked->has_value());
  }
}

TEST_CASE("Digest sessions: none, then remembered, reserved and peeked") {
  test::TempDir dir;
  StateFile state(dir / "state.json");

  auto none = reserve_digest_session(state, key);
  REQUIRE(none);
  CHECK_FALSE(*none);
  auto none_peeked = peek_digest_session(state, key);
  REQUIRE(none_peeked);
  CHECK_FALSE(*none_peeked);

  REQUIRE(remember_digest_session(state, key, session("nonce-1", 1)));
  CHECK(test::mode_of(state.path()) == 0600);

  // peek shows the next count and writes nothing.
  auto before = test::read_file(state.path());
  auto peeked = peek_digest_session(state, key);
  REQUIRE(peeked);
  REQUIRE(*peeked);
  CHECK((*peeked)->nc == 2);
  CHECK(test::read_file(state.path()) == before);
  CHECK((*peek_digest_session(state, key))->nc == 2);

  // reserve takes the next count and writes it back: the next reserve gets the one after.
  auto r1 = reserve_digest_session(state, key);
  REQUIRE(r1);
  REQUIRE(*r1);
  CHECK((*r1)->nc == 2);
  const auto& c = (*r1)->challenge;
  CHECK(c.realm == "hooks@example.org");
  CHECK(c.nonce == "nonce-1");
  CHECK(c.opaque == "op");
  CHECK(c.has_opaque);
  CHECK(c.algorithm == auth::DigestAlgorithm{auth::crypto::Hash::sha256, true});
  CHECK(c.qops == std::vector<std::string>{"auth", "auth-int"});
  CHECK(c.userhash);
  CHECK(state.read()->at("digest").at(key).at("nc") == 2);
  CHECK((*reserve_digest_session(state, key))->nc == 3);
  CHECK((*peek_digest_session(state, key))->nc == 4);

  // Another state file object on the same path (another process) sees the same counts.
  StateFile other(dir / "state.json");
  CHECK((*reserve_digest_session(other, key))->nc == 4);
  CHECK((*reserve_digest_session(state, key))->nc == 5);

  // Sessions are kept apart by key; remembering a new challenge replaces the old one.
  auto key_b = digest_session_key("partner-a", "https://other.example.org:443");
  CHECK_FALSE(*reserve_digest_session(state, key_b));
  REQUIRE(remember_digest_session(state, key, session("nonce-2", 1)));
  auto r2 = reserve_digest_session(state, key);
  REQUIRE(*r2);
  CHECK((*r2)->challenge.nonce == "nonce-2");
  CHECK((*r2)->nc == 2);
}

TEST_CASE("Digest sessions: a count at ffffffff drops the session") {
  test::TempDir dir;
  StateFile state(dir / "state.json");
  REQUIRE(remember_digest_session(state, key, session("n", 0xfffffffeu)));
  auto last = reserve_digest_session(state, key);
  REQUIRE(*last);
  CHECK((*last)->nc == 0xffffffffu);

  auto peeked = peek_digest_session(state, key);
  REQUIRE(peeked);
  CHECK_FALSE(*peeked);
  CHECK(state.read()->at("digest").contains(key));  // peek never writes

  auto dropped = reserve_digest_session(state, key);
  REQUIRE(dropped);
  CHECK_FALSE(*dropped);
  CHECK_FALSE(state.read()->at("digest").contains(key));
}

TEST_CASE("Digest sessions: entries of the wrong shape are forgotten") {
  test::TempDir dir;
  StateFile state(dir / "state.json");
  nlohmann::json good = nlohmann::json::parse(R"({"realm":"r","nonce":"n","opaque":"","has_opaque":false,)"
                                              R"("algorithm":"MD5","qops":["auth"],"userhash":false,"nc":1})");
  std::vector<nlohmann::json> bad = {
      nlohmann::json::array(),
      "a string",
      nlohmann::json::object(),
      [&] {
        auto j = good;
        j["nc"] = "00000001";
        return j;
      }(),
      [&] {
        auto j = good;
        j["algorithm"] = "SHA-1";
        return j;
      }(),
      [&] {
        auto j = good;
        j.erase("nonce");
        return j;
      }(),
      [&] {
        auto j = good;
        j["qops"] = "auth";
        return j;
      }(),
  };
  for (const auto& entry : bad) {
    CAPTURE(entry.dump());
    test::write_file(state.path(), nlohmann::json{{"digest", {{key, entry}, {"keep", good}}}, {"other", 1}}.dump());
    auto peeked = peek_digest_session(state, key);
    REQUIRE(peeked);
    CHECK_FALSE(*peeked);
    auto r = reserve_digest_session(state, key);
    REQUIRE(r);
    CHECK_FALSE(*r);
    auto j = state.read();
    REQUIRE(j);
    CHECK_FALSE(j->at("digest").contains(key));
    CHECK(j->at("digest").at("keep") == good);  // other entries and members stay
    CHECK(j->at("other") == 1);
  }

  SUBCASE("a digest member that is not an object is replaced") {
    for (const char* text : {R"({"digest": [1]})", R"({"digest": "x"})", R"({"digest": null})"}) {
      CAPTURE(text);
      test::write_file(state.path(), text);
      auto peeked = peek_digest_session(state, key);
      REQUIRE(peeked);
      CHECK_FALSE(*peeked);
      auto r = reserve_digest_session(state, key);
      REQUIRE(r);
      CHECK_FALSE(*r);
      REQUIRE(remember_digest_session(state, key, session("n", 1)));
      CHECK((*reserve_digest_session(state, key))->nc == 2);
    }
  }
}

TEST_CASE("Digest sessions: a count is never handed out twice when another process moves to a new nonce") {
  test::TempDir dir;
  StateFile state(dir.path() / "state.json");
  // Process A takes a fresh challenge N1 and remembers it before answering.
  REQUIRE(remember_digest_session(state, key, session("N1", 0)));
  // Process C starts and answers the remembered N1 with count 1.
  auto c = reserve_digest_session(state, key);
  REQUIRE(c);
  REQUIRE(*c);
  CHECK((*c)->challenge.nonce == "N1");
  CHECK((*c)->nc == 1);
  // Process B takes a fresh challenge N2, which becomes the remembered one.
  REQUIRE(remember_digest_session(state, key, session("N2", 0)));
  // A now answers its N1: count 2, not 1 again.
  auto a = reserve_digest_count(state, key, "N1");
  REQUIRE(a);
  REQUIRE(*a);
  CHECK(**a == 2);
  CHECK(**reserve_digest_count(state, key, "N1") == 3);
  // N2 goes on from its own count, and N1's count survives N2 being current.
  CHECK((*reserve_digest_session(state, key))->nc == 1);
  CHECK(**reserve_digest_count(state, key, "N2") == 2);
  // Going back to N1 as the current one keeps its count.
  REQUIRE(remember_digest_session(state, key, session("N1", 0)));
  CHECK((*reserve_digest_session(state, key))->nc == 4);
  // A nonce never seen starts at 1.
  CHECK(**reserve_digest_count(state, key, "N3") == 1);
}

namespace {

CachedToken cached(std::string access_token, std::optional<long long> expires_at) {
  CachedToken c;
  c.fingerprint = "client=hook-client token-url=https://auth.example.org/token scope=read";
  c.token.access_token = std::move(access_token);
  c.token.token_type = "Bearer";
  if (expires_at) c.token.expires_at = util::Clock::time_point(std::chrono::seconds(*expires_at));
  c.token.scope = "read";
  c.token.refresh_token = "tGzv3JOkF0XG5Qx2TlKWIA";
  return c;
}

void check_same(const CachedToken& a, const CachedToken& b) {
  CHECK(a.fingerprint == b.fingerprint);
  CHECK(a.token.access_token == b.token.access_token);
  CHECK(a.token.token_type == b.token.token_type);
  CHECK(a.token.expires_at == b.token.expires_at);
  CHECK(a.token.scope == b.token.scope);
  CHECK(a.token.refresh_token == b.token.refresh_token);
}

}  // namespace

TEST_CASE("OAuth 2.0 tokens: none, saved, loaded, replaced and forgotten") {
  test::TempDir dir;
  StateFile state(dir / "state.json");

  auto none = load_token(state, "partner");
  REQUIRE(none);
  CHECK_FALSE(*none);
  CHECK_FALSE(std::filesystem::exists(state.path()));  // reading creates nothing

  SUBCASE("an expiry round-trips as whole seconds since the epoch") {
    auto token = cached("2YotnFZFEjr1zCsicMWpAA", 1'800'003'600);
    REQUIRE(save_token(state, "partner", token));
    CHECK(test::mode_of(state.path()) == 0600);
    auto back = load_token(state, "partner");
    REQUIRE(back);
    REQUIRE(*back);
    check_same(**back, token);
    auto j = state.read();
    REQUIRE(j);
    CHECK(j->at("oauth2").at("partner").at("expires_at") == 1'800'003'600);
  }
  SUBCASE("no expiry round-trips as null") {
    auto token = cached("no-expiry-token", std::nullopt);
    token.token.token_type = "mac";
    token.token.scope.clear();
    token.token.refresh_token.clear();
    REQUIRE(save_token(state, "partner", token));
    auto back = load_token(state, "partner");
    REQUIRE(back);
    REQUIRE(*back);
    CHECK_FALSE((*back)->token.expires_at);
    check_same(**back, token);
    CHECK(state.read()->at("oauth2").at("partner").at("expires_at").is_null());
  }
  SUBCASE("tokens are kept apart by authorization, and beside the Digest sessions") {
    REQUIRE(remember_digest_session(state, key, session("nonce-1", 1)));
    REQUIRE(save_token(state, "partner", cached("token-a", 100)));
    REQUIRE(save_token(state, "other", cached("token-b", std::nullopt)));
    CHECK((*load_token(state, "partner"))->token.access_token == "token-a");
    CHECK((*load_token(state, "other"))->token.access_token == "token-b");
    CHECK_FALSE(*load_token(state, "third"));

    // Saving again replaces.
    REQUIRE(save_token(state, "partner", cached("token-a2", 200)));
    auto replaced = load_token(state, "partner");
    REQUIRE(*replaced);
    CHECK((*replaced)->token.access_token == "token-a2");
    CHECK((*replaced)->token.expires_at == util::Clock::time_point(std::chrono::seconds(200)));

    // Forgetting one leaves the others and the Digest session.
    REQUIRE(forget_token(state, "partner"));
    CHECK_FALSE(*load_token(state, "partner"));
    CHECK((*load_token(state, "other"))->token.access_token == "token-b");
    CHECK((*peek_digest_session(state, key))->challenge.nonce == "nonce-1");
    CHECK(test::mode_of(state.path()) == 0600);

    // Forgetting what is not there is fine.
    REQUIRE(forget_token(state, "partner"));
    REQUIRE(forget_token(state, "never-saved"));
    CHECK((*load_token(state, "other"))->token.access_token == "token-b");
  }
  SUBCASE("the file stays 0600 whatever the umask") {
    mode_t old = ::umask(0);
    auto saved = save_token(state, "partner", cached("t0ken", 1));
    auto forgotten = forget_token(state, "partner");
    ::umask(old);
    REQUIRE(saved);
    REQUIRE(forgotten);
    CHECK(test::mode_of(state.path()) == 0600);
  }
}

TEST_CASE("OAuth 2.0 tokens: forget_token on a missing file creates nothing") {
  test::TempDir dir;
  StateFile state(dir / "sub" / "state.json");
  REQUIRE(forget_token(state, "partner"));
  CHECK_FALSE(std::filesystem::exists(state.path()));
  CHECK_FALSE(std::filesystem::exists(dir / "sub"));
}

TEST_CASE("OAuth 2.0 tokens: an entry of the wrong shape reads as none") {
  test::TempDir dir;
  StateFile state(dir / "state.json");
  nlohmann::json good = {{"fingerprint", "f"}, {"access_token", "AT"}, {"token_type", "Bearer"},
                         {"expires_at", 1000}, {"scope", ""},          {"refresh_token", ""}};
  test::write_file(state.path(), nlohmann::json{{"oauth2", {{"partner", good}}}}.dump());
  auto ok = load_token(state, "partner");
  REQUIRE(ok);
  REQUIRE(*ok);
  CHECK((*ok)->token.expires_at == util::Clock::time_point(std::chrono::seconds(1000)));

  std::vector<nlohmann::json> bad = {
      nlohmann::json::array(),
      "a string",
      nlohmann::json::object(),
      [&] {
        auto j = good;
        j["expires_at"] = "1000";
        return j;
      }(),
      [&] {
        auto j = good;
        j.erase("expires_at");
        return j;
      }(),
      [&] {
        auto j = good;
        j.erase("fingerprint");
        return j;
      }(),
      [&] {
        auto j = good;
        j["access_token"] = 5;
        return j;
      }(),
      [&] {
        auto j = good;
        j["refresh_token"] = nullptr;
        return j;
      }(),
  };
  for (const auto& entry : bad) {
    CAPTURE(entry.dump());
    test::write_file(state.path(), nlohmann::json{{"oauth2", {{"partner", entry}, {"other", good}}}}.dump());
    auto r = load_token(state, "partner");
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK((*load_token(state, "other"))->token.access_token == "AT");
    // A new token replaces the bad entry.
    REQUIRE(save_token(state, "partner", cached("fresh", 5)));
    CHECK((*load_token(state, "partner"))->token.access_token == "fresh");
  }

  SUBCASE("an oauth2 member that is not an object reads as none, and is replaced on save") {
    for (const char* text : {R"({"oauth2": [1]})", R"({"oauth2": "x"})", R"({"oauth2": null})"}) {
      CAPTURE(text);
      test::write_file(state.path(), text);
      auto r = load_token(state, "partner");
      REQUIRE(r);
      CHECK_FALSE(*r);
      REQUIRE(forget_token(state, "partner"));
      REQUIRE(save_token(state, "partner", cached("fresh", std::nullopt)));
      CHECK((*load_token(state, "partner"))->token.access_token == "fresh");
    }
  }
  SUBCASE("a state file that is not a JSON object is an error, and is not overwritten") {
    test::write_file(state.path(), "{not json");
    CHECK(test::contains(test::error_of(load_token(state, "partner")), state.path().string()));
    CHECK_FALSE(save_token(state, "partner", cached("fresh", 5)));
    CHECK_FALSE(forget_token(state, "partner"));
    CHECK(test::read_file(state.path()) == "{not json");
  }
}

TEST_CASE("OAuth 2.0 tokens: an expires_at beyond the clock's range reads back clamped, not wrapped") {
  test::TempDir dir;
  StateFile state(dir / "state.json");
  const auto latest = util::Clock::time_point(std::chrono::seconds(2 * auth::max_lifetime_seconds));
  const auto now = util::Clock::time_point(std::chrono::seconds(1'800'000'000));
  struct Case {
    const char* expires_at;
    util::Clock::time_point expected;
  };
  for (const auto& c :
       {Case{"99999999999999", latest}, Case{"9223372036854775807", latest}, Case{"18446744073709551615", latest},
        Case{"6307200001", latest}, Case{"6307200000", latest}, Case{"-5", util::Clock::time_point{}},
        Case{"-9223372036854775808", util::Clock::time_point{}}, Case{"1800003600", now + std::chrono::hours(1)}}) {
    CAPTURE(std::string(c.expires_at));
    test::write_file(state.path(), std::string(R"({"oauth2": {"partner": {"fingerprint": "f", "access_token": "AT",)") +
                                       R"("token_type": "Bearer", "scope": "", "refresh_token": "", "expires_at": )" +
                                       c.expires_at + "}}}");
    auto r = load_token(state, "partner");
    REQUIRE(r);
    REQUIRE(*r);
    REQUIRE((*r)->token.expires_at);
    CHECK(*(*r)->token.expires_at == c.expected);
  }
  SUBCASE("a clamped far-future token is fresh, and saves back as the clamp") {
    test::write_file(state.path(),
                     R"({"oauth2": {"partner": {"fingerprint": "f", "access_token": "AT",)"
                     R"("token_type": "Bearer", "scope": "", "refresh_token": "", "expires_at": 99999999999999}}})");
    auto r = load_token(state, "partner");
    REQUIRE(r);
    REQUIRE(*r);
    CHECK(auth::token_is_fresh((*r)->token, now, 30));
    REQUIRE(save_token(state, "partner", **r));
    CHECK(state.read()->at("oauth2").at("partner").at("expires_at") == 2 * auth::max_lifetime_seconds);
  }
}

TEST_CASE("token_lock_path: one lock file per authorization, beside the state file") {
  StateFile state("/home/u/.config/hookauth/state.json");
  CHECK(token_lock_path(state, "partner") == std::filesystem::path("/home/u/.config/hookauth/token-partner.lock"));
  CHECK(token_lock_path(state, "partner.v2_x-y") ==
        std::filesystem::path("/home/u/.config/hookauth/token-partner.v2_x-y.lock"));
  CHECK(token_lock_path(state, "a") != token_lock_path(state, "b"));
  CHECK(token_lock_path(state, "a") != state.path());
  CHECK(token_lock_path(state, "a") != std::filesystem::path("/home/u/.config/hookauth/state.json.lock"));
  CHECK(token_lock_path(StateFile::beside("/srv/hooks/store.json"), "p") ==
        std::filesystem::path("/srv/hooks/token-p.lock"));
}

}  // namespace hookauth::store
