#pragma once
// An API key sent in a named header or query parameter.

#include "auth/credentials.hpp"

namespace hookauth::auth {

Result<void> sign_api_key(const ApiKeyCredentials& credentials, Request& request);
Verdict verify_api_key(const ApiKeyCredentials& credentials, const Request& request);

}  // namespace hookauth::auth
