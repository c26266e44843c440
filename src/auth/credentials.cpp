#include "auth/credentials.hpp"

#include "auth/api_key.hpp"
#include "auth/basic.hpp"
#include "auth/digest.hpp"
#include "auth/sigv4.hpp"
#include "util/overloaded.hpp"

namespace hookauth::auth {

namespace {
using util::Overloaded;
}  // namespace

std::string_view type_name(const Credentials& credentials) {
  return std::visit(Overloaded{[](const NoAuth&) { return std::string_view("none"); },
                               [](const BasicCredentials&) { return std::string_view("basic"); },
                               [](const ApiKeyCredentials&) { return std::string_view("api-key"); },
                               [](const DigestCredentials&) { return std::string_view("digest"); },
                               [](const AwsCredentials&) { return std::string_view("aws-sigv4"); }},
                    credentials);
}

bool DigestNonceBook::first_use(const std::string& nonce, std::uint32_t nc) {
  std::lock_guard lock(mutex_);
  return seen_.emplace(nonce, nc).second;
}

Result<void> sign(const Credentials& credentials, Request& request, const SignContext& context) {
  return std::visit(Overloaded{[](const NoAuth&) -> Result<void> { return {}; },
                               [&](const BasicCredentials& c) { return sign_basic(c, request); },
                               [&](const ApiKeyCredentials& c) { return sign_api_key(c, request); },
                               [&](const DigestCredentials& c) { return sign_digest(c, request, context); },
                               [&](const AwsCredentials& c) { return sign_sigv4(c, request, context); }},
                    credentials);
}

Verdict verify(const Credentials& credentials, const Request& request, const VerifyContext& context) {
  return std::visit(Overloaded{[](const NoAuth&) {
                                 return Verdict{true, "", {}};
                               },
                               [&](const BasicCredentials& c) { return verify_basic(c, request); },
                               [&](const ApiKeyCredentials& c) { return verify_api_key(c, request); },
                               [&](const DigestCredentials& c) { return verify_digest(c, request, context); },
                               [&](const AwsCredentials& c) { return verify_sigv4(c, request, context); }},
                    credentials);
}

}  // namespace hookauth::auth
