#pragma once
// The one path by which anything secret-bearing is made fit to display: header values by name,
// query parameters by name, and, as a second net, every known secret value wherever it appears.

#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"

namespace hookauth::auth {

inline constexpr std::string_view redacted = "[redacted]";

class Redactor {
 public:
  // A redactor that hides Authorization, Proxy-Authorization and Cookie headers.
  Redactor();

  void add_secret(std::string value);
  void add_header(std::string name);
  void add_query_param(std::string name);
  // When off, every method returns its input unchanged (the operator asked for --reveal).
  void set_enabled(bool enabled) { enabled_ = enabled; }

  // "Basic dXNlcjpw" -> "Basic [redacted]" for Authorization-like headers; "[redacted]" for others.
  std::string header_value(std::string_view name, std::string_view value) const;
  // The URL with the values of secret query parameters replaced.
  std::string url(std::string_view url) const;
  // Any text, with every known secret value (and its encoded forms) replaced.
  std::string text(std::string_view text) const;

 private:
  bool enabled_ = true;
  std::vector<std::string> secrets_;
  std::vector<std::string> headers_;
  std::vector<std::string> query_params_;
};

// A redactor that knows everything secret about these credentials.
Redactor redactor_for(const Credentials& credentials);

}  // namespace hookauth::auth
