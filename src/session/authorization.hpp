#pragma once
// One stored authorization made ready to use on either side of the wire: its credentials and
// payload signature with every secret reference resolved, the redactor that knows those secrets,
// and the state file its sessions and tokens are cached in.

#include <memory>
#include <optional>
#include <string>

#include "auth/credentials.hpp"
#include "auth/payload_signature.hpp"
#include "auth/redactor.hpp"
#include "store/profile.hpp"
#include "store/state_file.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace hookauth::session {

struct Authorization {
  std::string name;  // empty for no authorization at all
  std::string type = "none";
  auth::Credentials credentials = auth::NoAuth{};
  std::optional<auth::SignatureCredentials> signature;  // the type's own, or one stacked on it
  auth::Redactor redactor;                              // every secret of both
  std::optional<store::StateFile> state;                // beside the store; none without a store
  // Where keys that change during a run come from (an AWS profile's credential_process); nullptr
  // when the credentials' keys hold for the whole run.
  std::shared_ptr<store::KeyProvider> keys;

  // The authorization called name in store, its secret references resolved; a usage error that
  // names the store when there is none.
  static Result<Authorization> load(const store::Store& store, const std::string& name);
  // The same, for a store already loaded from store_path.
  static Result<Authorization> load(const store::StoreData& data, const std::filesystem::path& store_path,
                                    const std::string& name);
  // The same, for a profile already read from the store at store_path: a caller that must check the
  // profile first (its type) does so before any secret is resolved (a cmd: reference runs a command).
  static Result<Authorization> from_profile(const store::Profile& profile, const std::filesystem::path& store_path);

  // Whether a request signed with it carries anything secret.
  bool carries_credentials() const;
};

}  // namespace hookauth::session
