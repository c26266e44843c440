#pragma once
// Cached state beside the store (Digest nonce sessions, OAuth 2.0 tokens): one JSON object in a
// 0600 file, changed like the store by a locked read-modify-write and an atomic replace, so
// processes running at the same time never hand out the same nonce count.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/digest.hpp"
#include "auth/oauth2.hpp"
#include "util/result.hpp"

namespace hookauth::store {

class StateFile {
 public:
  explicit StateFile(std::filesystem::path path) : path_(std::move(path)) {}
  // state.json in the store's directory.
  static StateFile beside(const std::filesystem::path& store_path);
  const std::filesystem::path& path() const { return path_; }

  // The state; an empty object when the file does not exist or is blank. A file that is not a JSON object is
  // an error naming the path (it is a cache: removing it loses nothing but round trips).
  Result<nlohmann::json> read() const;
  Result<void> update(const std::function<Result<void>(nlohmann::json&)>& change) const;

 private:
  std::filesystem::path path_;
};

// A remembered Digest session for one authorization at one origin.
struct DigestSession {
  auth::DigestChallenge challenge;
  std::uint32_t nc = 0;  // the nonce count to use
};

// The session key: "NAME scheme://host:port".
std::string digest_session_key(const std::string& profile, const std::string& origin);

// Takes the next nonce count of the remembered session, if there is one, and writes the count
// back before the request is sent. A session whose count would pass ffffffff is dropped.
Result<std::optional<DigestSession>> reserve_digest_session(const StateFile& state, const std::string& key);
// The next session without taking its count (for --dry-run).
Result<std::optional<DigestSession>> peek_digest_session(const StateFile& state, const std::string& key);
// Remembers a challenge (whose count nc has just been used, 0 for none) as the one the next send
// answers. The counts of earlier nonces are kept, so a process still answering one of them never
// repeats a count another process used.
Result<void> remember_digest_session(const StateFile& state, const std::string& key, const DigestSession& session);
// Takes the next count for one particular nonce of this key, whichever is current; nullopt when
// it would pass ffffffff.
Result<std::optional<std::uint32_t>> reserve_digest_count(const StateFile& state, const std::string& key,
                                                          const std::string& nonce);

// An OAuth 2.0 token cached for one authorization. The fingerprint names what the token was
// obtained for (client, URLs, grant, scope): a cached token whose fingerprint differs from the
// profile's is not used.
struct CachedToken {
  std::string fingerprint;
  auth::OAuth2Token token;
};

// The cached token of an authorization; nullopt when there is none or it is unreadable.
Result<std::optional<CachedToken>> load_token(const StateFile& state, const std::string& profile);
Result<void> save_token(const StateFile& state, const std::string& profile, const CachedToken& token);
Result<void> forget_token(const StateFile& state, const std::string& profile);
// The lock file that serialises token requests for one authorization, so processes that need a
// token at the same time make one request between them.
std::filesystem::path token_lock_path(const StateFile& state, const std::string& profile);

}  // namespace hookauth::store
