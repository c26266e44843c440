#include "session/token_source.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "auth/crypto.hpp"
#include "net/listener.hpp"
#include "net/sender.hpp"
#include "store/store_file.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

extern char** environ;

namespace hookauth::session {

namespace {

// The parts of a loopback redirect URI that the listener needs (the profile check has already
// made sure it is http, on loopback, with a port).
struct RedirectTarget {
  std::string host;
  int port = 0;
  std::string path;
};

RedirectTarget redirect_target(const std::string& uri) {
  auto url = util::split_url(uri);
  if (!url) return {"127.0.0.1", -1, "/"};  // not reached: the profile check refuses such a URI
  return {url->host == "::1" ? "::1" : "127.0.0.1", std::stoi(url->port), url->path};
}

std::string query_of(std::string_view url) {
  if (auto query = util::split_reference(url).query) return std::string(*query);
  return url.find('=') != std::string_view::npos ? std::string(url) : "";
}

void open_browser(const std::string& url) {
  pid_t pid = 0;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawnp(&pid, "xdg-open", &actions, nullptr, const_cast<char**>(argv), environ) == 0)
    waitpid(pid, nullptr, 0);
  posix_spawn_file_actions_destroy(&actions);
}

constexpr std::string_view done_page =
    "<!doctype html><title>hookauth</title><p>hookauth received the authorization. You can close this window.";

// Listens on the redirect URI's port until one request reaches its path or the time is up.
Result<std::string> wait_for_callback(const RedirectTarget& target, int timeout_seconds) {
  net::ListenOptions options;
  options.handler_may_block = false;  // the handler only keeps the query
  auto listener = net::Listener::bind(target.host, target.port, options);
  if (!listener)
    return fail(ExitCode::auth_flow, "cannot listen for the callback on port " + std::to_string(target.port) +
                                         ": it is in use (free it, or use --no-listen)");
  std::mutex mutex;
  std::condition_variable done;
  std::optional<std::string> query;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (!done.wait_for(lock, std::chrono::seconds(timeout_seconds), [&] { return finished; })) (*listener)->stop();
  });
  (*listener)->serve(
      [&](const auth::Request& request, const net::Peer&, const net::Problem* problem) {
        if (problem) return net::Reply{problem->status, {}, problem->reason + "\n"};
        auto split = auth::split_target(request.url);
        if (split.path != target.path) return net::Reply{404, {}, "not the callback path\n"};
        {
          std::lock_guard lock(mutex);
          if (query) return net::Reply{409, {}, "a callback was already received\n"};
          query = split.query;
        }
        (*listener)->stop();
        return net::Reply{200, {}, std::string(done_page), "text/html; charset=utf-8"};
      },
      0);
  {
    std::lock_guard lock(mutex);
    finished = true;
  }
  done.notify_all();
  watchdog.join();
  if (!query)
    return fail(ExitCode::auth_flow, "no callback reached " + target.path + " on port " + std::to_string(target.port) +
                                         " within " + std::to_string(timeout_seconds) + " s (--login-timeout)");
  return *query;
}

}  // namespace

std::string token_fingerprint(const auth::OAuth2Credentials& c) {
  std::string grant = c.grant == auth::OAuth2Grant::authorization_code ? "authorization-code" : "client-credentials";
  std::string joined = grant + '\n' + c.client_id + '\n' + c.token_url + '\n' + c.refresh_url + '\n' + c.auth_url +
                       '\n' + c.redirect_uri + '\n' + c.scope;
  return auth::crypto::hex_encode(auth::crypto::sha256(joined)).substr(0, 32);
}

TokenSource::TokenSource(auth::OAuth2Credentials credentials, store::StateFile state, net::Transport& transport,
                         TokenSourceOptions options)
    : credentials_(std::move(credentials)),
      state_(std::move(state)),
      transport_(transport),
      options_(std::move(options)),
      fingerprint_(token_fingerprint(credentials_)),
      redactor_(auth::redactor_for(auth::Credentials{credentials_})) {}

Result<void> TokenSource::save(const auth::OAuth2Token& token) {
  return store::save_token(state_, options_.profile, {fingerprint_, token});
}

Result<auth::OAuth2Token> TokenSource::request_token(const auth::TokenGrant& grant, bool* refused) {
  // The grant's own secrets may come back in an error too (an endpoint that echoes what it got).
  if (const auto* g = std::get_if<auth::RefreshGrant>(&grant)) redactor_.add_secret(g->refresh_token);
  if (const auto* g = std::get_if<auth::AuthorizationCodeGrant>(&grant)) {
    redactor_.add_secret(g->code);
    redactor_.add_secret(g->code_verifier);
  }
  auth::Request request = auth::token_request(credentials_, grant);
  net::SendPolicy policy;
  policy.has_credentials = true;
  policy.allow_insecure_http = options_.allow_insecure_http;
  if (auto ok = net::check_transport_security(request.url, policy); !ok) return std::unexpected(ok.error());
  auto response = transport_.perform(request, options_.transport);
  if (!response) return std::unexpected(response.error());
  auto token = auth::parse_token_answer(response->status, response->headers.get("Content-Type").value_or(""),
                                        response->body, options_.now(), credentials_.validity, &redactor_);
  if (!token) {
    if (refused) *refused = token.error().refused;
    std::vector<std::string> challenges;
    for (const auto& [name, value] : response->headers.items)
      if (util::iequals(name, "WWW-Authenticate")) challenges.push_back(value);
    std::string hint = auth::client_auth_hint(credentials_, response->status, token.error().error, challenges);
    return fail(ExitCode::auth_flow,
                options_.profile + ": " + token.error().message + (hint.empty() ? "" : "; " + hint));
  }
  redactor_.add_secret(token->access_token);
  redactor_.add_secret(token->refresh_token);
  return *token;
}

Result<TokenResult> TokenSource::get(bool force) { return obtain(force, nullptr); }

Result<TokenResult> TokenSource::replace(const std::string& refused) { return obtain(true, &refused); }

Result<TokenResult> TokenSource::obtain(bool force, const std::string* refused) {
  auto cached = store::load_token(state_, options_.profile);
  if (!cached) return std::unexpected(cached.error());
  auto usable = [&](const std::optional<store::CachedToken>& c) {
    return c && c->fingerprint == fingerprint_ &&
           auth::token_is_fresh(c->token, options_.now(), credentials_.refresh_margin);
  };
  if (usable(*cached) && (!force || (refused && (*cached)->token.access_token != *refused)))
    return TokenResult{(*cached)->token, TokenOrigin::cache};
  if (options_.cache_only)
    return fail(ExitCode::auth_flow, options_.profile +
                                         ": no fresh cached token, and --dry-run and --curl send nothing: run " +
                                         "'hookauth auth token " + options_.profile + "' first");
  std::string seen = refused ? *refused : *cached ? (*cached)->token.access_token : "";

  if (auto ok = store::ensure_private_parent(state_.path()); !ok) return std::unexpected(ok.error());
  auto lock = store::FileLock::acquire(store::token_lock_path(state_, options_.profile));
  if (!lock) return std::unexpected(lock.error());
  // Another process may have refreshed while this one waited for the lock: its token is used.
  cached = store::load_token(state_, options_.profile);
  if (!cached) return std::unexpected(cached.error());
  if (usable(*cached) && (!force || (*cached)->token.access_token != seen))
    return TokenResult{(*cached)->token, TokenOrigin::cache};
  if (*cached) redactor_.add_secret((*cached)->token.access_token);

  bool code_grant = credentials_.grant == auth::OAuth2Grant::authorization_code;
  std::string refresh = *cached && (*cached)->fingerprint == fingerprint_ ? (*cached)->token.refresh_token : "";
  if (!refresh.empty()) {
    if (options_.note) options_.note("refreshing the access token");
    bool refused = false;
    auto token = request_token(auth::RefreshGrant{refresh}, &refused);
    if (token) {
      // RFC 6749 6: without a new refresh token the old one stays valid; a rotated one is saved
      // before the new access token is used.
      if (token->refresh_token.empty()) token->refresh_token = refresh;
      if (auto ok = save(*token); !ok) return std::unexpected(ok.error());
      return TokenResult{*token, TokenOrigin::refreshed};
    }
    // A network error, a 5xx, a proxy's page: nothing says the refresh token is bad, so the cached
    // entry (and an access token that may still be good) stays for the next try.
    if (!refused) {
      if (token.error().code != ExitCode::auth_flow) return std::unexpected(token.error());
      return fail(ExitCode::auth_flow, token.error().message + "; the cached token is kept");
    }
    // The refresh token is spent: forget it, so nothing tries it again.
    if (auto ok = store::forget_token(state_, options_.profile); !ok) return std::unexpected(ok.error());
    if (code_grant)
      return fail(ExitCode::auth_flow,
                  token.error().message + "; log in again with 'hookauth auth login " + options_.profile + "'");
    if (options_.note) options_.note("the refresh was refused; asking for a new token");
  }
  if (code_grant) {
    if (!options_.allow_login)
      return fail(ExitCode::auth_flow,
                  options_.profile + ": no usable token; log in with 'hookauth auth login " + options_.profile + "'");
    return login_locked();
  }
  auto token = request_token(auth::ClientCredentialsGrant{}, nullptr);
  if (!token) return std::unexpected(token.error());
  if (auto ok = save(*token); !ok) return std::unexpected(ok.error());
  return TokenResult{*token, TokenOrigin::fetched};
}

Result<TokenResult> TokenSource::login() {
  if (credentials_.grant != auth::OAuth2Grant::authorization_code)
    return usage_error("auth login: '" + options_.profile + "' uses client credentials; 'hookauth auth token " +
                       options_.profile + "' gets its token");
  if (auto ok = store::ensure_private_parent(state_.path()); !ok) return std::unexpected(ok.error());
  auto lock = store::FileLock::acquire(store::token_lock_path(state_, options_.profile));
  if (!lock) return std::unexpected(lock.error());
  return login_locked();
}

Result<TokenResult> TokenSource::login_locked() {
  // RFC 7636 4.1: a fresh 256-bit verifier; RFC 6749 10.12: a single-use random state.
  auto verifier_bytes = auth::crypto::random_bytes(32);
  if (!verifier_bytes) return std::unexpected(verifier_bytes.error());
  auto state_bytes = auth::crypto::random_bytes(32);
  if (!state_bytes) return std::unexpected(state_bytes.error());
  auth::Pkce pkce = auth::make_pkce(*verifier_bytes);
  std::string state = auth::base64url(*state_bytes);
  std::string url = auth::authorization_url(credentials_, state, pkce.challenge);

  std::string query;
  if (options_.login.no_listen) {
    std::cerr << "Open this URL in a browser and approve:\n  " << url << "\n"
              << "Then paste the address your browser was sent to (it starts with " << credentials_.redirect_uri
              << "):\n";
    std::string line;
    if (!std::getline(std::cin, line)) return fail(ExitCode::auth_flow, "no redirected URL was pasted");
    query = query_of(util::trim(line));
    // Not echoed: what was pasted may hold a code.
    if (query.empty())
      return fail(ExitCode::auth_flow,
                  "what was pasted is not the redirected URL (it has no query with the code "
                  "and state): paste the whole address the browser was sent to, starting with " +
                      credentials_.redirect_uri);
  } else {
    RedirectTarget target = redirect_target(credentials_.redirect_uri);
    std::cerr << "Open this URL in a browser and approve (waiting " << options_.login.timeout_seconds
              << " s for the callback on port " << target.port << "):\n  " << url << "\n";
    if (options_.login.open_browser) open_browser(url);
    auto received = wait_for_callback(target, options_.login.timeout_seconds);
    if (!received) return std::unexpected(received.error());
    query = std::move(*received);
  }
  auto code = auth::code_from_callback(query, state, credentials_.issuer);
  if (!code) return std::unexpected(code.error());
  auto token = request_token(auth::AuthorizationCodeGrant{*code, pkce.verifier}, nullptr);
  if (!token) return std::unexpected(token.error());
  if (auto ok = save(*token); !ok) return std::unexpected(ok.error());
  if (options_.note) options_.note("logged in");
  return TokenResult{*token, TokenOrigin::login};
}

}  // namespace hookauth::session
