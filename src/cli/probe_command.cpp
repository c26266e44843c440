// hookauth webhook probe

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/send_request.hpp"
#include "cli/terminal.hpp"
#include "session/probe.hpp"
#include "store/secret_ref.hpp"
#include "util/strings.hpp"

#ifndef HOOKAUTH_VERSION
#define HOOKAUTH_VERSION "0"
#endif

namespace hookauth::cli {

namespace {

using session::ProbeLevel;
using session::ProbeResult;
using session::ProbeVerdict;

struct ProbeCommandOptions {
  SendOptions send;
  std::vector<std::string> checks;  // ids or prefixes to run (default: all that apply)
  std::vector<std::string> skip;
  bool list = false;
  bool strict = false;
  int delay_ms = 200;
  std::string junit;
  std::string token;  // --token: a secret reference
};

void print_list() {
  std::vector<std::vector<std::string>> rows{{"ID", "LEVEL", "EXPECTS", "SENDS", "REFERENCE"}};
  for (const auto& c : session::probe_checks())
    rows.push_back({std::string(c.id), std::string(session::level_name(c.level)),
                    std::string(session::expect_name(c.expect)) +
                        (c.challenge_scheme.empty() ? "" : " (" + std::string(c.challenge_scheme) + ")"),
                    std::string(c.sends), std::string(c.reference)});
  print_table(std::cout, rows);
}

struct Tally {
  int passed = 0, failed = 0, warnings = 0, skipped = 0, errors = 0;
  explicit Tally(const std::vector<ProbeResult>& results) {
    for (const auto& r : results) {
      passed += r.verdict == ProbeVerdict::pass;
      failed += r.verdict == ProbeVerdict::fail;
      warnings += r.verdict == ProbeVerdict::warn;
      skipped += r.verdict == ProbeVerdict::skip;
      errors += r.verdict == ProbeVerdict::error;
    }
  }
};

// A failure for the exit code and JUnit: a MUST check that did not pass; with --strict, any check.
bool counts_as_failure(const ProbeResult& r, bool strict) {
  if (r.verdict == ProbeVerdict::pass || r.verdict == ProbeVerdict::skip) return false;
  return r.check->level == ProbeLevel::must || strict;
}

std::string came_back(const ProbeResult& r) {
  if (r.verdict == ProbeVerdict::skip) return "-";
  if (r.status == 0) return "no answer";
  return std::to_string(r.status) + (r.challenge.empty() ? "" : " " + util::excerpt(r.challenge, 30));
}

void print_results(const std::vector<ProbeResult>& results) {
  std::vector<std::vector<std::string>> rows{{"CHECK", "SENT", "EXPECTED", "GOT", "VERDICT"}};
  for (const auto& r : results) {
    std::string verdict(session::verdict_name(r.verdict));
    if (!r.reason.empty() && r.verdict != ProbeVerdict::pass) verdict += ": " + r.reason;
    rows.push_back({std::string(r.check->id), std::string(r.check->sends),
                    std::string(session::expect_name(r.check->expect)), came_back(r), verdict});
  }
  print_table(std::cout, rows);
  Tally t(results);
  std::cout << t.passed << " passed, " << t.failed << " failed, " << t.warnings << " warnings, " << t.skipped
            << " skipped" << (t.errors ? ", " + std::to_string(t.errors) + " errors" : "") << "\n";
}

nlohmann::ordered_json results_json(const std::string& receiver, const std::string& auth,
                                    const std::vector<ProbeResult>& results) {
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const auto& r : results)
    checks.push_back({{"id", r.check->id},
                      {"level", session::level_name(r.check->level)},
                      {"expect", session::expect_name(r.check->expect)},
                      {"status", r.status == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.status)},
                      {"verdict", session::verdict_name(r.verdict)},
                      {"reason", r.reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.reason)},
                      {"reference", r.check->reference}});
  Tally t(results);
  return {{"receiver", receiver},
          {"auth", auth},
          {"checks", checks},
          {"summary",
           {{"passed", t.passed},
            {"failed", t.failed},
            {"warnings", t.warnings},
            {"skipped", t.skipped},
            {"errors", t.errors}}}};
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' ? ' ' : c;
    }
  return out;
}

// One testcase per check: a failed MUST (any check with --strict) is a failure, a skip is skipped.
Result<void> write_junit(const std::string& path, const std::string& receiver, const std::vector<ProbeResult>& results,
                         bool strict) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return usage_error("--junit " + path + ": cannot write the file");
  int failures = 0, skipped = 0;
  for (const auto& r : results) {
    failures += counts_as_failure(r, strict);
    skipped += r.verdict == ProbeVerdict::skip;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"hookauth webhook probe " << xml_escape(receiver)
      << "\" tests=\"" << results.size() << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\">\n";
  for (const auto& r : results) {
    out << "  <testcase classname=\"hookauth.probe\" name=\"" << xml_escape(r.check->id) << "\">";
    std::string message = std::string(session::verdict_name(r.verdict)) + ": expected " +
                          std::string(session::expect_name(r.check->expect)) + ", got " + came_back(r) +
                          (r.reason.empty() ? "" : " (" + r.reason + ")");
    if (r.verdict == ProbeVerdict::skip)
      out << "<skipped message=\"" << xml_escape(r.reason) << "\"/>";
    else if (counts_as_failure(r, strict))
      out << "<failure message=\"" << xml_escape(message) << "\">" << xml_escape(r.check->reference) << "</failure>";
    else if (r.verdict != ProbeVerdict::pass)
      out << "<system-out>" << xml_escape(message) << "</system-out>";
    out << "</testcase>\n";
  }
  out << "</testsuite>\n";
  if (!out.flush()) return usage_error("--junit " + path + ": cannot write the file");
  return {};
}

// What the receiver answered a refused baseline: status, challenge and the body's start.
std::string baseline_refused(const ProbeResult& r) {
  std::string s = "the baseline (a correct request) was not accepted: ";
  s += r.status ? "HTTP " + std::to_string(r.status) : r.reason;
  if (!r.challenge.empty()) s += ", WWW-Authenticate: " + util::excerpt(r.challenge, 120);
  if (!r.body_excerpt.empty()) s += ", body: " + util::printable(util::excerpt(r.body_excerpt, 120));
  return s + "; nothing else can be judged";
}

// The token --token refers to, taught to the redactor (with access_token, bearer-in-query's
// parameter); empty without --token.
Result<std::string> probe_token(session::Authorization& authorization, const std::string& reference) {
  if (std::holds_alternative<auth::OAuth2Credentials>(authorization.credentials))
    authorization.redactor.add_query_param("access_token");
  if (reference.empty()) return std::string();
  if (!std::holds_alternative<auth::OAuth2Credentials>(authorization.credentials))
    return usage_error("--token applies to an oauth2 authorization; '" + authorization.name + "' is " +
                       authorization.type);
  if (reference == "-") return usage_error("--token: give env:NAME, file:PATH or cmd:COMMAND (stdin is the body's)");
  auto ref = store::parse_secret_argument("--token", reference);
  if (!ref) return std::unexpected(ref.error());
  auto value = store::resolve("--token", *ref);
  if (!value) return std::unexpected(value.error());
  if (util::trim(*value).empty() || value->find_first_of(" \t\r\n") != std::string::npos)
    return usage_error("--token: the token is empty or holds white space");
  authorization.redactor.add_secret(*value);
  return value;
}

Result<ExitCode> run_probe_command(const GlobalOptions& g, const ProbeCommandOptions& o) {
  if (o.list) {
    print_list();
    return ExitCode::ok;
  }
  if (o.send.url.empty()) return usage_error("webhook probe: give the receiver's URL or a saved webhook's name");
  auto resolved = resolve_send(g, o.send);
  if (!resolved) return std::unexpected(resolved.error());
  const SendOptions& s = resolved->options;
  session::Authorization& authorization = resolved->authorization;
  if (s.auth.empty()) return usage_error("--auth is required: the authorization the receiver checks");
  auto request = build_request(s);
  if (!request) return std::unexpected(request.error());
  request->headers.set("User-Agent", "hookauth-probe/" HOOKAUTH_VERSION);
  const auth::Redactor& redactor = authorization.redactor;
  authorization.redactor.set_enabled(!s.reveal);
  auto origin = net::origin_of(request->url);
  if (!origin) return std::unexpected(origin.error());

  session::ProbeOptions popt;
  popt.only = o.checks;
  popt.skip = o.skip;
  auto selected = session::select_checks(authorization, popt);
  if (!selected) return std::unexpected(selected.error());
  auto token = probe_token(authorization, o.token);
  if (!token) return std::unexpected(token.error());
  warn_if_literal_secret(g, "--token", o.token, false);
  session::ProbeContext context{
      authorization, signer_options(s, *origin, redactor), signer_deps(g, s, redactor), {}, {}, *token};
  if (!context.token.empty()) {
    context.signer = session::fixed_token_signer(context.token);  // the TokenSource is never asked
  } else {
    auto signer = session::make_signer(authorization, context.options, context.deps);
    if (!signer) return std::unexpected(signer.error());
    context.signer = std::move(*signer);
  }

  popt.dry_run = s.dry_run;
  popt.delay = std::chrono::milliseconds(o.delay_ms);
  popt.policy.has_credentials = true;
  popt.policy.allow_insecure_http = s.allow_insecure_http;
  popt.transport = transport_options(s, redactor);
  std::mt19937_64 rng(std::random_device{}());
  popt.env.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  popt.env.random_unit = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  popt.env.now = [&g] { return g.now(); };
  popt.env.note = [&](const std::string& line) {
    if (s.verbose) std::cerr << "* " << redactor.text(line) << "\n";
  };
  popt.on_result = [&](const ProbeResult& r) {
    if (!r.sent || !(s.dry_run || s.verbose)) return;
    auto host = net::host_header(r.sent->url);
    std::ostream& out = s.dry_run ? std::cout : std::cerr;
    out << "# " << r.check->id << " (" << r.check->sends << "; expects " << session::expect_name(r.check->expect)
        << ")\n"
        << format_request(*r.sent, host ? *host : "", redactor) << (s.dry_run ? "\n" : "");
    if (!s.dry_run) std::cerr << "# -> " << came_back(r) << " " << session::verdict_name(r.verdict) << "\n\n";
  };
  if (auto ok = net::check_transport_security(request->url, popt.policy); !ok) return std::unexpected(ok.error());
  auto transport = net::make_curl_transport();
  auto results = session::run_probe(context, *request, *selected, *transport, popt);
  if (!results) return std::unexpected(results.error());
  if (s.dry_run) return ExitCode::ok;

  std::string receiver = redactor.url(request->url);
  if (s.json)
    print_json(std::cout, results_json(receiver, s.auth, *results));
  else
    print_results(*results);
  if (!o.junit.empty())
    if (auto ok = write_junit(o.junit, receiver, *results, o.strict); !ok) return std::unexpected(ok.error());
  const ProbeResult& baseline = results->front();
  if (baseline.verdict != ProbeVerdict::pass) {
    if (baseline.status == 0) return fail(ExitCode::network, redactor.text(baseline.reason));
    if (!g.quiet) std::cerr << "hookauth: " << redactor.text(baseline_refused(baseline)) << "\n";
    return ExitCode::check_failed;
  }
  bool failed = std::ranges::any_of(*results, [&](const ProbeResult& r) { return counts_as_failure(r, o.strict); });
  return failed ? ExitCode::check_failed : ExitCode::ok;
}

}  // namespace

void setup_probe_command(CLI::App& webhook, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<ProbeCommandOptions>();
  auto* probe = webhook.add_subcommand("probe", "check that a receiver really verifies the authorization");
  probe->add_option("url", o->send.url, "the receiver's URL (http or https), or a saved webhook's name")
      ->type_name("URL|NAME");
  probe->add_option("check", o->checks, "run only these checks (an id, or a prefix such as sig-)")
      ->type_name("CHECK-ID");
  probe->add_option("--auth", o->send.auth, "the authorization the receiver checks")->type_name("NAME");
  probe
      ->add_option("--token", o->token,
                   "oauth2: probe with this bearer token (env:NAME, file:PATH, cmd:COMMAND or a literal), fetch none")
      ->type_name("SECRET");
  auto* method = probe->add_option("-X,--request", o->send.method, "the method (default: POST with data, else GET)")
                     ->type_name("METHOD");
  probe->add_option("-H,--header", o->send.headers, "an extra header, repeatable")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false);
  auto* data = probe->add_option("-d,--data", o->send.data, "the body: DATA, @FILE or @- (stdin), sent byte for byte")
                   ->type_name("DATA");
  probe->add_option("--skip", o->skip, "leave this check out (an id or a prefix), repeatable")
      ->type_name("CHECK-ID")
      ->allow_extra_args(false);
  probe->add_flag("--list", o->list, "print every check with its level and reference, and send nothing");
  auto* dry_run = probe->add_flag("--dry-run", o->send.dry_run,
                                  "print the requests it would send (secrets redacted), send nothing");
  auto* json = probe->add_flag("--json", o->send.json, "print one JSON object: every check's verdict and a summary");
  json->excludes(dry_run);
  probe->add_option("--junit", o->junit, "also write a JUnit XML report to FILE")->type_name("FILE");
  probe->add_flag("--strict", o->strict, "a SHOULD check that fails also makes the exit code 1");
  probe->add_option("--delay", o->delay_ms, "milliseconds between requests (default 200)")
      ->type_name("MS")
      ->check(CLI::Range(0, 60000));
  probe->add_flag("-v,--verbose", o->send.verbose, "print each request and its answer on stderr, secrets redacted");
  probe->add_flag("--reveal", o->send.reveal, "show secrets in what is printed");
  probe->add_option("--timeout", o->send.timeout, "give up on a request after SECONDS (default 10)")
      ->type_name("SECONDS")
      ->check(check_seconds);
  probe->add_option("--cacert", o->send.cacert, "trust the CA certificates in FILE")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  probe->add_flag("-k,--insecure", o->send.insecure, "do not verify the server's TLS certificate");
  probe->add_flag("--allow-insecure-http", o->send.allow_insecure_http,
                  "allow credentials over plain http to a host that is not loopback");
  o->send.timeout = 10;
  probe->callback([&global, &action, o, method, data] {
    o->send.method_given = method->count() > 0;
    o->send.has_data = data->count() > 0;
    action = [&global, o] { return run_probe_command(global, *o); };
  });
}

}  // namespace hookauth::cli
