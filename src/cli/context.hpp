#pragma once
// What every command shares: the global options, the action that parsing selects, and the store.

#include <functional>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace CLI {
class App;
}

namespace hookauth::cli {

struct GlobalOptions {
  std::string store;   // --store
  bool quiet = false;  // --quiet
  std::string at;      // --at: a fixed clock for reproducible signatures and checks

  // The time to sign and verify with: --at, else the system clock.
  util::Clock::time_point now() const;
};

// Parsing picks one action; it runs after parsing has finished, never inside CLI11.
using Action = std::function<Result<ExitCode>()>;

// The store named by --store, HOOKAUTH_STORE or the XDG default.
Result<store::Store> open_store(const GlobalOptions& global);

// A CLI11 check for a --timeout: a number of seconds from 0 to a year; "" when it is one, else a
// short message (CLI11's own range check prints the whole range of a double).
std::string check_seconds(const std::string& value);

// "hookauth: warning: MESSAGE" on stderr, unless -q.
void warn(const GlobalOptions& global, std::string_view message);

// Warns that a literal secret given as flag's value on the command line is visible to other users
// (ps, /proc/PID/cmdline), naming the references to use instead ("-" too when stdin_allowed);
// nothing for a reference, "-" or a value that does not parse.
void warn_if_literal_secret(const GlobalOptions& global, std::string_view flag, std::string_view value,
                            bool stdin_allowed);

// The authorization called name; a usage error that names the store when there is none.
Result<store::Profile> load_profile(const store::Store& store, const std::string& name);

void setup_auth_commands(CLI::App& app, const GlobalOptions& global, Action& action);
// auth import postman, under the auth command.
void setup_import_commands(CLI::App& auth, const GlobalOptions& global, Action& action);
// auth token and auth login, under the auth command.
void setup_token_commands(CLI::App& auth, const GlobalOptions& global, Action& action);
void setup_webhook_commands(CLI::App& app, const GlobalOptions& global, Action& action);
// webhook probe, under the webhook command.
void setup_probe_command(CLI::App& webhook, const GlobalOptions& global, Action& action);
// webhook add|list|show|remove, under the webhook command.
void setup_saved_webhook_commands(CLI::App& webhook, const GlobalOptions& global, Action& action);
void setup_verify_commands(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace hookauth::cli
