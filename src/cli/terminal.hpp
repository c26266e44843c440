#pragma once
// The terminal edge of the CLI: is this a terminal, hidden prompts, standard input.

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace hookauth::cli {

bool stdin_is_terminal();
bool stderr_is_terminal();
bool stdout_is_terminal();

// Colour on a stream: only when it is a terminal and NO_COLOR is unset or empty
// (https://no-color.org). text wrapped in the SGR code, or text unchanged.
enum class Colour { red, green, yellow };
std::string paint(std::string_view text, Colour colour, bool to_stderr);

// Everything on standard input.
std::string read_all_stdin();

// A secret given as "-": typed at a hidden prompt on a terminal, else read from standard input
// (one trailing newline removed). An error when stdin is a terminal that gives nothing.
Result<std::string> read_secret(std::string_view what);

// One line typed at a visible prompt on a terminal (the prompt on stderr); an error at end of input.
Result<std::string> prompt_line(std::string_view prompt);

}  // namespace hookauth::cli
