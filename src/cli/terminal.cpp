#include "cli/terminal.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

namespace hookauth::cli {

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

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
  std::cerr << what << ": " << std::flush;
  termios old{};
  bool restore = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
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
