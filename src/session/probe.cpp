#include "session/probe.hpp"

#include <utility>

#include "auth/challenge.hpp"
#include "util/strings.hpp"

namespace hookauth::session {

std::string_view level_name(ProbeLevel level) { return level == ProbeLevel::must ? "MUST" : "SHOULD"; }

std::string_view expect_name(ProbeExpect expect) {
  switch (expect) {
    case ProbeExpect::accepted:
      return "accepted";
    case ProbeExpect::refused:
      return "refused";
    case ProbeExpect::challenge:
      return "401 with a challenge";
  }
  return "";
}

std::string_view verdict_name(ProbeVerdict verdict) {
  switch (verdict) {
    case ProbeVerdict::pass:
      return "pass";
    case ProbeVerdict::fail:
      return "fail";
    case ProbeVerdict::warn:
      return "warn";
    case ProbeVerdict::skip:
      return "skip";
    case ProbeVerdict::error:
      return "error";
  }
  return "";
}

namespace {

// A challenge is answered only where it must be to get the request there at all: Digest's.
std::function<Result<bool>(const net::Response&)> digest_only(const Authorization& a,
                                                              std::function<Result<bool>(const net::Response&)> f) {
  return std::holds_alternative<auth::DigestCredentials>(a.credentials) ? std::move(f) : nullptr;
}

bool offers_scheme(const std::string& values, std::string_view scheme) {
  auto challenges = auth::parse_challenges(values);
  if (!challenges) return false;
  return std::ranges::any_of(*challenges, [&](const auto& c) { return util::iequals(c.scheme, scheme); });
}

bool matches(const std::string& id, const std::vector<std::string>& patterns) {
  return std::ranges::any_of(patterns,
                             [&](const std::string& p) { return id == p || (p.ends_with('-') && id.starts_with(p)); });
}

}  // namespace

Result<net::Signer> altered_signer(ProbeContext& c, const std::function<void(Authorization&)>& change,
                                   std::chrono::seconds clock_shift) {
  struct Held {
    Authorization authorization;
    std::unique_ptr<Signer> signer;
  };
  auto held = std::make_shared<Held>();
  held->authorization = c.authorization;
  change(held->authorization);
  SignerDeps deps = c.deps;
  if (clock_shift.count() != 0) deps.now = [now = c.deps.now, clock_shift] { return now() + clock_shift; };
  auto signer = make_signer(held->authorization, c.options, deps);
  if (!signer) return std::unexpected(signer.error());
  held->signer = std::move(*signer);
  auto m = held->signer->message();
  if (!m) return m;
  return net::Signer{[held, sign = m->sign](auth::Request& r) { return sign(r); },
                     digest_only(held->authorization, m->on_challenge)};
}

Result<net::Signer> then(ProbeContext& c, std::function<void(auth::Request&)> alter) {
  auto m = c.signer->message();
  if (!m) return m;
  return net::Signer{[sign = m->sign, alter = std::move(alter)](auth::Request& r) -> Result<void> {
                       if (auto ok = sign(r); !ok) return ok;
                       alter(r);
                       return {};
                     },
                     digest_only(c.authorization, m->on_challenge)};
}

ProbeResult judge(const ProbeCheck& check, const Result<net::Response>& answer) {
  ProbeResult r;
  r.check = &check;
  if (!answer) {
    r.verdict = ProbeVerdict::error;
    r.reason = answer.error().message;
    return r;
  }
  r.status = answer->status;
  r.status_line = answer->status_line;
  for (const auto& [k, v] : answer->headers.items)
    if (util::iequals(k, "WWW-Authenticate")) r.challenge += (r.challenge.empty() ? "" : ", ") + v;
  r.body_excerpt = util::excerpt(answer->body, 200);
  const long s = answer->status;
  const bool accepted = s >= 200 && s <= 299;
  const bool refused = s >= 400 && s <= 499 && s != 404 && s != 405 && s != 408 && s != 429;
  auto miss = [&](std::string why) {
    r.verdict = check.level == ProbeLevel::must ? ProbeVerdict::fail : ProbeVerdict::warn;
    r.reason = std::move(why);
  };
  auto neither = [&] {
    r.verdict = ProbeVerdict::error;
    r.reason = "answered " + std::to_string(s) + ": neither accepted (2xx) nor refused (4xx)";
  };
  switch (check.expect) {
    case ProbeExpect::accepted:
      if (accepted)
        r.verdict = ProbeVerdict::pass;
      else if (refused)
        miss("refused with " + std::to_string(s));
      else
        neither();
      break;
    case ProbeExpect::refused:
      if (refused)
        r.verdict = ProbeVerdict::pass;
      else if (accepted)
        miss("accepted with " + std::to_string(s));
      else
        neither();
      break;
    case ProbeExpect::challenge:
      if (s == 401 && offers_scheme(r.challenge, check.challenge_scheme)) {
        std::string lacks = check.challenge_lacks ? check.challenge_lacks(r.challenge) : "";
        if (lacks.empty())
          r.verdict = ProbeVerdict::pass;
        else
          miss(std::move(lacks));
      } else if (s == 401)
        miss("401 without WWW-Authenticate: " + std::string(check.challenge_scheme));
      else if (refused || accepted)
        miss("answered " + std::to_string(s) +
             ", not 401 with WWW-Authenticate: " + std::string(check.challenge_scheme));
      else
        neither();
      break;
  }
  return r;
}

Result<std::vector<const ProbeCheck*>> select_checks(const Authorization& a, const ProbeOptions& options) {
  std::vector<const ProbeCheck*> out;
  for (const auto& c : probe_checks())
    if (c.applies(a).listed) out.push_back(&c);
  for (const auto* patterns : {&options.only, &options.skip})
    for (const auto& p : *patterns) {
      std::string pattern = p;
      if (!std::ranges::any_of(out, [&](const ProbeCheck* c) { return matches(std::string(c->id), {pattern}); }))
        return usage_error("'" + util::printable(p) + "' names no check of " + a.type +
                           (a.signature ? " with a payload signature" : "") + " (see 'hookauth webhook probe --list')");
    }
  std::erase_if(out, [&](const ProbeCheck* c) {
    std::string id(c->id);
    if (id == "baseline") return false;  // everything else is judged against it
    return (!options.only.empty() && !matches(id, options.only)) || matches(id, options.skip);
  });
  if (out.size() < 2)
    return usage_error(
        "nothing to probe: " + (a.name.empty() ? std::string("no authorization") : "'" + a.name + "' is " + a.type) +
        (out.empty() ? "" : " and no check is selected") + " (see 'hookauth webhook probe --list')");
  return out;
}

Result<std::vector<ProbeResult>> run_probe(ProbeContext& context, const auth::Request& base,
                                           const std::vector<const ProbeCheck*>& checks, net::Transport& transport,
                                           const ProbeOptions& options) {
  std::vector<ProbeResult> results;
  bool first = true;
  for (const ProbeCheck* check : checks) {
    ProbeResult result;
    result.check = check;
    auto skip = check->applies(context.authorization).skip;
    if (skip.empty() && check->skip_for) skip = check->skip_for(context);
    if (!skip.empty()) {
      result.reason = std::move(skip);
      results.push_back(result);
      if (options.on_result) options.on_result(result);
      continue;
    }
    auth::Request request = base;
    request.headers.set("X-Hookauth-Probe", std::string(check->id));
    context.skip.clear();
    auto signer = check->signer(context);
    if (!signer) return std::unexpected(signer.error());
    std::optional<auth::Request> sent;
    signer->sign = [inner = signer->sign, &sent](auth::Request& r) -> Result<void> {
      auto ok = inner(r);
      sent = r;
      return ok;
    };
    if (!first && !options.dry_run && options.delay.count() > 0) options.env.sleep(options.delay);
    first = false;
    if (options.dry_run) {
      if (auto ok = signer->sign(request); !ok) return std::unexpected(ok.error());
      result.sent = std::move(sent);
      if (check->id == "baseline") context.baseline = result.sent;
    } else {
      auto answer = net::send(transport, request, *signer, options.policy, options.transport, options.env);
      result = judge(*check, answer);
      result.sent = std::move(sent);
      if (!context.skip.empty()) {
        result.verdict = ProbeVerdict::skip;
        result.reason = std::exchange(context.skip, {});
      }
      if (check->id == "baseline") {
        context.baseline = result.sent;
        if (!answer && answer.error().code != ExitCode::network) return std::unexpected(answer.error());
      }
    }
    results.push_back(result);
    if (options.on_result) options.on_result(result);
    if (check->id == "baseline" && !options.dry_run && result.verdict != ProbeVerdict::pass) break;
  }
  return results;
}

}  // namespace hookauth::session
