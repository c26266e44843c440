#include "auth/basic.hpp"

#include "auth/challenge.hpp"
#include "auth/crypto.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {
constexpr std::string_view challenge = "Basic realm=\"hookauth\", charset=\"UTF-8\"";

bool has_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}
}  // namespace

Result<std::string> basic_authorization(const BasicCredentials& c) {
  // RFC 7617 section 2: the user-id cannot contain a colon; neither part may hold controls.
  if (c.username.find(':') != std::string::npos) return usage_error("basic username: must not contain ':'");
  if (has_control(c.username)) return usage_error("basic username: must not contain control characters");
  if (has_control(c.password)) return usage_error("basic password: must not contain control characters");
  return "Basic " + crypto::base64_encode(c.username + ":" + c.password);
}

Result<void> sign_basic(const BasicCredentials& c, Request& request) {
  auto value = basic_authorization(c);
  if (!value) return std::unexpected(value.error());
  request.headers.set("Authorization", std::move(*value));
  return {};
}

Verdict verify_basic(const BasicCredentials& c, const Request& request) {
  auto header = request.headers.get("Authorization");
  if (!header) return {false, "no Authorization header", {std::string(challenge)}};
  std::string_view value = util::trim(*header);
  auto space = value.find(' ');
  std::string_view scheme = value.substr(0, space);
  if (!util::iequals(scheme, "Basic"))
    return {false, "Authorization has " + scheme_for_display(value) + ", expected 'Basic'", {std::string(challenge)}};
  std::string_view token = space == std::string_view::npos ? "" : util::trim(value.substr(space + 1));
  auto decoded = crypto::base64_decode(token);
  if (!decoded) return {false, "malformed Basic credentials: not valid base64", {std::string(challenge)}};
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return {false, "malformed Basic credentials: no ':'", {std::string(challenge)}};
  // Both halves are always compared, so timing tells nothing about which one was wrong.
  bool user_ok = crypto::constant_time_equal(std::string_view(*decoded).substr(0, colon), c.username);
  bool pass_ok = crypto::constant_time_equal(std::string_view(*decoded).substr(colon + 1), c.password);
  if (!(user_ok & pass_ok)) return {false, "wrong username or password", {std::string(challenge)}};
  return {true, "", {}};
}

}  // namespace hookauth::auth
