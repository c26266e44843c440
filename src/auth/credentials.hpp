#pragma once
// The credentials of each authorization type, resolved (secrets are plain values here), and the
// two operations every type has: sign a request, and verify a received one.

#include <string>
#include <string_view>
#include <variant>

#include "auth/http_message.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::auth {

struct NoAuth {};

struct BasicCredentials {
  std::string username;
  std::string password;
};

enum class KeyLocation { header, query };

struct ApiKeyCredentials {
  std::string name;  // header or query parameter name
  std::string value;
  KeyLocation in = KeyLocation::header;
};

using Credentials = std::variant<NoAuth, BasicCredentials, ApiKeyCredentials>;

// What signing may depend on besides the credentials: passed in, never read inside.
struct SignContext {
  util::Clock::time_point now{};
};

struct Verdict {
  bool valid = false;
  std::string reason;     // why not, for the operator; never contains a secret
  std::string challenge;  // a WWW-Authenticate value to send with a 401, when the scheme has one
};

std::string_view type_name(const Credentials& credentials);

// Adds the credentials to the request. Errors are usage errors (for example a Basic user-id with
// a colon, which RFC 7617 section 2 forbids).
Result<void> sign(const Credentials& credentials, Request& request, const SignContext& context);

// Checks that a received request carries these credentials, in constant time.
Verdict verify(const Credentials& credentials, const Request& request);

}  // namespace hookauth::auth
