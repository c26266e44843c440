// hookauth auth token, hookauth auth login

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "auth/redactor.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "session/authorization.hpp"
#include "session/token_source.hpp"
#include "util/time.hpp"

namespace hookauth::cli {

namespace {

struct TokenOptions {
  std::string name;
  bool refresh = false;
  bool json = false;
  bool reveal = false;
  bool verbose = false;
  double timeout = 0;
  bool allow_insecure_http = false;
  session::LoginOptions login;
};

std::string_view origin_name(session::TokenOrigin o) {
  switch (o) {
    case session::TokenOrigin::cache:
      return "cache";
    case session::TokenOrigin::refreshed:
      return "refreshed";
    case session::TokenOrigin::fetched:
      return "fetched";
    case session::TokenOrigin::login:
      return "login";
  }
  return "";
}

// The --json shape of `auth token` and `auth login`.
nlohmann::ordered_json token_json(const session::TokenResult& r, util::Clock::time_point now, bool reveal) {
  const auto& t = r.token;
  nlohmann::ordered_json out{{"access_token", t.access_token}, {"token_type", t.token_type}};
  if (t.expires_at) {
    out["expires_at"] = util::format_rfc3339(*t.expires_at);
    out["expires_in"] = std::chrono::duration_cast<std::chrono::seconds>(*t.expires_at - now).count();
  } else {
    out["expires_at"] = nullptr;
    out["expires_in"] = nullptr;
  }
  out["scope"] = t.scope.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t.scope);
  out["has_refresh_token"] = !t.refresh_token.empty();
  if (reveal && !t.refresh_token.empty()) out["refresh_token"] = t.refresh_token;
  out["source"] = origin_name(r.origin);
  return out;
}

Result<ExitCode> run_token(const GlobalOptions& g, const TokenOptions& o, bool login) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto profile = load_profile(*st, o.name);
  if (!profile) return std::unexpected(profile.error());
  // The type is checked before the secrets are resolved: a cmd: reference would run for nothing.
  if (profile->type != "oauth2")
    return usage_error(std::string(login ? "auth login" : "auth token") + ": '" + o.name + "' is " + profile->type +
                       ", not oauth2");
  auto authorization = session::Authorization::from_profile(*profile, st->path());
  if (!authorization) return std::unexpected(authorization.error());
  const auto* credentials = std::get_if<auth::OAuth2Credentials>(&authorization->credentials);
  if (!credentials) return usage_error("auth token: '" + o.name + "' has no oauth2 credentials");
  auth::Redactor& redactor = authorization->redactor;
  redactor.set_enabled(!o.reveal);

  session::TokenSourceOptions options;
  options.profile = o.name;
  // --at is for signatures: the token is real, and its expiry is cached by the real clock.
  options.now = [] { return util::Clock::now(); };
  options.transport.timeout_seconds = o.timeout;
  if (o.verbose) options.transport.trace = wire_trace(redactor);
  options.login = o.login;
  options.allow_login = true;
  options.allow_insecure_http = o.allow_insecure_http;
  if (o.verbose) options.note = [](const std::string& s) { std::cerr << "* " << s << "\n"; };
  auto transport = net::make_curl_transport();
  session::TokenSource source(*credentials, *authorization->state, *transport, options);
  auto result = login ? source.login() : source.get(o.refresh);
  if (!result) return std::unexpected(result.error());
  if (o.json)
    print_json(std::cout, token_json(*result, util::Clock::now(), o.reveal));
  else if (!login)
    std::cout << result->token.access_token << "\n";
  return ExitCode::ok;
}

void add_login_flags(CLI::App* cmd, TokenOptions& o) {
  cmd->add_flag("--open", o.login.open_browser, "open the authorization URL with xdg-open");
  cmd->add_flag("--no-listen", o.login.no_listen, "read the redirected URL from stdin instead of listening");
  cmd->add_option("--login-timeout", o.login.timeout_seconds, "seconds to wait for the callback (default 120)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--timeout", o.timeout, "give up on a token request after SECONDS (default: no limit)")
      ->type_name("SECONDS")
      ->check(check_seconds);
  cmd->add_flag("--allow-insecure-http", o.allow_insecure_http,
                "allow token requests over plain http to a host that is not loopback");
  cmd->add_flag("-v,--verbose", o.verbose, "print the token requests and answers on stderr, secrets redacted");
  cmd->add_flag("--json", o.json, "print the token as a JSON object");
  cmd->add_flag("--reveal", o.reveal, "show the refresh token in --json, and secrets in -v");
}

}  // namespace

void setup_token_commands(CLI::App& auth, const GlobalOptions& global, Action& action) {
  auto token_opts = std::make_shared<TokenOptions>();
  auto* token = auth.add_subcommand("token", "print a valid OAuth 2.0 access token, fetching or refreshing it");
  token->add_option("name", token_opts->name, "the oauth2 authorization")->required();
  token->add_flag("--refresh", token_opts->refresh, "refresh the token, or get a new one, even if it is fresh");
  add_login_flags(token, *token_opts);
  token->callback([&global, &action, token_opts] {
    action = [&global, token_opts] { return run_token(global, *token_opts, false); };
  });

  auto login_opts = std::make_shared<TokenOptions>();
  auto* login = auth.add_subcommand("login", "log in with the authorization code flow (PKCE) and cache the token");
  login->add_option("name", login_opts->name, "the oauth2 authorization (grant authorization-code)")->required();
  add_login_flags(login, *login_opts);
  login->callback([&global, &action, login_opts] {
    action = [&global, login_opts] { return run_token(global, *login_opts, true); };
  });
}

}  // namespace hookauth::cli
