#include "auth/credentials.hpp"

#include "auth/api_key.hpp"
#include "auth/basic.hpp"

namespace hookauth::auth {

namespace {
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
}  // namespace

std::string_view type_name(const Credentials& credentials) {
  return std::visit(Overloaded{[](const NoAuth&) { return std::string_view("none"); },
                               [](const BasicCredentials&) { return std::string_view("basic"); },
                               [](const ApiKeyCredentials&) { return std::string_view("api-key"); }},
                    credentials);
}

Result<void> sign(const Credentials& credentials, Request& request, const SignContext&) {
  return std::visit(Overloaded{[](const NoAuth&) -> Result<void> { return {}; },
                               [&](const BasicCredentials& c) { return sign_basic(c, request); },
                               [&](const ApiKeyCredentials& c) { return sign_api_key(c, request); }},
                    credentials);
}

Verdict verify(const Credentials& credentials, const Request& request) {
  return std::visit(Overloaded{[](const NoAuth&) {
                                 return Verdict{true, "", ""};
                               },
                               [&](const BasicCredentials& c) { return verify_basic(c, request); },
                               [&](const ApiKeyCredentials& c) { return verify_api_key(c, request); }},
                    credentials);
}

}  // namespace hookauth::auth
