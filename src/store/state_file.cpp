#include "store/state_file.hpp"

#include <algorithm>

#include "store/store_file.hpp"

namespace hookauth::store {

namespace fs = std::filesystem;

StateFile StateFile::beside(const fs::path& store_path) { return StateFile(store_path.parent_path() / "state.json"); }

Result<nlohmann::json> StateFile::read() const {
  std::error_code ec;
  if (!fs::exists(path_, ec)) return nlohmann::json::object();
  // It holds access and refresh tokens and Digest sessions: refused like a store others can read.
  if (auto ok = check_private(path_); !ok) return std::unexpected(ok.error());
  auto text = read_whole_file(path_);
  if (!text) return std::unexpected(text.error());
  if (is_blank(*text)) return nlohmann::json::object();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return usage_error("state file " + path_.string() + " is not a JSON object (it is a cache: remove it)");
  return j;
}

Result<void> StateFile::update(const std::function<Result<void>(nlohmann::json&)>& change) const {
  return locked_rewrite(path_, [&]() -> Result<std::string> {
    auto j = read();
    if (!j) return std::unexpected(j.error());
    if (auto ok = change(*j); !ok) return std::unexpected(ok.error());
    return j->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  });
}

std::string digest_session_key(const std::string& profile, const std::string& origin) { return profile + " " + origin; }

namespace {

nlohmann::json to_json(const DigestSession& s) {
  const auto& c = s.challenge;
  return {{"realm", c.realm},
          {"nonce", c.nonce},
          {"opaque", c.opaque},
          {"has_opaque", c.has_opaque},
          {"algorithm", auth::digest_algorithm_name(c.algorithm)},
          {"qops", c.qops},
          {"userhash", c.userhash},
          {"nc", s.nc}};
}

std::optional<DigestSession> from_json(const nlohmann::json& j) {
  try {
    DigestSession s;
    auto& c = s.challenge;
    c.realm = j.at("realm").get<std::string>();
    c.nonce = j.at("nonce").get<std::string>();
    c.opaque = j.at("opaque").get<std::string>();
    c.has_opaque = j.at("has_opaque").get<bool>();
    auto alg = auth::parse_digest_algorithm(j.at("algorithm").get<std::string>());
    if (!alg) return std::nullopt;
    c.algorithm = *alg;
    c.qops = j.at("qops").get<std::vector<std::string>>();
    c.userhash = j.at("userhash").get<bool>();
    // A float or an out-of-range count would not convert safely: forget such an entry.
    const auto& nc = j.at("nc");
    if (!nc.is_number_unsigned() || nc.get<std::uint64_t>() > 0xffffffffu) return std::nullopt;
    s.nc = static_cast<std::uint32_t>(nc.get<std::uint64_t>());
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // an entry from another version: forget it
  }
}

// Earlier nonces of a key and their last counts: [[nonce, nc], ...], newest last.
constexpr std::size_t kept_counts = 16;

nlohmann::json& counts_of(nlohmann::json& j, const std::string& key) {
  auto& all = j["digest_counts"];
  if (!all.is_object()) all = nlohmann::json::object();
  auto& list = all[key];
  if (!list.is_array()) list = nlohmann::json::array();
  return list;
}

// The last count used with nonce among the earlier ones, 0 when none; removes it from the list.
std::uint32_t take_count(nlohmann::json& list, const std::string& nonce) {
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->is_array() && it->size() == 2 && (*it)[0] == nonce && (*it)[1].is_number_unsigned()) {
      auto nc = (*it)[1].get<std::uint32_t>();
      list.erase(it);
      return nc;
    }
  }
  return 0;
}

void keep_count(nlohmann::json& list, const std::string& nonce, std::uint32_t nc) {
  list.push_back(nlohmann::json::array({nonce, nc}));
  while (list.size() > kept_counts) list.erase(list.begin());
}

}  // namespace

Result<std::optional<DigestSession>> reserve_digest_session(const StateFile& state, const std::string& key) {
  std::optional<DigestSession> out;
  auto ok = state.update([&](nlohmann::json& j) -> Result<void> {
    auto& sessions = j["digest"];
    if (!sessions.is_object()) sessions = nlohmann::json::object();
    if (!sessions.contains(key)) return {};
    auto s = from_json(sessions[key]);
    if (!s || s->nc == 0xffffffffu) {
      // An exhausted nonce's count is kept, so the nonce is never answered with a used count again.
      if (s) keep_count(counts_of(j, key), s->challenge.nonce, s->nc);
      sessions.erase(key);
      return {};
    }
    ++s->nc;
    sessions[key] = to_json(*s);
    out = std::move(s);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Result<std::optional<DigestSession>> peek_digest_session(const StateFile& state, const std::string& key) {
  auto j = state.read();
  if (!j) return std::unexpected(j.error());
  if (!j->contains("digest") || !(*j)["digest"].contains(key)) return std::optional<DigestSession>();
  auto s = from_json((*j)["digest"][key]);
  if (!s || s->nc == 0xffffffffu) return std::optional<DigestSession>();
  ++s->nc;
  return s;
}

Result<void> remember_digest_session(const StateFile& state, const std::string& key, const DigestSession& session) {
  return state.update([&](nlohmann::json& j) -> Result<void> {
    auto& sessions = j["digest"];
    if (!sessions.is_object()) sessions = nlohmann::json::object();
    auto& list = counts_of(j, key);
    DigestSession next = session;
    if (sessions.contains(key)) {
      if (auto old = from_json(sessions[key]); old) {
        if (old->challenge.nonce == session.challenge.nonce)
          next.nc = std::max(next.nc, old->nc);
        else
          keep_count(list, old->challenge.nonce, old->nc);
      }
    }
    next.nc = std::max(next.nc, take_count(list, session.challenge.nonce));
    sessions[key] = to_json(next);
    return {};
  });
}

Result<std::optional<std::uint32_t>> reserve_digest_count(const StateFile& state, const std::string& key,
                                                          const std::string& nonce) {
  std::optional<std::uint32_t> out;
  auto ok = state.update([&](nlohmann::json& j) -> Result<void> {
    auto& sessions = j["digest"];
    if (!sessions.is_object()) sessions = nlohmann::json::object();
    if (sessions.contains(key)) {
      auto current = from_json(sessions[key]);
      if (current && current->challenge.nonce == nonce) {
        if (current->nc == 0xffffffffu) return {};
        out = ++current->nc;
        sessions[key] = to_json(*current);
        return {};
      }
    }
    auto& list = counts_of(j, key);
    std::uint32_t last = take_count(list, nonce);
    if (last == 0xffffffffu) return {};
    out = last + 1;
    keep_count(list, nonce, *out);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

}  // namespace hookauth::store

namespace hookauth::store {

namespace {

nlohmann::json to_json(const CachedToken& c) {
  const auto& t = c.token;
  nlohmann::json j{{"fingerprint", c.fingerprint},
                   {"access_token", t.access_token},
                   {"token_type", t.token_type},
                   {"expires_at", nullptr},
                   {"scope", t.scope},
                   {"refresh_token", t.refresh_token}};
  if (t.expires_at) j["expires_at"] = util::unix_seconds(*t.expires_at);
  return j;
}

std::optional<CachedToken> token_from_json(const nlohmann::json& j) {
  try {
    CachedToken c;
    c.fingerprint = j.at("fingerprint").get<std::string>();
    c.token.access_token = j.at("access_token").get<std::string>();
    c.token.token_type = j.at("token_type").get<std::string>();
    if (const auto& e = j.at("expires_at"); !e.is_null()) {
      if (!e.is_number_integer()) return std::nullopt;  // a float (1e300) would not convert safely
      std::int64_t at = e.is_number_unsigned()
                            ? static_cast<std::int64_t>(std::min<std::uint64_t>(e.get<std::uint64_t>(), INT64_MAX))
                            : e.get<std::int64_t>();
      c.token.expires_at = util::Clock::time_point(
          std::chrono::seconds(std::clamp<std::int64_t>(at, 0, 2 * auth::max_lifetime_seconds)));
    }
    c.token.scope = j.at("scope").get<std::string>();
    c.token.refresh_token = j.at("refresh_token").get<std::string>();
    return c;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // an entry from another version: fetch anew
  }
}

}  // namespace

Result<std::optional<CachedToken>> load_token(const StateFile& state, const std::string& profile) {
  auto j = state.read();
  if (!j) return std::unexpected(j.error());
  auto tokens = j->find("oauth2");
  if (tokens == j->end() || !tokens->is_object() || !tokens->contains(profile)) return std::nullopt;
  return token_from_json((*tokens)[profile]);
}

Result<void> save_token(const StateFile& state, const std::string& profile, const CachedToken& token) {
  return state.update([&](nlohmann::json& j) -> Result<void> {
    auto& tokens = j["oauth2"];
    if (!tokens.is_object()) tokens = nlohmann::json::object();
    tokens[profile] = to_json(token);
    return {};
  });
}

Result<void> forget_token(const StateFile& state, const std::string& profile) {
  std::error_code ec;
  if (!std::filesystem::exists(state.path(), ec)) return {};
  return state.update([&](nlohmann::json& j) -> Result<void> {
    if (auto tokens = j.find("oauth2"); tokens != j.end() && tokens->is_object()) tokens->erase(profile);
    return {};
  });
}

std::filesystem::path token_lock_path(const StateFile& state, const std::string& profile) {
  return state.path().parent_path() / ("token-" + profile + ".lock");
}

}  // namespace hookauth::store
