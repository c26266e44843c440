#pragma once
// A secret as the operator gave it: a literal, or a reference resolved each time it is used.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/result.hpp"

namespace hookauth::store {

struct SecretRef {
  enum class Kind { literal, env, file, cmd };
  Kind kind = Kind::literal;
  std::string value;                 // the secret itself, the variable name, or the path; empty for cmd
  std::vector<std::string> command;  // cmd: the program and its arguments, never empty

  SecretRef() = default;
  SecretRef(Kind k, std::string v, std::vector<std::string> words = {})
      : kind(k), value(std::move(v)), command(std::move(words)) {}
  bool operator==(const SecretRef&) const = default;
};

// Reads the command-line form: "env:NAME", "file:PATH", "cmd:COMMAND" (split into words as a shell
// would, without expanding anything), "literal:TEXT" (a literal that would otherwise look like a
// reference), or any other text as a literal. "-" is the caller's to handle (stdin or a prompt)
// before this. Errors name the field, never the value.
Result<SecretRef> parse_secret_argument(std::string_view field, std::string_view text);

// The secret's value now: the literal, the variable's value, the file's content without one
// trailing newline, or the command's standard output without one trailing newline. A command runs
// once per process: later calls with the same words (from any thread) get the value it printed.
// Errors name the field and the variable, path or command (a command's: its exit status or the
// timeout, and the first line of its stderr with anything it printed on stdout redacted).
Result<std::string> resolve(std::string_view field, const SecretRef& ref);

// "[redacted]" for a literal unless reveal; "env:NAME", "file:PATH" and "cmd:COMMAND" (the words
// quoted back) as they are: a reference is not the secret.
std::string display(const SecretRef& ref, bool reveal);

// In the store a literal is a JSON string, a reference an object {"env": NAME}, {"file": PATH} or
// {"cmd": [WORD, ...]}.
nlohmann::ordered_json to_json(const SecretRef& ref);
// Errors say what shape was expected (never the value).
Result<SecretRef> secret_from_json(const nlohmann::json& j);

}  // namespace hookauth::store
