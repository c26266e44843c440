// hookauth verify, hookauth verify serve

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
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
#include "session/verifier.hpp"
#include "store/state_file.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace hookauth::cli {

namespace {

// What verify and verify serve share: one declaration on both commands, bound to one struct, so an
// option given before `serve` or after it means the same.
struct ReceiverOptions {
  std::string auth;
  session::BearerOptions bearer;
  std::string tolerance = "300";  // seconds, or "none"
  int max_skew = 300;
  bool verbose = false;
  CLI::Option* tolerance_options[2] = {};  // on verify and on serve: "given" is asked of CLI11
};

struct CheckOptions {
  std::string request = "-";
  bool json = false;
};

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string log;
  std::size_t count = 0;
  int nonce_lifetime = 300;
  std::size_t max_connections = 1024;
  std::size_t max_body = 1024 * 1024;
  int read_timeout = 10;
  net::TlsFiles tls;
};

Result<session::Verifier> load_verifier(const GlobalOptions& g, const ReceiverOptions& o) {
  if (o.auth.empty()) return usage_error("--auth is required: the authorization to check against");
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto authorization = session::Authorization::load(*st, o.auth);
  if (!authorization) return std::unexpected(authorization.error());
  session::VerifierOptions options;
  options.bearer = o.bearer;
  options.max_skew = std::chrono::seconds(o.max_skew);
  options.tolerance_given = std::ranges::any_of(o.tolerance_options, [](auto* opt) { return opt && opt->count(); });
  if (o.tolerance == "none") {
    options.tolerance.reset();
  } else {
    std::int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(o.tolerance.data(), o.tolerance.data() + o.tolerance.size(), seconds);
    if (ec != std::errc() || ptr != o.tolerance.data() + o.tolerance.size() || seconds < 0 || seconds > 31'536'000)
      return usage_error("--tolerance '" + o.tolerance + "': a number of seconds, or none");
    options.tolerance = std::chrono::seconds(seconds);
  }
  session::VerifierDeps deps{[&g] { return g.now(); }, net::make_curl_transport};
  auto verifier = session::Verifier::make(std::move(*authorization), options, deps);
  if (verifier) warn_if_literal_secret(g, "--expect-token", o.bearer.expect_token, false);
  return verifier;
}

// The verifier's check, with -v's lines on stderr under print_mutex (serve answers in parallel).
auth::Verdict check_request(const session::Verifier& verifier, bool verbose, const auth::Request& request,
                            util::Clock::time_point now, auth::DigestNonceBook* nonces, auth::ReplayBook* replays,
                            std::mutex* print_mutex) {
  session::Check c = verifier.check(request, now, nonces, replays);
  if (verbose) {
    const auth::Redactor& redactor = verifier.redactor();
    std::unique_lock<std::mutex> lock;
    if (print_mutex) lock = std::unique_lock(*print_mutex);
    if (nonces) std::cerr << "* " << request.method << " " << redactor.url(request.url) << "\n";
    // The expected signatures only when the request carried them (see withheld_signature).
    if (!c.sigv4.canonical_request.empty()) print_sigv4_steps(c.sigv4, redactor, c.type_valid);
    if (!c.signature.content.empty())
      print_signature_steps(*verifier.authorization().signature, c.signature, redactor, c.verdict.valid);
  }
  return c.verdict;
}

// A captured request may be as large as one verify serve accepts (its body limit, and room for the
// head); a file that never ends, such as /dev/zero, is refused rather than read until memory runs out.
constexpr std::size_t max_request = 65 * 1024 * 1024;

// Up to limit + 1 bytes of in, so the caller can tell that there was more.
std::string read_at_most(std::istream& in, std::size_t limit) {
  std::string out;
  char buf[65536];
  while (out.size() <= limit && in.read(buf, sizeof buf).gcount() > 0)
    out.append(buf, static_cast<std::size_t>(in.gcount()));
  if (out.size() > limit + 1) out.resize(limit + 1);
  return out;
}

Result<ExitCode> run_check(const GlobalOptions& g, const ReceiverOptions& r, const CheckOptions& o) {
  auto verifier = load_verifier(g, r);
  if (!verifier) return std::unexpected(verifier.error());
  std::string raw;
  if (o.request == "-") {
    if (stdin_is_terminal())
      return usage_error("no request to check: pipe a raw HTTP request into stdin, or give --request FILE");
    raw = read_at_most(std::cin, max_request);
  } else {
    std::ifstream in(o.request, std::ios::binary);
    if (!in) return usage_error("--request " + o.request + ": cannot read the file");
    raw = read_at_most(in, max_request);
  }
  if (raw.size() > max_request)
    return usage_error("--request " + o.request + ": larger than " + std::to_string(max_request >> 20) +
                       " MiB (the largest request verify serve accepts)");
  auto request = auth::parse_raw_request(raw);
  if (!request) return std::unexpected(request.error());
  auth::Verdict v = check_request(*verifier, r.verbose, *request, g.now(), nullptr, nullptr, nullptr);
  if (o.json) {
    nlohmann::ordered_json out{{"valid", v.valid}, {"auth", r.auth}, {"type", verifier->authorization().type}};
    out["reason"] = v.valid ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v.reason);
    print_json(std::cout, out);
  } else {
    std::cout << (v.valid ? paint("valid", Colour::green, false)
                          : paint("invalid", Colour::red, false) + ": " + v.reason)
              << "\n";
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

Result<ExitCode> run_serve(const GlobalOptions& g, const ReceiverOptions& r, const ServeOptions& o) {
  auto where = parse_listen(o.listen);
  if (!where) return std::unexpected(where.error());
  auto verifier = load_verifier(g, r);
  if (!verifier) return std::unexpected(verifier.error());
  std::ofstream log_file;
  if (!o.log.empty()) {
    log_file.open(o.log, std::ios::app);
    if (!log_file) return usage_error("--log " + o.log + ": cannot open the file");
  }
  std::ostream& log = o.log.empty() ? std::cout : log_file;
  net::ListenOptions listen;
  listen.max_connections = o.max_connections;
  listen.limits.max_body = o.max_body;
  listen.read_timeout = std::chrono::seconds(o.read_timeout);
  if (!o.tls.cert.empty() || !o.tls.key.empty()) {
    if (o.tls.cert.empty() || o.tls.key.empty()) return usage_error("--tls-cert and --tls-key go together");
    listen.tls = o.tls;
  } else if (!o.tls.client_ca.empty()) {
    return usage_error("--client-ca needs --tls-cert and --tls-key: client certificates are part of TLS");
  }
  std::mutex log_mutex;  // the log and -v lines, written from every event loop
  if (r.verbose)
    listen.on_handshake_failure = [&log_mutex](const net::Peer& peer, const std::string& reason) {
      std::lock_guard lock(log_mutex);
      std::cerr << "* TLS handshake with " << peer.address << " failed: " << reason << std::endl;
    };
  // Only token introspection and a key set URL make a check wait on the network.
  listen.handler_may_block = !r.bearer.introspect_url.empty() || !r.bearer.jwks_url.empty();
  auto listener = net::Listener::bind(where->first, where->second, listen);
  if (!listener) return std::unexpected(listener.error());
  // Signals are taken by the watcher from here on, before anyone can know the port.
  SignalWatcher watcher(**listener);
  std::string host = where->first.find(':') != std::string::npos ? "[" + where->first + "]" : where->first;
  std::cerr << "listening on " << (listen.tls ? "https" : "http") << "://" << host << ":" << (*listener)->port()
            << std::endl;

  const auth::Redactor& redactor = verifier->redactor();
  // Digest nonces are an HMAC under a key that lives as long as this process.
  auto key = auth::crypto::random_bytes(32);
  if (!key) return std::unexpected(key.error());
  auth::DigestNonceBook nonces(*key, std::chrono::seconds(o.nonce_lifetime));
  auth::ReplayBook replays;
  auto handler = [&](const auth::Request& request, const net::Peer& peer, const net::Problem* problem) {
    auth::Verdict v;
    if (problem)
      v.reason = problem->reason;
    else
      v = check_request(*verifier, r.verbose, request, g.now(), &nonces, &replays, &log_mutex);
    net::Reply reply;
    reply.status = v.valid ? 200 : problem ? problem->status : 401;
    reply.body = v.valid ? "valid\n" : "invalid: " + redactor.text(v.reason) + "\n";
    for (const auto& c : v.challenges) reply.headers.add("WWW-Authenticate", c);
    nlohmann::ordered_json line{{"time", util::format_rfc3339(util::Clock::now())},
                                {"peer", peer.address},
                                {"method", request.method},
                                {"target", redactor.url(request.url)},
                                {"verdict", v.valid ? "valid" : "invalid"},
                                {"status", reply.status}};
    line["reason"] = v.valid ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(redactor.text(v.reason));
    if (!o.tls.client_ca.empty()) line["client_cert"] = peer.client_cert;
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

namespace {

// The options verify and verify serve share, declared on both commands and bound to the one o;
// index is the command's place (0 verify, 1 serve).
void add_receiver_options(CLI::App* cmd, ReceiverOptions& o, int index) {
  cmd->add_option("--auth", o.auth, "the authorization to check against")->type_name("NAME");
  cmd->add_flag("-v,--verbose", o.verbose,
                "print the verifier's canonical request (aws-sigv4) and signed content (payload signatures)");
  cmd->add_option("--max-skew", o.max_skew, "aws-sigv4: seconds X-Amz-Date may be off (default 300, at most 900)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0, 900));
  o.tolerance_options[index] =
      cmd->add_option("--tolerance", o.tolerance,
                      "payload signatures: seconds a timestamp may be off (default 300), or none for an old capture")
          ->type_name("SECONDS|none");
  cmd->add_option("--introspect-url", o.bearer.introspect_url, "oauth2: check bearer tokens by RFC 7662 introspection")
      ->type_name("URL");
  cmd->add_option("--expect-token", o.bearer.expect_token,
                  "oauth2: the one valid bearer token (env:NAME, file:PATH, cmd:COMMAND or a literal)")
      ->type_name("SECRET");
  cmd->add_option("--jwks-url", o.bearer.jwks_url, "oauth2: check JWT bearer tokens against the key set at URL")
      ->type_name("URL");
  cmd->add_option("--jwks", o.bearer.jwks_file, "oauth2: check JWT bearer tokens against the key set in FILE")
      ->type_name("FILE");
  cmd->add_option("--issuer", o.bearer.issuer, "JWT: the iss tokens must carry (default: the profile's --issuer)")
      ->type_name("ISS");
  cmd->add_option("--audience", o.bearer.audience, "JWT: the aud tokens must be for")->type_name("AUD");
  cmd->add_option("--leeway", o.bearer.leeway, "JWT: seconds of clock skew allowed on exp and nbf (default 60)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0, 3600));
}

}  // namespace

void setup_verify_commands(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto receiver = std::make_shared<ReceiverOptions>();
  auto check = std::make_shared<CheckOptions>();
  auto* verify = app.add_subcommand("verify", "check that a received request carries valid authorization");
  verify->require_subcommand(0, 1);
  add_receiver_options(verify, *receiver, 0);
  verify->add_option("--request", check->request, "a captured raw HTTP/1.1 request (default: - for stdin)")
      ->type_name("FILE|-");
  verify->add_flag("--json", check->json, "print a JSON object");

  auto serve = std::make_shared<ServeOptions>();
  auto* srv = verify->add_subcommand("serve", "answer every request with 200 when valid, 401 when not");
  add_receiver_options(srv, *receiver, 1);
  srv->add_option("--listen", serve->listen, "the address to listen on; port 0 picks a free one")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  srv->add_option("--log", serve->log, "append the JSON log lines to FILE instead of stdout")->type_name("FILE");
  srv->add_option("--count", serve->count, "exit after answering N requests")
      ->type_name("N")
      ->check(CLI::Range(0, 1000000000));
  srv->add_option("--nonce-lifetime", serve->nonce_lifetime,
                  "Digest: seconds a nonce is accepted before a stale=true challenge (default 300)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 86400));
  srv->add_option("--max-connections", serve->max_connections,
                  "open connections at most; more wait in the listen backlog (default 1024)")
      ->type_name("N")
      ->check(CLI::Range(1, 65536));
  srv->add_option("--max-body", serve->max_body,
                  "the largest body accepted, in bytes; larger ones get 413 (default 1 MiB)")
      ->type_name("BYTES")
      ->check(CLI::Range(std::size_t{0}, max_request - 1024 * 1024));
  srv->add_option("--read-timeout", serve->read_timeout,
                  "seconds a request's head and body may take to arrive; then 408 (default 10)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 3600));
  srv->add_option("--tls-cert", serve->tls.cert, "serve HTTPS with this PEM certificate chain (with --tls-key)")
      ->type_name("FILE");
  srv->add_option("--tls-key", serve->tls.key, "the PEM private key of --tls-cert")->type_name("FILE");
  srv->add_option("--client-ca", serve->tls.client_ca,
                  "mutual TLS: require a client certificate that this PEM CA bundle verifies")
      ->type_name("FILE");

  verify->callback([&global, &action, receiver, check, serve, srv] {
    if (srv->parsed())
      action = [&global, receiver, serve] { return run_serve(global, *receiver, *serve); };
    else
      action = [&global, receiver, check] { return run_check(global, *receiver, *check); };
  });
}

}  // namespace hookauth::cli
