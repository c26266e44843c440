#include "cli/terminal.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>

namespace hookauth::cli {

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }
bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::string paint(std::string_view text, Colour colour, bool to_stderr) {
  const char* no_color = std::getenv("NO_COLOR");
  bool terminal = to_stderr ? stderr_is_terminal() : stdout_is_terminal();
  if (!terminal || (no_color && *no_color)) return std::string(text);
  const char* code = colour == Colour::red ? "\x1b[31m" : colour == Colour::green ? "\x1b[32m" : "\x1b[33m";
  return code + std::string(text) + "\x1b[0m";
}

std::string read_all_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

Result<std::string> read_secret(std::string_view what) {
  if (!stdin_is_terminal()) {
    std::string s = read_all_stdin();
    if (s.ends_with("\r\n"))
      s.resize(s.size() - 2);
    else if (s.ends_with('\n'))
      s.pop_back();
    return s;
  }
  // Echo goes off before the prompt shows, and without flushing: what is typed as soon as the
  // prompt appears is neither echoed nor lost.
  termios old{};
  bool restore = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::cerr << what << ": " << std::flush;
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  if (!got) return usage_error(std::string(what) + ": nothing was typed");
  return line;
}

Result<std::string> prompt_line(std::string_view prompt) {
  std::cerr << prompt << std::flush;
  std::string line;
  if (!std::getline(std::cin, line)) {
    std::cerr << "\n";
    return usage_error("no answer was typed: stopping");
  }
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

}  // namespace hookauth::cli
