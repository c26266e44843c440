#include "store/saved_webhook.hpp"

#include <nlohmann/json.hpp>

#include "util/strings.hpp"

namespace hookauth::store {

Result<void> check_method(std::string_view method) {
  bool ok = !method.empty();
  for (char c : method) ok = ok && (std::isalpha(static_cast<unsigned char>(c)) || c == '-');
  if (!ok) return usage_error("-X '" + util::printable(method) + "': not an HTTP method");
  return {};
}

Result<void> validate(const SavedWebhook& w) {
  if (auto ok = check_name(w.name); !ok)
    return usage_error(util::replace_all(ok.error().message, "authorization name", "webhook name"));
  std::string scheme = util::to_lower(w.url.substr(0, 8));
  if (!scheme.starts_with("http://") && !scheme.starts_with("https://"))
    return usage_error("--url '" + util::printable(w.url) + "': not an http or https URL");
  if (util::url_has_userinfo(w.url)) return usage_error(userinfo_refused);
  for (char c : w.url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return usage_error("--url: must not contain spaces or control characters (percent-encode them)");
  if (!w.method.empty())
    if (auto ok = check_method(w.method); !ok) return ok;
  for (const auto& h : w.headers) {
    auto colon = h.find(':');
    // The value may be a secret: errors name the header, never its value.
    if (colon == std::string::npos || util::trim(std::string_view(h).substr(0, colon)).empty())
      return usage_error("-H: expected 'Name: value' (no header name and ':')");
    if (auto ok = check_header_name(util::trim(std::string_view(h).substr(0, colon))); !ok)
      return usage_error("-H: " + ok.error().message);
    for (char c : h)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
        return usage_error("-H: must not contain control characters");
  }
  return {};
}

nlohmann::ordered_json to_json(const SavedWebhook& w) {
  nlohmann::ordered_json j{{"name", w.name}, {"url", w.url}};
  if (!w.auth.empty()) j["auth"] = w.auth;
  if (!w.method.empty()) j["method"] = w.method;
  if (!w.headers.empty()) j["headers"] = w.headers;
  return j;
}

std::expected<SavedWebhook, JsonFieldError> webhook_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::unexpected(JsonFieldError{"", "expected an object"});
  SavedWebhook w;
  for (const auto& [k, v] : j.items()) {
    if (k == "headers") {
      if (!v.is_array()) return std::unexpected(JsonFieldError{k, "expected an array of strings"});
      for (const auto& h : v) {
        if (!h.is_string()) return std::unexpected(JsonFieldError{k, "expected an array of strings"});
        w.headers.push_back(h.get<std::string>());
      }
      continue;
    }
    std::string* field = k == "name"     ? &w.name
                         : k == "url"    ? &w.url
                         : k == "auth"   ? &w.auth
                         : k == "method" ? &w.method
                                         : nullptr;
    if (!field) return std::unexpected(JsonFieldError{k, "not a field of a webhook"});
    if (!v.is_string()) return std::unexpected(JsonFieldError{k, "expected a string"});
    *field = v.get<std::string>();
  }
  if (w.name.empty()) return std::unexpected(JsonFieldError{"name", "expected a string"});
  if (w.url.empty()) return std::unexpected(JsonFieldError{"url", "expected a string"});
  if (auto ok = validate(w); !ok) return std::unexpected(JsonFieldError{"", ok.error().message});
  return w;
}

}  // namespace hookauth::store
