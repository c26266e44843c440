#pragma once
// Parser for the WWW-Authenticate and Authorization header grammar of RFC 9110 section 11:
// schemes, auth-params (tokens or quoted strings with backslash escapes) and token68.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace hookauth::auth {

struct AuthChallenge {
  std::string scheme;                         // as sent; compare case-insensitively
  std::string token68;                        // for schemes such as Basic credentials
  std::map<std::string, std::string> params;  // names lowercased, values unquoted
};

// Every challenge in one header value ("Digest realm=\"a\", nonce=\"b\", Basic realm=\"c\"").
// Errors say what is malformed: an unterminated quote, a parameter given twice, a control
// character in a value, a missing scheme.
Result<std::vector<AuthChallenge>> parse_challenges(std::string_view header_value);

// One set of credentials ("Digest username=\"u\", ..."): the first and only element of the above.
Result<AuthChallenge> parse_credentials(std::string_view header_value);

// The scheme of an Authorization value for a message: its name when it is a well-known scheme,
// else "an unknown scheme". Never echoes the value, which may be a bare credential.
std::string scheme_for_display(std::string_view authorization);

// A quoted-string for a parameter value: backslash before '"' and '\'.
std::string quote(std::string_view value);

}  // namespace hookauth::auth
