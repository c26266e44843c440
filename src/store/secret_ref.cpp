#include "store/secret_ref.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/redactor.hpp"
#include "store/command.hpp"
#include "util/strings.hpp"

namespace hookauth::store {

namespace {

constexpr std::size_t max_secret_file = 1024 * 1024;
constexpr std::size_t max_stderr_excerpt = 120;

// A file's or a command's output as a secret: one trailing LF or CR LF removed, as a text editor or
// `echo` leaves one.
void strip_one_newline(std::string& s) {
  if (s.ends_with("\r\n"))
    s.resize(s.size() - 2);
  else if (s.ends_with('\n'))
    s.pop_back();
}

Result<std::string> read_secret_file(const std::string& f, const std::string& path) {
  // A directory opens as a stream that reads nothing: refuse it rather than resolve to "".
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return usage_error(f + ": " + path + " is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return usage_error(f + ": cannot read file " + path);
  // At most max_secret_file bytes: a device or a pipe that never ends is refused, not read until
  // memory runs out.
  std::string s(max_secret_file + 1, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  s.resize(static_cast<std::size_t>(in.gcount()));
  if (s.size() > max_secret_file)
    return usage_error(f + ": file " + path + " is larger than " + std::to_string(max_secret_file / 1024) +
                       " KiB; a secret file holds the secret");
  strip_one_newline(s);
  return s;
}

std::string seconds_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// The first line of what the command wrote on stderr, with whatever it wrote on stdout (whole, and
// line by line) redacted before it is cut; empty when there is none, or when a piece of stdout is too
// short for the redactor to replace safely.
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

// Why a command that ran gave no secret, or "" when it gave one.
std::string command_failure(const CommandOutput& out, std::string_view secret, const CommandOptions& options) {
  std::string why;
  if (out.timed_out)
    why = "timed out after " + seconds_text(options.timeout);
  else if (out.exit_status != 0)
    why = "exited with status " + std::to_string(out.exit_status);
  else if (secret.empty())
    why = "exited with status 0 but printed nothing";
  else
    return "";
  if (auto excerpt = stderr_excerpt(out); !excerpt.empty()) why += "; stderr: " + excerpt;
  return why;
}

// Runs the command, or returns what it printed the first time in this process. The lock is held
// while it runs, so threads that need the same secret at once run it once between them.
Result<std::string> run_secret_command(const std::string& f, const SecretRef& ref) {
  static std::mutex mutex;
  static std::map<std::vector<std::string>, std::string> printed;
  std::lock_guard lock(mutex);
  if (auto it = printed.find(ref.command); it != printed.end()) return it->second;
  std::string shown = util::excerpt(display(ref, false), 100);
  CommandOptions options;
  auto out = run_command(ref.command, options);
  if (!out) return usage_error(f + ": " + shown + ": " + out.error().message);
  std::string secret = std::move(out->out);
  strip_one_newline(secret);
  out->out = secret;
  if (auto why = command_failure(*out, secret, options); !why.empty())
    return usage_error(f + ": " + shown + ": " + why);
  return printed.emplace(ref.command, std::move(secret)).first->second;
}

}  // namespace

Result<SecretRef> parse_secret_argument(std::string_view field, std::string_view text) {
  std::string f(field);
  if (text.starts_with("env:")) {
    auto name = text.substr(4);
    if (name.empty()) return usage_error(f + ": env: needs a variable name (env:NAME)");
    return SecretRef{SecretRef::Kind::env, std::string(name), {}};
  }
  if (text.starts_with("file:")) {
    auto path = text.substr(5);
    if (path.empty()) return usage_error(f + ": file: needs a path (file:PATH)");
    return SecretRef{SecretRef::Kind::file, std::string(path), {}};
  }
  if (text.starts_with("cmd:")) {
    auto line = text.substr(4);
    if (util::trim(line).empty()) return usage_error(f + ": cmd: needs a command (cmd:COMMAND)");
    auto words = split_command_line(line);
    if (!words) return usage_error(f + ": cmd: " + words.error().message);
    if (words->front().empty()) return usage_error(f + ": cmd: the command's name is empty");
    return SecretRef{SecretRef::Kind::cmd, {}, std::move(*words)};
  }
  if (text.starts_with("literal:")) return SecretRef{SecretRef::Kind::literal, std::string(text.substr(8)), {}};
  return SecretRef{SecretRef::Kind::literal, std::string(text), {}};
}

Result<std::string> resolve(std::string_view field, const SecretRef& ref) {
  std::string f(field);
  switch (ref.kind) {
    case SecretRef::Kind::literal:
      return ref.value;
    case SecretRef::Kind::env: {
      const char* v = std::getenv(ref.value.c_str());
      if (!v) return usage_error(f + ": environment variable " + ref.value + " is not set");
      return std::string(v);
    }
    case SecretRef::Kind::file:
      return read_secret_file(f, ref.value);
    case SecretRef::Kind::cmd:
      return run_secret_command(f, ref);
  }
  return usage_error(f + ": unknown secret kind");
}

std::string display(const SecretRef& ref, bool reveal) {
  switch (ref.kind) {
    case SecretRef::Kind::literal:
      if (!reveal) return std::string(auth::redacted);
      // Shown the way it would be typed, so it cannot be mistaken for a reference.
      if (ref.value == "-" || ref.value.starts_with("env:") || ref.value.starts_with("file:") ||
          ref.value.starts_with("cmd:") || ref.value.starts_with("literal:"))
        return "literal:" + ref.value;
      return ref.value;
    case SecretRef::Kind::env:
      return "env:" + ref.value;
    case SecretRef::Kind::file:
      return "file:" + ref.value;
    case SecretRef::Kind::cmd:
      return "cmd:" + quote_command_line(ref.command);
  }
  return "";
}

nlohmann::ordered_json to_json(const SecretRef& ref) {
  switch (ref.kind) {
    case SecretRef::Kind::literal:
      return ref.value;
    case SecretRef::Kind::env:
      return nlohmann::ordered_json{{"env", ref.value}};
    case SecretRef::Kind::file:
      return nlohmann::ordered_json{{"file", ref.value}};
    case SecretRef::Kind::cmd:
      return nlohmann::ordered_json{{"cmd", ref.command}};
  }
  return nullptr;
}

namespace {

// {"cmd": [WORD, ...]}: at least one word, the first not empty, none holding a NUL (exec cannot pass
// one); nullopt for any other shape.
std::optional<std::vector<std::string>> command_from_json(const nlohmann::json& words) {
  if (!words.is_array() || words.empty()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (!w.is_string()) return std::nullopt;
    const auto& s = w.get_ref<const std::string&>();
    if (s.find('\0') != std::string::npos) return std::nullopt;
    out.push_back(s);
  }
  if (out.front().empty()) return std::nullopt;
  return out;
}

}  // namespace

Result<SecretRef> secret_from_json(const nlohmann::json& j) {
  if (j.is_string()) return SecretRef{SecretRef::Kind::literal, j.get<std::string>(), {}};
  if (j.is_object() && j.size() == 1) {
    if (auto it = j.find("env"); it != j.end() && it->is_string() && !it->get<std::string>().empty())
      return SecretRef{SecretRef::Kind::env, it->get<std::string>(), {}};
    if (auto it = j.find("file"); it != j.end() && it->is_string() && !it->get<std::string>().empty())
      return SecretRef{SecretRef::Kind::file, it->get<std::string>(), {}};
    if (auto it = j.find("cmd"); it != j.end())
      if (auto words = command_from_json(*it)) return SecretRef{SecretRef::Kind::cmd, {}, std::move(*words)};
  }
  return usage_error(
      "expected a string, {\"env\": NAME}, {\"file\": PATH} or {\"cmd\": [WORD, ...]} (a non-empty array of "
      "strings)");
}

}  // namespace hookauth::store
