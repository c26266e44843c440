#pragma once
// HTTP Basic authentication (RFC 7617).

#include "auth/credentials.hpp"

namespace hookauth::auth {

// The Authorization value "Basic base64(user-id:password)" (RFC 7617 section 2); an error when
// the user-id holds a colon or a control character.
Result<std::string> basic_authorization(const BasicCredentials& credentials);
Result<void> sign_basic(const BasicCredentials& credentials, Request& request);
Verdict verify_basic(const BasicCredentials& credentials, const Request& request);

}  // namespace hookauth::auth
