#include "store/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "auth/redactor.hpp"
#include "util/strings.hpp"

extern char** environ;

namespace hookauth::store {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Characters a word may hold and still be written without quotes.
bool is_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("@%+=:,./_-", c) != nullptr;
}

// Inside double quotes a backslash escapes only these (XCU 2.2.3).
bool escapable_in_double_quotes(char c) { return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n'; }

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Pipes and the spawn attributes, released together whatever way run_command returns.
struct Spawn {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  Spawn() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  Spawn(const Spawn&) = delete;
  Spawn& operator=(const Spawn&) = delete;
  ~Spawn() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

constexpr std::size_t max_stderr_excerpt = 120;

void set_status(CommandOutput& out, int wait_status) {
  if (WIFEXITED(wait_status)) {
    out.exit_status = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    out.signal = WTERMSIG(wait_status);
    out.exit_status = 128 + out.signal;
  } else {
    out.exit_status = 255;
  }
}

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// Sets up the child's side: stdin, stdout and stderr, its own process group when it cannot need the
// terminal, and default signal dispositions (hookauth ignores SIGPIPE; exec would keep that).
void prepare(Spawn& s, int out_write, int err_write, bool own_group) {
  if (own_group) posix_spawn_file_actions_addopen(&s.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&s.actions, out_write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&s.actions, err_write, STDERR_FILENO);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (own_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&s.attr, 0);
  }
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &defaults);
  posix_spawnattr_setflags(&s.attr, flags);
}

// Waits for pid until deadline; false when it is still running then.
bool wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline, int& wait_status) {
  for (;;) {
    pid_t r = ::waitpid(pid, &wait_status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not our child any more: nothing to wait for
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void kill_and_reap(pid_t pid, bool own_group) {
  if (own_group)
    ::kill(-pid, SIGKILL);
  else
    ::kill(pid, SIGKILL);
  int ignored = 0;
  while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Result<std::vector<std::string>> split_command_line(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_blank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == text.size()) return usage_error("a backslash ends the command: nothing follows it to escape");
      if (text[i] != '\n') word += text[i];  // backslash-newline joins lines
    } else if (c == '\'') {
      auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos) return usage_error("a single quote is not closed");
      word.append(text.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i == text.size()) return usage_error("a double quote is not closed");
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size() && escapable_in_double_quotes(text[i + 1])) {
          if (text[++i] != '\n') word += text[i];
        } else {
          word += text[i];
        }
      }
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return usage_error("no command is given");
  return words;
}

std::string quote_command_line(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    bool safe = !w.empty();
    for (char c : w) safe = safe && is_safe(c);
    if (safe) {
      out += w;
      continue;
    }
    out += '\'';
    for (char c : w) {
      if (c == '\'')
        out += "'\\''";
      else
        out += c;
    }
    out += '\'';
  }
  return out;
}

Result<CommandOutput> run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  if (argv.empty()) return usage_error("no command is given");
  std::array<int, 2> out_pipe{-1, -1};
  std::array<int, 2> err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0)
    return usage_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  Fd out_read(out_pipe[0]);
  Fd out_write(out_pipe[1]);
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0)
    return usage_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  Fd err_read(err_pipe[0]);
  Fd err_write(err_pipe[1]);

  // A command that may ask on the terminal stays in hookauth's process group, which owns it.
  bool own_group = ::isatty(STDIN_FILENO) != 1;
  Spawn spawn;
  prepare(spawn, out_write.get(), err_write.get(), own_group);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &spawn.actions, &spawn.attr, args.data(), environ);
  if (rc != 0) return usage_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  out_write.reset();
  err_write.reset();

  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  CommandOutput result;
  std::array<pollfd, 2> fds{pollfd{out_read.get(), POLLIN, 0}, pollfd{err_read.get(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  int open_streams = 2;
  char buffer[16384];
  while (open_streams > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      ssize_t got = ::read(fds[k].fd, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fds[k].fd = -1;  // poll skips negative descriptors
        --open_streams;
        continue;
      }
      sinks[k]->append(buffer, static_cast<std::size_t>(got));
      if (sinks[k]->size() > options.max_output) {
        kill_and_reap(pid, own_group);
        return usage_error("the command " + argv[0] + " printed more than " +
                           std::to_string(options.max_output / 1024) + " KiB on " + (k == 0 ? "stdout" : "stderr"));
      }
    }
  }
  int wait_status = 0;
  if (open_streams > 0 || !wait_until(pid, deadline, wait_status)) {
    kill_and_reap(pid, own_group);
    result.timed_out = true;
    result.signal = SIGKILL;
    result.exit_status = 128 + SIGKILL;
    return result;
  }
  set_status(result, wait_status);
  return result;
}

void strip_one_newline(std::string& s) {
  if (s.ends_with("\r\n"))
    s.resize(s.size() - 2);
  else if (s.ends_with('\n'))
    s.pop_back();
}

std::string stderr_excerpt(const CommandOutput& out) {
  std::string line = out.err.substr(0, out.err.find('\n'));
  if (line.ends_with('\r')) line.pop_back();
  if (util::trim(line).empty()) return "";
  std::string printed = out.out;
  strip_one_newline(printed);
  std::vector<std::string_view> pieces = util::split(printed, '\n');
  pieces.push_back(printed);
  auth::Redactor redactor;
  for (auto piece : pieces) {
    if (piece.ends_with('\r')) piece.remove_suffix(1);
    if (piece.empty()) continue;
    if (piece.size() < 4 && line.find(piece) != std::string::npos) return "";
    redactor.add_secret(std::string(piece));
  }
  return util::excerpt(redactor.text(line), max_stderr_excerpt);
}

std::string failure_text(const CommandOutput& out, const CommandOptions& options) {
  std::string why;
  if (out.timed_out)
    why = "timed out after " + duration_text(options.timeout);
  else if (out.signal != 0)
    why = "was killed by signal " + std::to_string(out.signal) + " (" + ::strsignal(out.signal) + ")";
  else if (out.exit_status != 0)
    why = "exited with status " + std::to_string(out.exit_status);
  else
    return "";
  if (auto excerpt = stderr_excerpt(out); !excerpt.empty()) why += "; stderr: " + excerpt;
  return why;
}

}  // namespace hookauth::store
