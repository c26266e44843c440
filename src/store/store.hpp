#pragma once
// The profile store: one JSON file with a schema version, read whole, changed by a locked
// read-modify-write and an atomic replace, never overwritten when it cannot be understood.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/profile.hpp"
#include "store/saved_webhook.hpp"
#include "util/result.hpp"

namespace hookauth::store {

inline constexpr int schema_version = 1;

struct StoreData {
  std::vector<Profile> authorizations;
  std::vector<SavedWebhook> webhooks;

  const Profile* find(std::string_view name) const;
  Profile* find(std::string_view name);
  const SavedWebhook* find_webhook(std::string_view name) const;
};

// Where the store is: --store, else HOOKAUTH_STORE, else $XDG_CONFIG_HOME/hookauth/store.json,
// else $HOME/.config/hookauth/store.json. Empty strings count as unset.
Result<std::filesystem::path> store_path(const std::string& flag, const char* env_store, const char* xdg_config_home,
                                         const char* home);

// Parses store text; errors give the path, line and column and what is wrong.
Result<StoreData> parse_store(std::string_view text, const std::string& path_for_errors);
std::string serialize_store(const StoreData& data);

// The authorization named name, validated in full (errors as parse_store's); nullopt when there is
// none. Of the rest of the store, its shape and each authorization's shape are checked (what
// parse_store refuses but for the values validate() checks), and every saved webhook in full.
Result<std::optional<Profile>> parse_store_profile(std::string_view text, const std::string& path_for_errors,
                                                   std::string_view name);
// One row of `auth list`, and what makes its summary of a profile (given its name, type and
// non-secret single-valued fields: no secrets, no repeatable fields).
struct ListedAuthorization {
  std::string name, type, summary;
};
using SummaryFunction = std::function<std::string(const Profile&)>;

// What `auth list` shows of each authorization, the store checked as by parse_store_profile. The
// profiles are summarised one at a time and not kept.
Result<std::vector<ListedAuthorization>> parse_store_list(std::string_view text, const std::string& path_for_errors,
                                                          const SummaryFunction& summary);

class Store {
 public:
  explicit Store(std::filesystem::path path) : path_(std::move(path)) {}
  const std::filesystem::path& path() const { return path_; }

  // The store's content; an empty store when the file does not exist yet or is blank (is_blank).
  Result<StoreData> load() const;
  // The one authorization a command uses, or the summaries `auth list` shows: the store is read as
  // by parse_store_profile and parse_store_list, without building every profile.
  Result<std::optional<Profile>> load_profile(std::string_view name) const;
  Result<std::vector<ListedAuthorization>> load_list(const SummaryFunction& summary) const;
  // Locks, loads, lets change alter the data, and replaces the file atomically when change
  // succeeds. A store that fails to load is left as it is.
  Result<void> update(const std::function<Result<void>(StoreData&)>& change) const;

 private:
  // The file's text after the permission check; nullopt when there is no file or it is blank.
  Result<std::optional<std::string>> read_text() const;

  std::filesystem::path path_;
};

}  // namespace hookauth::store
