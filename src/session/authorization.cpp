#include "session/authorization.hpp"

namespace hookauth::session {

Result<Authorization> Authorization::load(const store::Store& store, const std::string& name) {
  auto data = store.load();
  if (!data) return std::unexpected(data.error());
  return load(*data, store.path(), name);
}

Result<Authorization> Authorization::load(const store::StoreData& data, const std::filesystem::path& store_path,
                                          const std::string& name) {
  const store::Profile* profile = data.find(name);
  if (!profile)
    return usage_error("no authorization named '" + name + "' in " + store_path.string() +
                       " (see 'hookauth auth list')");
  Authorization a;
  a.name = name;
  a.type = profile->type;
  auto credentials = store::to_credentials(*profile);
  if (!credentials) return std::unexpected(credentials.error());
  a.credentials = std::move(*credentials);
  auto signature = store::to_signature(*profile);
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
