#pragma once
// A secret as the operator gave it: a literal, or a reference resolved each time it is used.

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "util/result.hpp"

namespace hookauth::store {

struct SecretRef {
  enum class Kind { literal, env, file };
  Kind kind = Kind::literal;
  std::string value;  // the secret itself, the variable name, or the path

  bool operator==(const SecretRef&) const = default;
};

// Reads the command-line form: "env:NAME", "file:PATH", "literal:TEXT" (a literal that would
// otherwise look like a reference), or any other text as a literal. "-" is the caller's to handle
// (stdin or a prompt) before this. Errors name the field, never the value.
Result<SecretRef> parse_secret_argument(std::string_view field, std::string_view text);

// The secret's value now: the literal, the variable's value, or the file's content without one
// trailing newline. Errors name the field and the variable or path.
Result<std::string> resolve(std::string_view field, const SecretRef& ref);

// "[redacted]" for a literal unless reveal; "env:NAME" and "file:PATH" as they are.
std::string display(const SecretRef& ref, bool reveal);

// In the store a literal is a JSON string, a reference an object {"env": NAME} or {"file": PATH}.
nlohmann::ordered_json to_json(const SecretRef& ref);
// Errors say what shape was expected (never the value).
Result<SecretRef> secret_from_json(const nlohmann::json& j);

}  // namespace hookauth::store
