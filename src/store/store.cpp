#include "store/store.hpp"

#include <algorithm>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "store/json_locate.hpp"
#include "store/store_file.hpp"
#include "store/store_scan.hpp"

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

std::unexpected<Error> syntax_error(std::string_view text, const std::string& path, std::size_t byte,
                                    const std::string& what) {
  auto pos = position_of(text, byte == 0 ? 0 : byte - 1);
  return usage_error("store " + path + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                     ": not valid JSON: " + syntax_reason(what));
}

std::unexpected<Error> out_of_range_error(const std::string& path) {
  return usage_error("store " + path + ": not valid JSON: a number is out of range");
}

// The version check, the same for the whole store and for a scan of it.
Result<void> check_version(std::string_view text, const std::string& path, bool has, bool integer, long long value,
                           const std::string& shown) {
  if (!has) return schema_error(text, path, {}, "no schema \"version\"");
  if (!integer) return schema_error(text, path, {"version"}, "expected an integer");
  if (value != schema_version)
    return schema_error(
        text, path, {"version"},
        "schema version " + shown + " is not one this hookauth reads (" + std::to_string(schema_version) + ")");
  return {};
}

}  // namespace

Result<StoreData> parse_store(std::string_view text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::out_of_range& e) {
    return out_of_range_error(path);
  } catch (const nlohmann::json::parse_error& e) {
    return syntax_error(text, path, e.byte, e.what());
  }
  if (!j.is_object()) return schema_error(text, path, {}, "expected a JSON object");
  auto version = j.find("version");
  bool integer = version != j.end() && version->is_number_integer();
  if (auto ok = check_version(text, path, version != j.end(), integer, integer ? version->get<long long>() : 0,
                              integer ? version->dump() : "");
      !ok)
    return std::unexpected(ok.error());
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

namespace {

// One authorization of a scanned store, read and validated in full.
Result<Profile> read_profile(std::string_view text, const std::string& path, const StoreScan& scan, std::size_t i) {
  const ScannedEntry& e = scan.authorizations[i];
  // The whole text parsed, so the entry's bytes do too.
  auto p =
      profile_from_json(e.object ? nlohmann::json::parse(text.substr(e.begin, e.end - e.begin)) : nlohmann::json());
  if (p) return std::move(*p);
  std::vector<PathStep> at{std::string("authorizations"), i};
  if (!p.error().key.empty()) at.emplace_back(p.error().key);
  return schema_error(text, path, at, p.error().message);
}

// The authorizations of a scan: the entries the quick checks flagged are checked in full, in
// order, and so are the names (each once), as parse_store does.
Result<void> check_authorizations(std::string_view text, const std::string& path, const StoreScan& scan) {
  for (std::size_t i = 0; i < scan.authorizations.size(); ++i) {
    const ScannedEntry& e = scan.authorizations[i];
    if (!e.object || e.suspect)
      if (auto p = read_profile(text, path, scan, i); !p) return std::unexpected(p.error());
    if (scan.first_duplicate == i)
      return schema_error(text, path, {std::string("authorizations"), i},
                          "authorization '" + *e.name + "' appears twice");
  }
  return {};
}

// The saved webhooks of a scan, each read in full: they are few.
Result<void> check_webhooks(std::string_view text, const std::string& path, const StoreScan& scan) {
  std::unordered_set<std::string> names;
  for (std::size_t i = 0; i < scan.webhooks.size(); ++i) {
    const ScannedEntry& e = scan.webhooks[i];
    auto w =
        webhook_from_json(e.object ? nlohmann::json::parse(text.substr(e.begin, e.end - e.begin)) : nlohmann::json());
    if (!w) {
      std::vector<PathStep> at{std::string("webhooks"), i};
      if (!w.error().key.empty()) at.emplace_back(w.error().key);
      return schema_error(text, path, at, w.error().message);
    }
    if (!names.insert(w->name).second)
      return schema_error(text, path, {std::string("webhooks"), i}, "webhook '" + w->name + "' appears twice");
  }
  return {};
}

// The store scanned and refused as parse_store refuses it, except for what an authorization's
// values hold (validate()), which is checked only for the ones the quick checks flag.
Result<StoreScan> checked_scan(std::string_view text, const std::string& path, const SummaryFunction* summary) {
  StoreScan scan = scan_store(text, summary);
  if (scan.out_of_range) return out_of_range_error(path);
  if (scan.syntax_byte) return syntax_error(text, path, *scan.syntax_byte, scan.syntax_what);
  if (!scan.root_object) return schema_error(text, path, {}, "expected a JSON object");
  if (auto ok = check_version(text, path, scan.has_version, scan.version && scan.version_integer, scan.version_value,
                              scan.version.value_or(""));
      !ok)
    return std::unexpected(ok.error());
  auto members = scan.members;  // in key order, as a JSON object iterates them
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (const auto& m : members) {
    if (m.key != "authorizations" && m.key != "webhooks") return schema_error(text, path, {m.key}, "unknown member");
    if (!m.array) return schema_error(text, path, {m.key}, "expected an array");
    auto ok = m.key == "webhooks" ? check_webhooks(text, path, scan) : check_authorizations(text, path, scan);
    if (!ok) return std::unexpected(ok.error());
  }
  return scan;
}

}  // namespace

Result<std::optional<Profile>> parse_store_profile(std::string_view text, const std::string& path,
                                                   std::string_view name) {
  auto scan = checked_scan(text, path, nullptr);
  if (!scan) return std::unexpected(scan.error());
  for (std::size_t i = 0; i < scan->authorizations.size(); ++i)
    if (scan->authorizations[i].name == name) return read_profile(text, path, *scan, i);
  return std::nullopt;
}

Result<std::vector<ListedAuthorization>> parse_store_list(std::string_view text, const std::string& path,
                                                          const SummaryFunction& summary) {
  auto scan = checked_scan(text, path, &summary);
  if (!scan) return std::unexpected(scan.error());
  for (std::size_t i = 0; i < scan->authorizations.size(); ++i) {
    if (!scan->authorizations[i].suspect) continue;
    auto p = read_profile(text, path, *scan, i);  // flagged, and found sound by the full check
    if (!p) return std::unexpected(p.error());
    p->secrets.clear();
    std::erase_if(p->fields, [&](const auto& f) { return find_type(p->type)->field(f.first)->list; });
    scan->listed[i] = {p->name, p->type, summary(*p)};
  }
  return std::move(scan->listed);
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

Result<std::optional<std::string>> Store::read_text() const {
  std::error_code ec;
  if (!fs::exists(path_, ec)) return std::nullopt;
  if (auto ok = check_private(path_); !ok) return std::unexpected(ok.error());
  auto text = read_whole_file(path_);
  if (!text) return std::unexpected(text.error());
  if (is_blank(*text)) return std::nullopt;  // an empty store, as a missing one
  return std::move(*text);
}

Result<StoreData> Store::load() const {
  auto text = read_text();
  if (!text) return std::unexpected(text.error());
  if (!*text) return StoreData{};
  return parse_store(**text, path_.string());
}

Result<std::optional<Profile>> Store::load_profile(std::string_view name) const {
  auto text = read_text();
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::nullopt;
  return parse_store_profile(**text, path_.string(), name);
}

Result<std::vector<ListedAuthorization>> Store::load_list(const SummaryFunction& summary) const {
  auto text = read_text();
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::vector<ListedAuthorization>{};
  return parse_store_list(**text, path_.string(), summary);
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
