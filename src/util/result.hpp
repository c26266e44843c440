#pragma once
// The result type for expected failures: a value, or an Error that carries the exit code the CLI
// will end with and one line that says what went wrong (never a secret).

#include <expected>
#include <string>
#include <utility>

namespace hookauth {

// Exit codes, documented in the README and hookauth(1).
enum class ExitCode : int {
  ok = 0,
  check_failed = 1,  // verify said invalid, or the webhook got a non-2xx answer
  usage = 2,         // bad flags, unknown authorization, bad store
  network = 3,       // connection or TLS failure
  auth_flow = 4,     // a token endpoint refused, a challenge could not be answered
};

struct Error {
  ExitCode code = ExitCode::usage;
  std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ExitCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

inline std::unexpected<Error> usage_error(std::string message) { return fail(ExitCode::usage, std::move(message)); }

}  // namespace hookauth
