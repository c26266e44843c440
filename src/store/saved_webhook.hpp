#pragma once
// A saved webhook: the outbound configuration an authorization is used with (URL, method,
// headers), sent by name with `webhook send NAME`.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "store/profile.hpp"
#include "util/result.hpp"

namespace hookauth::store {

struct SavedWebhook {
  std::string name;
  std::string url;
  std::string auth;                  // an authorization's name; empty: none
  std::string method;                // empty: POST with data, else GET
  std::vector<std::string> headers;  // "Name: value"
};

// Why a URL with "user:password@" is refused (the URL itself is not quoted: it holds a secret).
inline constexpr const char* userinfo_refused =
    "the URL carries credentials (user:password@host): keep them in an authorization (auth add --type basic)";

// A method given with -X: letters and '-', not empty. The error quotes it.
Result<void> check_method(std::string_view method);

// Names as for authorizations; the URL http or https; headers "Name: value". Errors name the field.
Result<void> validate(const SavedWebhook& webhook);

nlohmann::ordered_json to_json(const SavedWebhook& webhook);
std::expected<SavedWebhook, JsonFieldError> webhook_from_json(const nlohmann::json& j);

}  // namespace hookauth::store
