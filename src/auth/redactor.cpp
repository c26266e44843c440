#include "auth/redactor.hpp"

#include <algorithm>

#include "auth/crypto.hpp"
#include "util/overloaded.hpp"
#include "util/strings.hpp"

namespace hookauth::auth {

namespace {
// Secrets shorter than this are hidden by structure (header and parameter names) only: replacing
// every "ab" in an output would make it unreadable and tell an observer the secret anyway.
constexpr size_t min_substring_secret = 4;

using util::Overloaded;
}  // namespace

Redactor::Redactor() : headers_{"authorization", "proxy-authorization", "cookie"} {}

void Redactor::add_secret(std::string value) {
  if (value.size() < min_substring_secret) return;
  std::string encoded = util::percent_encode(value);
  if (encoded != value) secrets_.push_back(encoded);
  secrets_.push_back(std::move(value));
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void Redactor::add_header(std::string name) { headers_.push_back(util::to_lower(name)); }

void Redactor::add_query_param(std::string name) { query_params_.push_back(std::move(name)); }

std::string Redactor::header_value(std::string_view name, std::string_view value) const {
  if (!enabled_) return std::string(value);
  std::string lname = util::to_lower(name);
  if (std::find(headers_.begin(), headers_.end(), lname) == headers_.end()) return text(value);
  if (lname == "authorization" || lname == "proxy-authorization") {
    auto space = value.find(' ');
    if (space != std::string_view::npos) return std::string(value.substr(0, space + 1)) + std::string(redacted);
  }
  return std::string(redacted);
}

std::string Redactor::url(std::string_view url) const {
  if (!enabled_) return std::string(url);
  auto q = url.find('?');
  if (q == std::string_view::npos || query_params_.empty()) return text(url);
  auto hash = url.find('#', q);
  std::string_view query = url.substr(q + 1, hash == std::string_view::npos ? std::string_view::npos : hash - q - 1);
  std::string out(url.substr(0, q + 1));
  bool first = true;
  for (auto part : util::split(query, '&')) {
    if (!first) out.push_back('&');
    first = false;
    auto eq = part.find('=');
    std::string name = util::percent_decode(part.substr(0, eq), true);
    bool secret = std::find(query_params_.begin(), query_params_.end(), name) != query_params_.end();
    if (secret && eq != std::string_view::npos) {
      out.append(part.substr(0, eq + 1));
      out.append(redacted);
    } else {
      out.append(part);
    }
  }
  if (hash != std::string_view::npos) out.append(url.substr(hash));
  return text(out);
}

std::string Redactor::text(std::string_view text) const {
  std::string out(text);
  if (!enabled_) return out;
  for (const auto& s : secrets_) out = util::replace_all(std::move(out), s, redacted);
  return out;
}

Redactor redactor_for(const Credentials& credentials) {
  Redactor r;
  std::visit(
      Overloaded{[](const NoAuth&) {},
                 [&](const BasicCredentials& c) {
                   r.add_secret(c.password);
                   r.add_secret(crypto::base64_encode(c.username + ":" + c.password));
                 },
                 [&](const ApiKeyCredentials& c) {
                   r.add_secret(c.value);
                   if (c.in == KeyLocation::header)
                     r.add_header(c.name);
                   else
                     r.add_query_param(c.name);
                 },
                 [&](const DigestCredentials& c) { r.add_secret(c.password); },
                 [&](const AwsCredentials& c) {
                   r.add_secret(c.secret_key);
                   r.add_secret(c.session_token);
                   r.add_header("x-amz-security-token");
                   r.add_query_param("X-Amz-Security-Token");
                   r.add_query_param("X-Amz-Signature");  // a presigned URL is a credential until it expires
                 },
                 [&](const OAuth2Credentials& c) {
                   // The tokens themselves are added by whoever obtains them.
                   r.add_secret(c.client_secret);
                   r.add_secret(crypto::base64_encode(util::percent_encode(c.client_id) + ":" +
                                                      util::percent_encode(c.client_secret)));
                   for (auto p : {"client_secret", "access_token", "refresh_token", "code", "code_verifier", "token"})
                     r.add_query_param(p);
                 }},
      credentials);
  return r;
}

}  // namespace hookauth::auth
