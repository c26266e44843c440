#include "store/command.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace hookauth::store {

namespace {
using Words = std::vector<std::string>;

Words split(std::string_view text) {
  auto words = split_command_line(text);
  REQUIRE_MESSAGE(words, (words ? "" : words.error().message));
  return *words;
}

std::string split_error(std::string_view text) {
  auto words = split_command_line(text);
  REQUIRE(!words);
  return words.error().message;
}

CommandOutput run(const Words& argv, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto out = run_command(argv, {.timeout = timeout});
  REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
  return *out;
}

// Whether pid is gone or a zombie nobody reaped yet (its parent was the killed shell).
bool dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}
}  // namespace

TEST_CASE("split_command_line splits as a shell does, without expanding") {
  CHECK(split("op read op://hooks/partner-a/password") == Words{"op", "read", "op://hooks/partner-a/password"});
  CHECK(split("  pass\tshow   x  ") == Words{"pass", "show", "x"});
  CHECK(split("vault kv get -field='the key' 'secret/a b'") ==
        Words{"vault", "kv", "get", "-field=the key", "secret/a b"});
  CHECK(split(R"(sh -c 'echo "$HOME"; echo \x')") == Words{"sh", "-c", R"(echo "$HOME"; echo \x)"});
  CHECK(split(R"(printf "a \"b\" \\ \$c \x")") == Words{"printf", R"(a "b" \ $c \x)"});
  CHECK(split(R"(a\ b c\'d)") == Words{"a b", "c'd"});
  CHECK(split("a''b \"\" ''") == Words{"ab", "", ""});
  CHECK(split("echo $HOME ~ *") == Words{"echo", "$HOME", "~", "*"});
  CHECK(split("line\\\none") == Words{"lineone"});
}

TEST_CASE("split_command_line names what is wrong with the quoting") {
  CHECK(split_error("op read 'unclosed") == "a single quote is not closed");
  CHECK(split_error("op read \"unclosed") == "a double quote is not closed");
  CHECK(split_error("op read \\") == "a backslash ends the command: nothing follows it to escape");
  CHECK(split_error("") == "no command is given");
  CHECK(split_error(" \t ") == "no command is given");
}

TEST_CASE("quote_command_line writes words that split back to themselves") {
  CHECK(quote_command_line({"op", "read", "op://hooks/a"}) == "op read op://hooks/a");
  CHECK(quote_command_line({"sh", "-c", "echo 'x'"}) == R"(sh -c 'echo '\''x'\''')");
  for (const Words& words : {Words{"a b", "", "it's", "\"q\"", "back\\slash", "$HOME", "tab\there", "new\nline"},
                             Words{"'", "''", "\\'"}, Words{"plain", "-f=x,y:z@h%2F+"}}) {
    CAPTURE(quote_command_line(words));
    CHECK(split(quote_command_line(words)) == words);
  }
}

TEST_CASE("run_command captures stdout, stderr and the exit status") {
  auto ok = run({"printf", "s3cret\n"});
  CHECK(ok.out == "s3cret\n");
  CHECK(ok.exit_status == 0);
  CHECK_FALSE(ok.timed_out);

  auto failed = run({"sh", "-c", "echo partial; echo 'no such item' >&2; exit 3"});
  CHECK(failed.exit_status == 3);
  CHECK(failed.out == "partial\n");
  CHECK(failed.err == "no such item\n");

  auto signalled = run({"sh", "-c", "kill -TERM $$"});
  CHECK(signalled.exit_status == 128 + SIGTERM);
  CHECK(signalled.signal == SIGTERM);
  CHECK(ok.signal == 0);
  CHECK(failed.signal == 0);
}

TEST_CASE("failure_text names the ending and the first line of stderr, with stdout redacted") {
  CHECK(failure_text(run({"true"})).empty());
  CHECK(failure_text(run({"sh", "-c", "echo 'denied: try again' >&2; echo more >&2; exit 3"})) ==
        "exited with status 3; stderr: denied: try again");
  CHECK(failure_text(run({"sh", "-c", "kill -TERM $$"})) == "was killed by signal 15 (Terminated)");
  // A command that printed the secret and then failed, repeating it on stderr.
  CHECK(failure_text(run({"sh", "-c", "echo hunter22; echo 'bad value hunter22' >&2; exit 1"})) ==
        "exited with status 1; stderr: bad value [redacted]");
  // Too short to redact safely: the excerpt is left out.
  CHECK(failure_text(run({"sh", "-c", "echo ab; echo 'got ab' >&2; exit 1"})) == "exited with status 1");
  CommandOutput hung;
  hung.timed_out = true;
  CHECK(failure_text(hung, {.timeout = std::chrono::milliseconds(1500)}) == "timed out after 1500 ms");
  CHECK(failure_text(hung) == "timed out after 10 s");
}

TEST_CASE("run_command runs no shell: arguments reach the command as they are") {
  auto out = run({"printf", "%s|", "a b", "$HOME", "*", "`id`"});
  CHECK(out.out == "a b|$HOME|*|`id`|");
}

TEST_CASE("run_command passes the environment and gives stdin from /dev/null unless it is a terminal") {
  ::setenv("HOOKAUTH_TEST_COMMAND_VAR", "from the environment", 1);
  CHECK(run({"sh", "-c", "printf %s \"$HOOKAUTH_TEST_COMMAND_VAR\""}).out == "from the environment");
  ::unsetenv("HOOKAUTH_TEST_COMMAND_VAR");

  auto stdin_of_child = run({"readlink", "/proc/self/fd/0"}).out;
  if (::isatty(STDIN_FILENO) == 1)
    CHECK(stdin_of_child == std::string(::ttyname(STDIN_FILENO)) + "\n");
  else
    CHECK(stdin_of_child == "/dev/null\n");
}

TEST_CASE("run_command restores SIGPIPE's default in the command") {
  // hookauth ignores SIGPIPE; a command writing into a closed pipe must still die of it, as in a shell.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction before {};
  ::sigaction(SIGPIPE, &ignore, &before);
  auto out = run({"grep", "SigIgn", "/proc/self/status"});
  ::sigaction(SIGPIPE, &before, nullptr);
  // Bit 13 (SIGPIPE) of the ignored mask is clear.
  auto mask = std::stoull(out.out.substr(out.out.find(':') + 1), nullptr, 16);
  CHECK((mask & (1ULL << (SIGPIPE - 1))) == 0);
}

TEST_CASE("run_command kills a command at the deadline, with the processes it started") {
  auto slow = run({"sh", "-c", "sleep 30 & echo $!; wait"}, std::chrono::milliseconds(300));
  CHECK(slow.timed_out);
  CHECK(slow.exit_status == 128 + SIGKILL);
  auto grandchild = static_cast<pid_t>(std::stol(slow.out));
  if (::isatty(STDIN_FILENO) != 1) {
    // Its own process group was killed, so the background sleep died with the shell.
    for (int i = 0; i < 100 && !dead(grandchild); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(dead(grandchild));
  } else {
    ::kill(grandchild, SIGKILL);  // on a terminal only the command itself is killed
  }

  // A command that closes its output but does not exit is killed too.
  auto silent = run({"sh", "-c", "exec >&- 2>&-; sleep 30"}, std::chrono::milliseconds(300));
  CHECK(silent.timed_out);
}

TEST_CASE("run_command refuses what it cannot start and output without end") {
  auto missing = run_command({"hookauth-no-such-command", "x"});
  REQUIRE(!missing);
  CHECK(missing.error().message == "cannot run hookauth-no-such-command: No such file or directory");

  auto directory = run_command({"/tmp"});
  REQUIRE(!directory);
  CHECK(directory.error().message == "cannot run /tmp: Permission denied");

  CHECK(!run_command({}));

  auto flood = run_command({"head", "-c", "100000", "/dev/zero"}, {.max_output = 65536});
  REQUIRE(!flood);
  CHECK(flood.error().message == "the command head printed more than 64 KiB on stdout");
}

}  // namespace hookauth::store
