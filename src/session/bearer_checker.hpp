#pragma once
// How `verify` and `verify serve` check an oauth2 profile's bearer tokens: an expected token, RFC
// 7662 introspection, or a JWT against a key set (a file, or a URL fetched again on an unknown kid).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/credentials.hpp"
#include "auth/jwt.hpp"
#include "net/transport.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::session {

struct BearerOptions {
  std::string introspect_url;
  std::string expect_token;  // a secret reference
  std::string jwks_url;
  std::string jwks_file;
  std::string issuer;    // JWT iss
  std::string audience;  // JWT aud
  int leeway = 60;       // JWT exp and nbf, seconds
};

// Thread-safe: `verify serve` answers in parallel. Active introspection answers and the key set
// are kept in memory for the life of the checker.
class BearerChecker {
 public:
  // nullptr for a profile that is not oauth2 (when no option was given); usage errors for options
  // that do not fit together.
  static Result<std::shared_ptr<BearerChecker>> make(const auth::Credentials& credentials, const BearerOptions& options,
                                                     std::function<util::Clock::time_point()> now,
                                                     net::TransportFactory make_transport);

  const auth::BearerCheck& check() const { return check_; }

 private:
  auth::BearerAnswer introspect(const std::string& token);
  auth::BearerAnswer check_jwt(const std::string& token);
  Result<auth::Jwks> fetch_jwks();

  auth::OAuth2Credentials credentials_;
  BearerOptions options_;
  std::function<util::Clock::time_point()> now_;
  net::TransportFactory make_transport_;
  auth::BearerCheck check_;
  std::mutex mutex_;
  std::map<std::string, std::int64_t> active_until_;  // SHA-256 of a token -> its exp
  auth::Jwks jwks_;
  std::optional<util::Clock::time_point> jwks_fetched_;
};

}  // namespace hookauth::session
