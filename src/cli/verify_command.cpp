// hookauth verify, hookauth verify serve

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "auth/credentials.hpp"
#include "auth/crypto.hpp"
#include "auth/redactor.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/terminal.hpp"
#include "net/listener.hpp"
#include "net/sender.hpp"
#include "net/transport.hpp"
#include "store/secret_ref.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace hookauth::cli {

namespace {

struct CheckOptions {
  std::string auth;
  std::string introspect_url;
  std::string expect_token;
  std::string request = "-";
  bool json = false;
  bool verbose = false;
  int max_skew = 300;
};

struct ServeOptions {
  std::string auth;
  std::string introspect_url;
  std::string expect_token;
  std::string listen = "127.0.0.1:8080";
  std::string log;
  std::size_t count = 0;
  int nonce_lifetime = 300;
  int max_skew = 300;
  bool verbose = false;
};

struct Loaded {
  std::string type;
  auth::Credentials credentials;
};

Result<Loaded> load_credentials(const GlobalOptions& g, const std::string& name) {
  if (name.empty()) return usage_error("--auth is required: the authorization to check against");
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto profile = load_profile(*st, name);
  if (!profile) return std::unexpected(profile.error());
  auto c = store::to_credentials(*profile);
  if (!c) return std::unexpected(c.error());
  return Loaded{profile->type, std::move(*c)};
}

// How an oauth2 profile checks bearer tokens: an expected token (a secret reference), or RFC 7662
// introspection with the profile's client credentials. Active answers are kept until their exp,
// so a busy receiver asks once per token. Thread-safe: `verify serve` answers in parallel.
class BearerChecker {
 public:
  static Result<std::shared_ptr<BearerChecker>> make(const auth::Credentials& credentials, const std::string& url,
                                                     const std::string& expected_ref,
                                                     std::function<util::Clock::time_point()> now) {
    const auto* oauth = std::get_if<auth::OAuth2Credentials>(&credentials);
    if (!oauth) {
      if (!url.empty() || !expected_ref.empty())
        return usage_error("--introspect-url and --expect-token apply to an oauth2 authorization");
      return std::shared_ptr<BearerChecker>();
    }
    if (!url.empty() && !expected_ref.empty()) return usage_error("give --introspect-url or --expect-token, not both");
    if (url.empty() && expected_ref.empty())
      return usage_error("an oauth2 authorization is checked with --introspect-url URL or --expect-token SECRET");
    if (!url.empty()) {
      net::SendPolicy policy;
      policy.has_credentials = true;
      if (auto ok = net::check_transport_security(url, policy); !ok)
        return usage_error("--introspect-url: " + ok.error().message);
    }
    auto checker = std::make_shared<BearerChecker>();
    checker->credentials_ = *oauth;
    checker->url_ = url;
    checker->now_ = std::move(now);
    if (!expected_ref.empty()) {
      if (expected_ref == "-") return usage_error("--expect-token: give env:NAME or file:PATH (stdin is the request)");
      auto ref = store::parse_secret_argument("--expect-token", expected_ref);
      if (!ref) return std::unexpected(ref.error());
      auto value = store::resolve("--expect-token", *ref);
      if (!value) return std::unexpected(value.error());
      if (value->empty()) return usage_error("--expect-token: the token is empty");
      checker->check_.expected = std::move(*value);
    } else {
      checker->check_.introspect = [raw = checker.get()](const std::string& token) { return raw->introspect(token); };
    }
    return checker;
  }

  const auth::BearerCheck& check() const { return check_; }
  // The expected token, to redact from what is printed.
  const std::string& expected() const { return check_.expected; }

 private:
  Result<auth::Introspection> introspect(const std::string& token) {
    std::string key = auth::crypto::sha256(token);
    auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch()).count();
    {
      std::lock_guard lock(mutex_);
      if (auto it = cache_.find(key); it != cache_.end()) {
        if (it->second.exp && *it->second.exp > now_s) return it->second;
        cache_.erase(it);
      }
    }
    auto transport = net::make_curl_transport();
    auto response = transport->perform(auth::introspection_request(credentials_, url_, token), {});
    if (!response) return std::unexpected(response.error());
    auto answer = auth::parse_introspection(response->status, response->body);
    if (answer && answer->active && answer->exp) {
      std::lock_guard lock(mutex_);
      cache_[key] = *answer;
    }
    return answer;
  }

  auth::OAuth2Credentials credentials_;
  std::string url_;
  std::function<util::Clock::time_point()> now_;
  auth::BearerCheck check_;
  std::mutex mutex_;
  std::map<std::string, auth::Introspection> cache_;
};

Result<ExitCode> run_check(const GlobalOptions& g, const CheckOptions& o) {
  auto loaded = load_credentials(g, o.auth);
  if (!loaded) return std::unexpected(loaded.error());
  std::string raw;
  if (o.request == "-") {
    if (stdin_is_terminal())
      return usage_error("no request to check: pipe a raw HTTP request into stdin, or give --request FILE");
    raw = read_all_stdin();
  } else {
    std::ifstream in(o.request, std::ios::binary);
    if (!in) return usage_error("--request " + o.request + ": cannot read the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    raw = ss.str();
  }
  auto request = auth::parse_raw_request(raw);
  if (!request) return std::unexpected(request.error());
  auto bearer = BearerChecker::make(loaded->credentials, o.introspect_url, o.expect_token, [&g] { return g.now(); });
  if (!bearer) return std::unexpected(bearer.error());
  auth::VerifyContext context;
  context.now = g.now();
  if (*bearer) context.bearer = &(*bearer)->check();
  context.max_skew = std::chrono::seconds(o.max_skew);
  auth::SigV4Steps steps;
  context.sigv4_steps = &steps;
  auth::Verdict v = auth::verify(loaded->credentials, *request, context);
  if (o.verbose && !steps.canonical_request.empty()) print_sigv4_steps(steps, auth::redactor_for(loaded->credentials));
  v.reason = auth::redactor_for(loaded->credentials).text(v.reason);
  if (o.json) {
    nlohmann::ordered_json out{{"valid", v.valid}, {"auth", o.auth}, {"type", loaded->type}};
    out["reason"] = v.valid ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v.reason);
    print_json(std::cout, out);
  } else {
    std::cout << (v.valid ? "valid" : "invalid: " + v.reason) << "\n";
  }
  return v.valid ? ExitCode::ok : ExitCode::check_failed;
}

Result<std::pair<std::string, int>> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return usage_error("--listen '" + listen + "': expected HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return usage_error("--listen '" + listen + "': the port must be 0 to 65535");
  if (host.empty()) return usage_error("--listen '" + listen + "': no host");
  return std::make_pair(host, port);
}

// Blocks SIGINT and SIGTERM in every thread started from here on, and stops the listener when one
// arrives; the returned function ends the watcher.
class SignalWatcher {
 public:
  explicit SignalWatcher(net::Listener& listener) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, &listener] {
      timespec wait{0, 100'000'000};
      bool stopping = false;
      while (!done_) {
        if (stopping) {
          // A stop that came before serve() was listening is not lost: ask again until it ends.
          listener.stop();
          nanosleep(&wait, nullptr);
        } else if (sigtimedwait(&set_, nullptr, &wait) > 0) {
          stopping = true;
        }
      }
    });
  }
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
    pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  sigset_t set_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

Result<ExitCode> run_serve(const GlobalOptions& g, const ServeOptions& o) {
  auto loaded = load_credentials(g, o.auth);
  if (!loaded) return std::unexpected(loaded.error());
  auto where = parse_listen(o.listen);
  if (!where) return std::unexpected(where.error());
  auto bearer = BearerChecker::make(loaded->credentials, o.introspect_url, o.expect_token, [&g] { return g.now(); });
  if (!bearer) return std::unexpected(bearer.error());
  std::ofstream log_file;
  if (!o.log.empty()) {
    log_file.open(o.log, std::ios::app);
    if (!log_file) return usage_error("--log " + o.log + ": cannot open the file");
  }
  std::ostream& log = o.log.empty() ? std::cout : log_file;
  auto listener = net::Listener::bind(where->first, where->second);
  if (!listener) return std::unexpected(listener.error());
  // Signals are taken by the watcher from here on, before anyone can know the port.
  SignalWatcher watcher(**listener);
  std::string host = where->first.find(':') != std::string::npos ? "[" + where->first + "]" : where->first;
  std::cerr << "listening on http://" << host << ":" << (*listener)->port() << std::endl;

  auth::Redactor redactor = auth::redactor_for(loaded->credentials);
  // Digest nonces are an HMAC under a key that lives as long as this process.
  auto key = auth::crypto::random_bytes(32);
  if (!key) return std::unexpected(key.error());
  auth::DigestNonceBook nonces(*key, std::chrono::seconds(o.nonce_lifetime));
  std::mutex log_mutex;
  auto handler = [&](const auth::Request& request, const std::string& peer) {
    auth::VerifyContext context;
    context.now = g.now();
    context.digest_nonces = &nonces;
    if (*bearer) context.bearer = &(*bearer)->check();
    context.max_skew = std::chrono::seconds(o.max_skew);
    auth::SigV4Steps steps;
    context.sigv4_steps = &steps;
    auth::Verdict v = auth::verify(loaded->credentials, request, context);
    if (o.verbose && !steps.canonical_request.empty()) {
      std::lock_guard lock(log_mutex);
      std::cerr << "* " << request.method << " " << redactor.url(request.url) << "\n";
      print_sigv4_steps(steps, redactor);
    }
    net::Reply reply;
    reply.status = v.valid ? 200 : 401;
    reply.body = v.valid ? "valid\n" : "invalid: " + redactor.text(v.reason) + "\n";
    for (const auto& c : v.challenges) reply.headers.add("WWW-Authenticate", c);
    nlohmann::ordered_json line{{"time", util::format_rfc3339(util::Clock::now())},
                                {"peer", peer},
                                {"method", request.method},
                                {"target", redactor.url(request.url)},
                                {"verdict", v.valid ? "valid" : "invalid"},
                                {"status", reply.status}};
    line["reason"] = v.valid ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(redactor.text(v.reason));
    std::lock_guard lock(log_mutex);
    print_json(log, line, false);
    log.flush();
    return reply;
  };
  (*listener)->serve(handler, o.count);
  if (!g.quiet) std::cerr << "stopped" << std::endl;
  return ExitCode::ok;
}

}  // namespace

void setup_verify_commands(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto check = std::make_shared<CheckOptions>();
  auto* verify = app.add_subcommand("verify", "check that a received request carries valid authorization");
  verify->require_subcommand(0, 1);
  verify->add_option("--auth", check->auth, "the authorization to check against")->type_name("NAME");
  verify->add_option("--request", check->request, "a captured raw HTTP/1.1 request (default: - for stdin)")
      ->type_name("FILE|-");
  verify->add_flag("--json", check->json, "print a JSON object");
  verify->add_option("--introspect-url", check->introspect_url, "oauth2: check bearer tokens by RFC 7662 introspection")
      ->type_name("URL");
  verify->add_option("--expect-token", check->expect_token, "oauth2: the one valid bearer token (a secret reference)")
      ->type_name("SECRET");
  verify->add_flag("-v,--verbose", check->verbose,
                   "aws-sigv4: print the verifier's canonical request and string to sign");
  verify
      ->add_option("--max-skew", check->max_skew, "aws-sigv4: seconds X-Amz-Date may be off (default 300, at most 900)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0, 900));

  auto serve = std::make_shared<ServeOptions>();
  auto* srv = verify->add_subcommand("serve", "answer every request with 200 when valid, 401 when not");
  srv->add_option("--auth", serve->auth, "the authorization to check against")->type_name("NAME");
  srv->add_option("--listen", serve->listen, "the address to listen on; port 0 picks a free one")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  srv->add_option("--log", serve->log, "append the JSON log lines to FILE instead of stdout")->type_name("FILE");
  srv->add_option("--count", serve->count, "exit after answering N requests")->type_name("N");
  srv->add_option("--introspect-url", serve->introspect_url, "oauth2: check bearer tokens by RFC 7662 introspection")
      ->type_name("URL");
  srv->add_option("--expect-token", serve->expect_token, "oauth2: the one valid bearer token (a secret reference)")
      ->type_name("SECRET");
  srv->add_flag("-v,--verbose", serve->verbose, "aws-sigv4: print the verifier's canonical request and string to sign");
  srv->add_option("--max-skew", serve->max_skew, "aws-sigv4: seconds X-Amz-Date may be off (default 300, at most 900)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0, 900));
  srv->add_option("--nonce-lifetime", serve->nonce_lifetime,
                  "Digest: seconds a nonce is accepted before a stale=true challenge (default 300)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 86400));

  verify->callback([&global, &action, check, serve, srv] {
    if (srv->parsed()) {
      if (serve->auth.empty()) serve->auth = check->auth;
      if (serve->introspect_url.empty()) serve->introspect_url = check->introspect_url;
      if (serve->expect_token.empty()) serve->expect_token = check->expect_token;
      action = [&global, serve] { return run_serve(global, *serve); };
    } else {
      action = [&global, check] { return run_check(global, *check); };
    }
  });
}

}  // namespace hookauth::cli
