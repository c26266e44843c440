#include "cli/app.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/complete.hpp"
#include "cli/context.hpp"
#include "cli/suggest.hpp"
#include "cli/terminal.hpp"
#include "cli/version.hpp"
#include "store/secret_ref.hpp"
#include "util/strings.hpp"

namespace hookauth::cli {

util::Clock::time_point GlobalOptions::now() const {
  if (auto t = util::parse_time(at)) return *t;
  return util::Clock::now();
}

Result<store::Store> open_store(const GlobalOptions& global) {
  auto path = store::store_path(global.store, std::getenv("HOOKAUTH_STORE"), std::getenv("XDG_CONFIG_HOME"),
                                std::getenv("HOME"));
  if (!path) return std::unexpected(path.error());
  return store::Store(*path);
}

Result<store::Profile> load_profile(const store::Store& st, const std::string& name) {
  auto p = st.load_profile(name);
  if (!p) return std::unexpected(p.error());
  if (!*p)
    return usage_error("no authorization named '" + name + "' in " + st.path().string() +
                       " (see 'hookauth auth list')");
  return std::move(**p);
}

void warn(const GlobalOptions& global, std::string_view message) {
  if (global.quiet) return;
  std::cerr << "hookauth: " << paint("warning:", Colour::yellow, true) << " " << message << "\n";
}

void warn_if_literal_secret(const GlobalOptions& global, std::string_view flag, std::string_view value,
                            bool stdin_allowed) {
  if (value.empty() || value == "-") return;  // not given, or read from stdin or a prompt
  auto ref = store::parse_secret_argument(flag, value);
  if (!ref || ref->kind != store::SecretRef::Kind::literal) return;
  warn(global, std::string(flag) + " on the command line is visible to other users (ps); use env:NAME, file:PATH" +
                   (stdin_allowed ? ", cmd:COMMAND or - instead" : " or cmd:COMMAND instead"));
}

namespace {

void print_error(const std::string& message) {
  std::cerr << "hookauth: " << paint("error:", Colour::red, true) << " " << message << "\n";
}

}  // namespace

std::string check_seconds(const std::string& value) {
  double d = -1;
  try {
    std::size_t used = 0;
    d = std::stod(value, &used);
    if (used != value.size()) d = -1;
  } catch (const std::exception&) {
  }
  return d >= 0 && d <= 365.0 * 86400 ? std::string()
                                      : "'" + util::printable(value) + "' is not a number of seconds from 0";
}

namespace {

// The first word that is not a global option (or its value): the command. Empty when there is none or
// when a help flag comes first, as both print the top-level help, which lists every command.
std::string_view command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help" || a == "--") return {};
    if (a == "--store" || a == "--at")
      ++i;
    else if (!a.starts_with("-"))
      return a;
  }
  return {};
}

// --version --json: whether --json is among the words (CLI11 acts on --version before it checks the others).
bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--json") return true;
  return false;
}

// The command a parse reached: the last subcommand parsed at each level.
CLI::App* deepest_command(CLI::App& app) {
  CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().back();
  return at;
}

// "hookauth auth add": the names from the top down to command.
std::string command_path(const CLI::App* command) {
  std::string path;
  for (; command; command = command->get_parent()) path = command->get_name() + (path.empty() ? "" : " ") + path;
  return path;
}

// The long flags command takes, its own and those of the commands above it (they fall through),
// without their dashes.
std::vector<std::string> long_flags(const CLI::App* command) {
  std::vector<std::string> out;
  for (; command; command = command->get_parent())
    for (const CLI::Option* option : command->get_options())
      for (const auto& name : option->get_lnames()) out.push_back(name);
  return out;
}

// The visible subcommands of command, and their aliases.
std::vector<std::string> subcommand_names(const CLI::App* command) {
  std::vector<std::string> out;
  for (const CLI::App* sub : command->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
    out.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) out.push_back(alias);
  }
  return out;
}

std::string with_suggestion(std::string message, const std::string& suggestion) {
  return suggestion.empty() ? message : message + "; " + suggestion;
}

// One line for a parse error: an unknown flag or command is named with the command it was given to
// and the nearest known ones (cli/suggest.hpp); other errors keep CLI11's message.
std::string explain_parse_error(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* command = deepest_command(app);
  const std::string path = command_path(command);
  std::vector<std::string> rest;
  for (CLI::App* at = command; at && rest.empty(); at = at->get_parent()) rest = at->remaining(false);
  // A word that starts with a dash and was not taken: an unknown flag (its =value left out).
  for (const auto& word : rest) {
    if (word.size() < 2 || word[0] != '-' || dynamic_cast<const CLI::ExtrasError*>(&e) == nullptr) continue;
    std::string flag = word.substr(0, word.find('='));
    std::string suggestion;
    if (flag.starts_with("--")) {
      auto near = closest_words(flag.substr(2), long_flags(command));
      for (auto& n : near) n = "--" + n;
      suggestion = did_you_mean(flag, near);
    }
    return with_suggestion(
        "unknown flag '" + util::printable(flag) + "' for '" + path + "' (see '" + path + " --help')", suggestion);
  }
  // A word where a command was required, or left over by a command that has subcommands.
  auto subcommands = subcommand_names(command);
  std::string message = e.what();
  bool required = message.find("subcommand is required") != std::string::npos;
  if (!rest.empty() && !subcommands.empty() && (required || dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr))
    return with_suggestion(
        "unknown command '" + util::printable(path + " " + rest.front()) + "' (see '" + path + " --help')",
        did_you_mean(rest.front(), subcommands));
  return message;
}

}  // namespace

namespace {

// The global options and the commands: all of them, or only the one named (command non-empty and
// known). Building the other groups' options cost about a fifth of a start's CPU time in the
// unoptimised sanitized build the tests run (BENCHMARKS.md, section 8), and they are never used.
void build_app(CLI::App& app, GlobalOptions& global, Action& action, std::string_view command) {
  app.set_version_flag("--version", std::function<std::string()>(version_text),
                       "print the versions of hookauth and its libraries and exit (with --json: as JSON)");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also come after the subcommand, as with gh and aws
  app.add_option("--store", global.store,
                 "the profile store (default: $HOOKAUTH_STORE, else "
                 "$XDG_CONFIG_HOME/hookauth/store.json)")
      ->type_name("PATH");
  app.add_flag("-q,--quiet", global.quiet, "print no notes on stderr");
  app.add_option("--at", global.at, "sign and verify as if it were TIME (20150830T123600Z or RFC 3339)")
      ->type_name("TIME")
      ->check([](const std::string& v) {
        return util::parse_time(v) ? std::string() : "'" + v + "' is neither 20150830T123600Z nor RFC 3339";
      });
  const struct {
    std::string_view name;
    void (*setup)(CLI::App&, const GlobalOptions&, Action&);
  } commands[] = {
      {"auth", setup_auth_commands}, {"webhook", setup_webhook_commands}, {"verify", setup_verify_commands}};
  const bool known = std::ranges::any_of(commands, [&](const auto& c) { return c.name == command; });
  for (const auto& c : commands)
    if (!known || c.name == command) c.setup(app, global, action);
}

}  // namespace

int run(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"hookauth: send webhooks with authorization, and verify them on the receiving side", "hookauth"};
  GlobalOptions global;
  Action action;
  // The shells' completions ask the binary (cli/complete.hpp); the command is hidden, as no model
  // holds it.
  if (argc >= 2 && std::string_view(argv[1]) == "__complete") {
    build_app(app, global, action, {});
    return run_complete(app, std::vector<std::string>(argv + 2, argv + argc));
  }
  build_app(app, global, action, command_word(argc, argv));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    if (wants_json(argc, argv)) {
      std::cout << version_json() << "\n";
      return 0;
    }
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(explain_parse_error(app, e));
    return static_cast<int>(ExitCode::usage);
  }
  try {
    if (!action) {
      print_error("no command given (see 'hookauth --help')");
      return static_cast<int>(ExitCode::usage);
    }
    auto result = action();
    if (!result) {
      print_error(result.error().message);
      return static_cast<int>(result.error().code);
    }
    return static_cast<int>(*result);
  } catch (const std::exception& e) {
    print_error(e.what());
    return static_cast<int>(ExitCode::usage);
  }
}

}  // namespace hookauth::cli
