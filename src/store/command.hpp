#pragma once
// Running an outside command that prints a secret (`cmd:` references, AWS credential_process):
// no shell, a deadline, and its output kept in memory only.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace hookauth::store {

// Splits text into words as a POSIX shell splits a simple command (XCU 2.2, 2.6.5), with no
// expansion: blanks separate words; '...' keeps everything; "..." keeps everything but the
// escapes \" \\ \$ \` and \newline; a backslash outside quotes keeps the next character. $, `, *
// and ~ are ordinary characters. Errors: an unterminated quote, a trailing backslash, no words.
Result<std::vector<std::string>> split_command_line(std::string_view text);

// The words written back so that split_command_line gives them again: a word of only safe
// characters as it is, any other in single quotes.
std::string quote_command_line(const std::vector<std::string>& words);

struct CommandOutput {
  int exit_status = 0;     // the exit status, or 128 + N when signal N ended the command
  int signal = 0;          // N when signal N ended the command, else 0
  bool timed_out = false;  // killed at the deadline; signal is then SIGKILL
  std::string out;
  std::string err;
};

struct CommandOptions {
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_output = 1024 * 1024;  // more on stdout or on stderr kills the command: an error
};

// Runs argv[0] (looked up in PATH when it has no '/') with argv and the current environment.
// stdin is /dev/null unless hookauth's stdin is a terminal (a password manager may ask there);
// stdout and stderr are captured. At the deadline the command is killed (its whole process group
// when it runs in one of its own, that is when stdin is not a terminal) and timed_out is set.
// Errors: argv is empty, the command cannot be started (not found, not executable), or its output
// passed max_output.
Result<CommandOutput> run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// Why a command that ran failed, for a one-line error: "timed out after 10 s", "was killed by
// signal 9 (Killed)" or "exited with status 3", then "; stderr: " and its stderr's first line, cut
// to 120 bytes, with whatever it printed on stdout redacted first (whole and line by line), so a
// secret a failing command printed stays out of the message. "" when it exited with status 0.
std::string failure_text(const CommandOutput& out, const CommandOptions& options = {});

// The first line of the command's stderr as failure_text shows it; "" when there is none, or when a
// piece of its stdout is too short to redact safely (under 4 bytes) and occurs in that line.
std::string stderr_excerpt(const CommandOutput& out);

// Output read as a secret: one trailing LF or CR LF removed, as `echo` or an editor leaves one.
void strip_one_newline(std::string& s);

}  // namespace hookauth::store
