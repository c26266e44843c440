#include "session/authorization.hpp"

namespace hookauth::session {

namespace {

std::unexpected<Error> not_found(const std::string& name, const std::filesystem::path& store_path) {
  return usage_error("no authorization named '" + name + "' in " + store_path.string() + " (see 'hookauth auth list')");
}

}  // namespace

Result<Authorization> Authorization::load(const store::Store& store, const std::string& name) {
  // Only this profile is parsed and validated in full; the rest of the store for its shape.
  auto profile = store.load_profile(name);
  if (!profile) return std::unexpected(profile.error());
  if (!*profile) return not_found(name, store.path());
  return from_profile(**profile, store.path());
}

Result<Authorization> Authorization::load(const store::StoreData& data, const std::filesystem::path& store_path,
                                          const std::string& name) {
  const store::Profile* profile = data.find(name);
  if (!profile) return not_found(name, store_path);
  return from_profile(*profile, store_path);
}

Result<Authorization> Authorization::from_profile(const store::Profile& profile,
                                                  const std::filesystem::path& store_path) {
  Authorization a;
  a.name = profile.name;
  a.type = profile.type;
  auto credentials = store::resolve_credentials(profile);
  if (!credentials) return std::unexpected(credentials.error());
  a.credentials = std::move(credentials->credentials);
  a.keys = std::move(credentials->keys);
  auto signature = store::to_signature(profile);
  if (!signature) return std::unexpected(signature.error());
  a.signature = std::move(*signature);
  a.redactor = auth::redactor_for(a.credentials);
  if (a.signature)
    for (const auto& secret : a.signature->secrets) a.redactor.add_secret(secret);
  a.state = store::StateFile::beside(store_path);
  return a;
}

bool Authorization::carries_credentials() const {
  return !std::holds_alternative<auth::NoAuth>(credentials) || signature.has_value();
}

}  // namespace hookauth::session
