#include "auth/api_key.hpp"

#include "auth/crypto.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

Result<void> sign_api_key(const ApiKeyCredentials& c, Request& request) {
  if (c.in == KeyLocation::header) {
    if (c.name.empty() || c.name.find_first_of(" \t\r\n:") != std::string::npos)
      return usage_error("api-key key: '" + c.name + "' is not a header name");
    for (char ch : c.value)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
        return usage_error("api-key value: must not contain control characters in a header");
    request.headers.set(c.name, c.value);
    return {};
  }
  // Any fragment stays last; the parameter goes at the end of the query.
  std::string fragment;
  if (auto hash = request.url.find('#'); hash != std::string::npos) {
    fragment = request.url.substr(hash);
    request.url.resize(hash);
  }
  char sep = request.url.find('?') == std::string::npos ? '?' : '&';
  if (request.url.ends_with('?') || request.url.ends_with('&')) sep = '\0';
  if (sep) request.url.push_back(sep);
  request.url += util::percent_encode(c.name) + "=" + util::percent_encode(c.value) + fragment;
  return {};
}

Verdict verify_api_key(const ApiKeyCredentials& c, const Request& request) {
  if (c.in == KeyLocation::header) {
    auto value = request.headers.get(c.name);
    if (!value) return {false, "no " + c.name + " header", {}};
    if (!crypto::constant_time_equal(util::trim(*value), c.value))
      return {false, "wrong API key in header " + c.name, {}};
    return {true, "", {}};
  }
  auto params = parse_query(split_target(request.url).query);
  const std::string* found = nullptr;
  for (const auto& [k, v] : params)
    if (k == c.name) {
      if (found) return {false, "query parameter " + c.name + " given more than once", {}};
      found = &v;
    }
  if (!found) return {false, "no " + c.name + " query parameter", {}};
  if (!crypto::constant_time_equal(*found, c.value)) return {false, "wrong API key in query parameter " + c.name, {}};
  return {true, "", {}};
}

}  // namespace hookauth::auth
