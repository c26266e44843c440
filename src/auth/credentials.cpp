#include "auth/credentials.hpp"

#include "auth/api_key.hpp"
#include "auth/basic.hpp"
#include "auth/crypto.hpp"
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
                               [](const AwsCredentials&) { return std::string_view("aws-sigv4"); },
                               [](const OAuth2Credentials&) { return std::string_view("oauth2"); }},
                    credentials);
}

namespace {

// RFC 6750 3: the challenge, with error="invalid_token" once a token was presented.
Verdict refuse_bearer(std::string reason, bool presented) {
  std::string challenge = "Bearer realm=\"hookauth\"";
  if (presented) challenge += ", error=\"invalid_token\"";
  return {false, std::move(reason), {std::move(challenge)}};
}

Verdict verify_bearer(const Request& request, const VerifyContext& context) {
  auto token = bearer_of(request);
  if (!token) return refuse_bearer(token.error(), false);
  if (!context.bearer || (context.bearer->expected.empty() && !context.bearer->check))
    return refuse_bearer("no way to check a bearer token: give --introspect-url, --jwks-url, --jwks or --expect-token",
                         true);
  if (!context.bearer->expected.empty()) {
    if (!crypto::constant_time_equal(*token, context.bearer->expected))
      return refuse_bearer("the bearer token is not the expected one", true);
    return {true, "", {}};
  }
  auto answer = context.bearer->check(*token);
  if (!answer.valid) return refuse_bearer(std::move(answer.reason), true);
  return {true, "", {}};
}

}  // namespace

Admission DigestNonceBook::admit(const std::string& nonce, std::uint32_t nc, util::Clock::time_point now,
                                 util::Clock::time_point until) {
  // nc is last and all digits, so no two pairs make the same text.
  auto key = ExpiringSet::key_of(nonce + ":" + std::to_string(nc));
  std::lock_guard lock(mutex_);
  return seen_.add(key, now, until);
}

std::size_t DigestNonceBook::size() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
}

Result<void> sign(const Credentials& credentials, Request& request, const SignContext& context) {
  return std::visit(Overloaded{[](const NoAuth&) -> Result<void> { return {}; },
                               [&](const BasicCredentials& c) { return sign_basic(c, request); },
                               [&](const ApiKeyCredentials& c) { return sign_api_key(c, request); },
                               [&](const DigestCredentials& c) { return sign_digest(c, request, context); },
                               [&](const AwsCredentials& c) {
                                 if (context.sigv4_presign_expires > 0)
                                   return presign_sigv4(c, request, context.now, context.sigv4_presign_expires,
                                                        context.sigv4_steps, context.sigv4_keys);
                                 return sign_sigv4(c, request, context);
                               },
                               [&](const OAuth2Credentials&) { return sign_bearer(context.bearer_token, request); }},
                    credentials);
}

Verdict verify(const Credentials& credentials, const Request& request, const VerifyContext& context) {
  return std::visit(Overloaded{[](const NoAuth&) {
                                 return Verdict{true, "", {}};
                               },
                               [&](const BasicCredentials& c) { return verify_basic(c, request); },
                               [&](const ApiKeyCredentials& c) { return verify_api_key(c, request); },
                               [&](const DigestCredentials& c) { return verify_digest(c, request, context); },
                               [&](const AwsCredentials& c) { return verify_sigv4(c, request, context); },
                               [&](const OAuth2Credentials&) { return verify_bearer(request, context); }},
                    credentials);
}

}  // namespace hookauth::auth
