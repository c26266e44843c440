// hookauth webhook send

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "auth/credentials.hpp"
#include "auth/crypto.hpp"
#include "auth/oauth2.hpp"
#include "auth/payload_signature.hpp"
#include "auth/redactor.hpp"
#include "auth/sigv4.hpp"
#include "cli/batch_send.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/send_request.hpp"
#include "cli/terminal.hpp"
#include "net/sender.hpp"
#include "net/url.hpp"
#include "session/authorization.hpp"
#include "session/signer.hpp"
#include "store/saved_webhook.hpp"
#include "util/strings.hpp"

#ifndef HOOKAUTH_VERSION
#define HOOKAUTH_VERSION "0"
#endif

namespace hookauth::cli {

namespace {

// Flags that make no sense with --data-lines: the body comes from the lines, and nothing is printed per request.
Result<void> check_batch_flags(const SendOptions& o) {
  if (o.data_lines.empty()) {
    if (!o.failed.empty()) return usage_error("--failed: only with --data-lines");
    if (o.concurrency_given) return usage_error("--concurrency: only with --data-lines");
    return {};
  }
  std::pair<bool, const char*> refused[] = {{o.has_data, "-d/--data"},
                                            {o.dry_run, "--dry-run"},
                                            {o.curl, "--curl"},
                                            {o.include, "-i/--include"},
                                            {!o.id.empty(), "--id (each line gets its own)"}};
  for (const auto& [given, flag] : refused)
    if (given) return usage_error(std::string(flag) + ": cannot be used with --data-lines");
  return {};
}

nlohmann::ordered_json response_json(const net::Response& resp, const auth::Redactor& redactor) {
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  for (const auto& [k, v] : resp.headers.items) {
    std::string key = util::to_lower(k);
    std::string value = redactor.header_value(k, v);
    if (headers.contains(key))
      headers[key] = headers[key].get<std::string>() + ", " + value;
    else
      headers[key] = value;
  }
  const auto& t = resp.timings;
  return {{"status", resp.status},
          {"status_line", resp.status_line},
          {"headers", headers},
          {"body", redactor.text(resp.body)},
          {"timings",
           {{"dns", t.dns}, {"connect", t.connect}, {"tls", t.tls}, {"first_byte", t.first_byte}, {"total", t.total}}}};
}

// --json when the send ends in a network (3) or authorization-flow (4) error: the error and its exit
// code, and the receiver's answer when there was one.
void print_failure_json(const Error& e, const std::optional<net::Response>& answer, const auth::Redactor& redactor) {
  nlohmann::ordered_json out = answer ? response_json(*answer, redactor) : nlohmann::ordered_json::object();
  out["error"] = redactor.text(e.message);
  out["exit_code"] = static_cast<int>(e.code);
  print_json(std::cout, out);
  std::cout.flush();
}

net::SendPolicy send_policy(const SendOptions& o, const session::Signer& signer) {
  net::SendPolicy policy;
  policy.retries = o.retries;
  policy.follow_redirects = o.location;
  policy.allow_insecure_http = o.allow_insecure_http;
  policy.has_credentials = signer.carries_credentials();
  policy.signer_query_params = signer.query_params();
  return policy;
}

// --curl for Digest with no nonce to answer yet: curl answers the challenge itself, given
// `--digest -u user:password` (the password redacted without --reveal); what it cannot do as
// hookauth would is said on stderr.
std::string curl_digest_userinfo(const GlobalOptions& g, const SendOptions& o, const auth::DigestCredentials& d,
                                 const auth::Request& request) {
  auto say = [&](const std::string& text) {
    if (!g.quiet) std::cerr << "hookauth: " << text << "\n";
  };
  if (!o.reveal)
    say("the command cannot succeed as printed: curl --digest needs the password, which is redacted (--reveal "
        "prints it)");
  if (d.username.find(':') != std::string::npos)
    say("the command cannot succeed: curl -u cannot carry a user name with ':'");
  if (d.qop == "auth-int" && !request.body.empty())
    say("curl --digest answers qop auth-int as for an empty body: a receiver that offers only auth-int refuses it");
  // The redactor replaces only secrets long enough to be found in text: this one is replaced whole.
  return d.username + ":" + (o.reveal ? d.password : std::string(auth::redacted));
}

// --dry-run and --curl: the signed request printed, nothing sent.
Result<ExitCode> print_unsent(const GlobalOptions& g, const SendOptions& o, const auth::Request& request,
                              const auth::Credentials& credentials, session::Signer& signer,
                              const net::SendPolicy& policy, const auth::Redactor& redactor) {
  if (auto ok = net::check_transport_security(request.url, policy); !ok) return std::unexpected(ok.error());
  auto host = net::host_header(request.url);
  if (!host) return std::unexpected(host.error());
  auth::Request signed_request = request;
  auto message = signer.message(o.id);
  if (!message) return std::unexpected(message.error());
  if (auto ok = message->sign(signed_request); !ok) return std::unexpected(ok.error());
  bool unsigned_yet = !signed_request.headers.has("Authorization") && message->on_challenge;
  if (o.curl) {
    const auto* digest = std::get_if<auth::DigestCredentials>(&credentials);
    std::string userinfo = digest && unsigned_yet ? curl_digest_userinfo(g, o, *digest, signed_request) : "";
    auto command = format_curl(signed_request, redactor, userinfo);
    if (!command) return std::unexpected(command.error());
    std::cout << *command;
  } else {
    if (unsigned_yet && !g.quiet)
      std::cerr << "hookauth: no Authorization until the receiver's Digest challenge (a profile with --realm and "
                   "--nonce signs the first request)\n";
    std::cout << format_request(signed_request, *host, redactor);
  }
  return ExitCode::ok;
}

// The receiver's answer on stdout (--json, -i or the body); exit 0 for 2xx, else 1.
ExitCode print_response(const GlobalOptions& g, const SendOptions& o, const net::Response& response,
                        const auth::Redactor& redactor) {
  if (o.json) {
    print_json(std::cout, response_json(response, redactor));
  } else {
    if (o.include) {
      std::cout << response.status_line << "\r\n";
      for (const auto& [k, v] : response.headers.items) std::cout << k << ": " << redactor.header_value(k, v) << "\r\n";
      std::cout << "\r\n";
    }
    std::cout << redactor.text(response.body);
  }
  std::cout.flush();
  bool ok = response.status >= 200 && response.status <= 299;
  if (!ok && !g.quiet && !o.json) std::cerr << "hookauth: the receiver answered " << response.status_line << "\n";
  return ok ? ExitCode::ok : ExitCode::check_failed;
}

Result<ExitCode> run_send(const GlobalOptions& g, const SendOptions& given) {
  if (auto ok = check_batch_flags(given); !ok) return std::unexpected(ok.error());
  auto resolved = resolve_send(g, given);
  if (!resolved) return std::unexpected(resolved.error());
  const SendOptions& o = resolved->options;
  session::Authorization& authorization = resolved->authorization;
  if (!o.id.empty() && !authorization.signature) return usage_error("--id: the authorization has no payload signature");
  auto request = build_request(o);
  if (!request) return std::unexpected(request.error());
  const auth::Redactor& redactor = authorization.redactor;
  authorization.redactor.set_enabled(!o.reveal);
  auto origin = net::origin_of(request->url);
  if (!origin) return std::unexpected(origin.error());
  auto signer = session::make_signer(authorization, signer_options(o, *origin, redactor), signer_deps(g, o, redactor));
  if (!signer) return std::unexpected(signer.error());
  net::SendPolicy policy = send_policy(o, **signer);
  if (o.dry_run || o.curl) return print_unsent(g, o, *request, authorization.credentials, **signer, policy, redactor);

  net::TransportOptions topt = transport_options(o, redactor);
  std::mt19937_64 rng(std::random_device{}());
  net::SendEnvironment env;
  env.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  env.random_unit = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  env.now = [&g] { return g.now(); };
  env.note = [&](const std::string& s) {
    if (!g.quiet) std::cerr << "hookauth: " << redactor.text(s) << "\n";
  };
  if (!o.data_lines.empty()) {
    BatchSend batch{o.data_lines, o.concurrency, o.failed, o.json, g.quiet};
    return run_batch_send(
        batch, *request, [&] { return (*signer)->message(); }, policy, topt, env, redactor);
  }
  auto transport = net::make_curl_transport();
  std::optional<net::Response> answer;
  auto response = [&]() -> Result<net::Response> {
    auto message = (*signer)->message(o.id);
    if (!message) return std::unexpected(message.error());
    return net::send(*transport, *request, *message, policy, topt, env, &answer);
  }();
  if (!response) {
    const Error& e = response.error();
    if (o.json && (e.code == ExitCode::network || e.code == ExitCode::auth_flow))
      print_failure_json(e, answer, redactor);
    return std::unexpected(e);
  }
  return print_response(g, o, *response, redactor);
}

}  // namespace

void setup_webhook_commands(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* webhook = app.add_subcommand("webhook", "send webhooks");
  webhook->require_subcommand(1);
  auto o = std::make_shared<SendOptions>();
  auto* send = webhook->add_subcommand("send", "send a webhook (or one per input line) with an authorization applied");
  send->add_option("url", o->url, "the receiver's URL (http or https), or a saved webhook's name")
      ->required()
      ->type_name("URL|NAME");
  send->add_option("--auth", o->auth, "the authorization to apply (default: none)")->type_name("NAME");
  auto* method =
      send->add_option("-X,--request", o->method, "the method (default: POST with data or --data-lines, else GET)")
          ->type_name("METHOD");
  send->add_option("-H,--header", o->headers, "an extra header, repeatable")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false);  // one value per -H: the URL may follow it
  auto* data = send->add_option("-d,--data", o->data, "the body: DATA, @FILE or @- (stdin), sent byte for byte")
                   ->type_name("DATA");
  send->add_flag("-i,--include", o->include, "print the status line and headers before the body");
  auto* json = send->add_flag("--json", o->json, "print one JSON object: status, headers, body, timings");
  send->add_flag("-v,--verbose", o->verbose, "print the exchange's headers on stderr, secrets redacted");
  auto* dry_run = send->add_flag("--dry-run", o->dry_run, "print the request as HTTP/1.1 text and send nothing");
  send->add_flag("--reveal", o->reveal, "show secrets in what is printed");
  auto* curl =
      send->add_flag("--curl", o->curl, "print an equivalent curl command line (secrets redacted) and send nothing");
  // Each prints something else on stdout: two of them at once would ignore one.
  dry_run->excludes(curl);
  json->excludes(dry_run);
  json->excludes(curl);
  send->add_option("--timeout", o->timeout, "give up after SECONDS (default: no limit)")
      ->type_name("SECONDS")
      ->check(check_seconds);
  send->add_option("--retries", o->retries, "retry N times on connection errors, 408, 429 and 5xx")
      ->type_name("N")
      ->check(CLI::Range(0, 100));
  send->add_option("--cacert", o->cacert, "trust the CA certificates in FILE")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);  // a usage error (2), not libcurl's network error (3)
  send->add_flag("-k,--insecure", o->insecure, "do not verify the server's TLS certificate");
  send->add_option("--cert", o->cert, "client certificate for mutual TLS (PEM)")->type_name("FILE");
  send->add_option("--key", o->key, "client private key for mutual TLS (PEM)")->type_name("FILE");
  send->add_flag("-L,--location", o->location, "follow redirects (credentials stay with their origin)");
  send->add_flag("--allow-insecure-http", o->allow_insecure_http,
                 "allow credentials over plain http to a host that is not loopback");
  send->add_flag("--presign", o->presign, "aws-sigv4: sign in the query string instead of the Authorization header");
  send->add_option("--expires", o->expires,
                   "with --presign: seconds the URL stays valid (default 3600, at most 604800)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 604800));
  send->add_option("--id", o->id, "the payload signature's message id (default: a fresh random one)")->type_name("ID");
  send->add_option("--data-lines", o->data_lines,
                   "send one webhook per line of FILE (- for stdin), each signed on its own")
      ->type_name("FILE|-");
  auto* concurrency = send->add_option("--concurrency", o->concurrency,
                                       "with --data-lines: requests in flight and connections kept alive (default 8)")
                          ->type_name("N")
                          ->check(CLI::Range(1, 1000));
  send->add_option("--failed", o->failed, "with --data-lines: write the lines that failed to FILE, to send again")
      ->type_name("FILE");
  send->callback([&global, &action, o, method, data, concurrency] {
    o->method_given = method->count() > 0;
    o->has_data = data->count() > 0;
    o->concurrency_given = concurrency->count() > 0;
    action = [&global, o] { return run_send(global, *o); };
  });
  setup_probe_command(*webhook, global, action);
  setup_saved_webhook_commands(*webhook, global, action);
}

}  // namespace hookauth::cli
