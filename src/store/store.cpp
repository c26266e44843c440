#include "store/store.hpp"

#include <unordered_set>

#include <nlohmann/json.hpp>

#include "store/json_locate.hpp"
#include "store/store_file.hpp"

namespace hookauth::store {

namespace fs = std::filesystem;

const Profile* StoreData::find(std::string_view name) const {
  for (const auto& p : authorizations)
    if (p.name == name) return &p;
  return nullptr;
}

Profile* StoreData::find(std::string_view name) {
  for (auto& p : authorizations)
    if (p.name == name) return &p;
  return nullptr;
}

const SavedWebhook* StoreData::find_webhook(std::string_view name) const {
  for (const auto& w : webhooks)
    if (w.name == name) return &w;
  return nullptr;
}

Result<fs::path> store_path(const std::string& flag, const char* env_store, const char* xdg, const char* home) {
  if (!flag.empty()) return fs::path(flag);
  if (env_store && *env_store) return fs::path(env_store);
  if (xdg && *xdg) return fs::path(xdg) / "hookauth" / "store.json";
  if (home && *home) return fs::path(home) / ".config" / "hookauth" / "store.json";
  return usage_error("cannot find the store: set --store, HOOKAUTH_STORE, XDG_CONFIG_HOME or HOME");
}

namespace {

std::unexpected<Error> schema_error(std::string_view text, const std::string& path, const std::vector<PathStep>& at,
                                    const std::string& what) {
  auto pos = position_of(text, locate(text, at));
  std::string where;
  for (const auto& step : at) {
    if (const auto* k = std::get_if<std::string>(&step))
      where += (where.empty() ? "" : ".") + *k;
    else
      where += "[" + std::to_string(std::get<std::size_t>(step)) + "]";
  }
  return usage_error("store " + path + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " +
                     (where.empty() ? "" : where + ": ") + what);
}

// nlohmann's message without its "last read: '...'" excerpt, which may hold a secret.
std::string syntax_reason(const std::string& what) {
  std::string s = what;
  if (auto colon = s.find(": ", s.find("parse error")); colon != std::string::npos) s = s.substr(colon + 2);
  auto lr = s.find("; last read: '");
  if (lr == std::string::npos) return s;
  // The excerpt can hold any text, "'; " included, so it is dropped up to the end; only a trailing
  // "; expected X" whose X is one of nlohmann's token names is kept.
  static constexpr std::string_view token_names[] = {"true literal",
                                                     "false literal",
                                                     "null literal",
                                                     "string literal",
                                                     "number literal",
                                                     "'['",
                                                     "'{'",
                                                     "']'",
                                                     "'}'",
                                                     "':'",
                                                     "','",
                                                     "end of input",
                                                     "'[', '{', or a literal",
                                                     "<uninitialized>",
                                                     "<parse error>",
                                                     "unknown token"};
  std::string tail;
  for (auto name : token_names) {
    std::string suffix = "'; expected " + std::string(name);
    if (s.size() >= lr + 14 + suffix.size() && s.ends_with(suffix)) tail = suffix.substr(1);
  }
  return s.substr(0, lr) + tail;
}

}  // namespace

Result<StoreData> parse_store(std::string_view text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::out_of_range& e) {
    return usage_error("store " + path + ": not valid JSON: a number is out of range");
  } catch (const nlohmann::json::parse_error& e) {
    auto pos = position_of(text, e.byte == 0 ? 0 : e.byte - 1);
    return usage_error("store " + path + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                       ": not valid JSON: " + syntax_reason(e.what()));
  }
  if (!j.is_object()) return schema_error(text, path, {}, "expected a JSON object");
  auto version = j.find("version");
  if (version == j.end()) return schema_error(text, path, {}, "no schema \"version\"");
  if (!version->is_number_integer()) return schema_error(text, path, {"version"}, "expected an integer");
  if (version->get<long long>() != schema_version)
    return schema_error(text, path, {"version"},
                        "schema version " + version->dump() + " is not one this hookauth reads (" +
                            std::to_string(schema_version) + ")");
  StoreData data;
  // The names seen so far, so a store of many entries is checked for duplicates in linear time.
  std::unordered_set<std::string> auth_names, webhook_names;
  for (const auto& [k, v] : j.items()) {
    if (k == "version") continue;
    if (k != "authorizations" && k != "webhooks") return schema_error(text, path, {k}, "unknown member");
    if (!v.is_array()) return schema_error(text, path, {k}, "expected an array");
    if (k == "webhooks") {
      for (std::size_t i = 0; i < v.size(); ++i) {
        auto w = webhook_from_json(v[i]);
        if (!w) {
          std::vector<PathStep> at{std::string("webhooks"), i};
          if (!w.error().key.empty()) at.emplace_back(w.error().key);
          return schema_error(text, path, at, w.error().message);
        }
        if (!webhook_names.insert(w->name).second)
          return schema_error(text, path, {std::string("webhooks"), i}, "webhook '" + w->name + "' appears twice");
        data.webhooks.push_back(std::move(*w));
      }
      continue;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      auto p = profile_from_json(v[i]);
      if (!p) {
        std::vector<PathStep> at{std::string("authorizations"), i};
        if (!p.error().key.empty()) at.emplace_back(p.error().key);
        return schema_error(text, path, at, p.error().message);
      }
      if (!auth_names.insert(p->name).second)
        return schema_error(text, path, {std::string("authorizations"), i},
                            "authorization '" + p->name + "' appears twice");
      data.authorizations.push_back(std::move(*p));
    }
  }
  return data;
}

std::string serialize_store(const StoreData& data) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["version"] = schema_version;
  j["authorizations"] = nlohmann::ordered_json::array();
  for (const auto& p : data.authorizations) j["authorizations"].push_back(to_json(p));
  if (!data.webhooks.empty()) {
    j["webhooks"] = nlohmann::ordered_json::array();
    for (const auto& w : data.webhooks) j["webhooks"].push_back(to_json(w));
  }
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

Result<StoreData> Store::load() const {
  std::error_code ec;
  if (!fs::exists(path_, ec)) return StoreData{};
  if (auto ok = check_private(path_); !ok) return std::unexpected(ok.error());
  auto text = read_whole_file(path_);
  if (!text) return std::unexpected(text.error());
  return parse_store(*text, path_.string());
}

Result<void> Store::update(const std::function<Result<void>(StoreData&)>& change) const {
  return locked_rewrite(path_, [&]() -> Result<std::string> {
    auto data = load();
    if (!data) return std::unexpected(data.error());
    if (auto ok = change(*data); !ok) return std::unexpected(ok.error());
    return serialize_store(*data);
  });
}

}  // namespace hookauth::store
