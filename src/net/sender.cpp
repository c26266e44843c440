#include "net/sender.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

#include "net/url.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace hookauth::net {

using std::chrono::milliseconds;

bool is_retryable_status(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

std::string remove_query_params(const std::string& url, const std::vector<std::string>& names) {
  auto query = util::split_reference(url).query;
  if (!query || names.empty()) return url;
  std::string kept;
  for (auto part : util::split(*query, '&')) {
    std::string name = util::percent_decode(part.substr(0, part.find('=')), true);
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    kept += (kept.empty() ? "" : "&") + std::string(part);
  }
  auto begin = static_cast<std::size_t>(query->data() - url.data()) - 1;  // the '?'
  return url.substr(0, begin) + (kept.empty() ? "" : "?" + kept) + url.substr(begin + 1 + query->size());
}

Result<void> check_transport_security(const std::string& url, const SendPolicy& policy) {
  auto origin = origin_of(url);
  if (!origin) return std::unexpected(origin.error());
  if (policy.has_credentials && util::is_plain_http_off_loopback(*origin) && !policy.allow_insecure_http)
    return usage_error("refusing to send credentials over plain http to " + origin->host +
                       " (use https, or --allow-insecure-http)");
  return {};
}

namespace {

// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.
std::optional<milliseconds> retry_after(const Response& r, const SendEnvironment& env) {
  auto v = r.headers.get("Retry-After");
  if (!v) return std::nullopt;
  auto text = util::trim(*v);
  long long secs = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  if (ec == std::errc() && ptr == text.data() + text.size() && secs >= 0)
    return milliseconds(std::min(secs, 300LL) * 1000);  // capped before it can overflow
  std::tm tm{};
  std::string s(text);
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  auto when = util::Clock::from_time_t(timegm(&tm));
  auto wait = std::chrono::duration_cast<milliseconds>(when - (env.now ? env.now() : util::Clock::now()));
  return std::max(wait, milliseconds(0));
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

milliseconds retry_delay(int attempt, const Response* response, const SendPolicy& policy, const SendEnvironment& env) {
  if (response) {
    if (auto after = retry_after(*response, env)) return std::min(*after, milliseconds(300'000));
  }
  double cap = std::min<double>(static_cast<double>(policy.max_backoff.count()), 500.0 * std::pow(2.0, attempt));
  double unit = env.random_unit ? env.random_unit() : 0.5;
  return milliseconds(static_cast<long long>(cap * (0.5 + unit / 2)));
}

Exchange::Exchange(auth::Request request, Signer signer, const SendPolicy& policy, const SendEnvironment& env,
                   Origin origin)
    : current_(std::move(request)),
      signer_(std::move(signer)),
      policy_(&policy),
      env_(&env),
      origin_(std::move(origin)) {}

Result<Exchange> Exchange::start(auth::Request request, Signer signer, const SendPolicy& policy,
                                 const SendEnvironment& env) {
  if (auto ok = check_transport_security(request.url, policy); !ok) return std::unexpected(ok.error());
  auto origin = origin_of(request.url);
  if (!origin) return std::unexpected(origin.error());
  return Exchange(std::move(request), std::move(signer), policy, env, std::move(*origin));
}

Exchange Exchange::start_checked(auth::Request request, Signer signer, const SendPolicy& policy,
                                 const SendEnvironment& env, Origin origin) {
  return Exchange(std::move(request), std::move(signer), policy, env, std::move(origin));
}

Result<auth::Request> Exchange::next() {
  auth::Request r = current_;
  if (credentials_follow_ && signer_.sign) {
    if (auto ok = signer_.sign(r); !ok) return std::unexpected(ok.error());
  }
  ++attempts_;
  return r;
}

Exchange::Step Exchange::answer(Result<Response> response) {
  answer_before_error_.reset();
  // A challenge answered is not a retry: at most two per URL (a fresh one, then a stale one).
  if (response && response->status == 401 && credentials_follow_ && signer_.on_challenge && challenges_answered_ < 2) {
    auto again = signer_.on_challenge(*response);
    if (!again) {
      answer_before_error_ = std::move(*response);
      return {std::unexpected(again.error())};
    }
    if (*again) {
      ++challenges_answered_;
      answer_before_error_ = std::move(*response);  // for an error signing the answer in next()
      return {};
    }
  }
  bool last = attempt_ >= policy_->retries;
  if (response && (!is_retryable_status(response->status) || last)) return follow(std::move(*response));
  if (!response && (last || response.error().code != ExitCode::network)) return {std::move(response)};
  auto delay = retry_delay(attempt_, response ? &*response : nullptr, *policy_, *env_);
  ++attempt_;
  if (env_->note)
    env_->note("retry " + std::to_string(attempt_) + " of " + std::to_string(policy_->retries) + " in " +
               std::to_string(delay.count()) + " ms after " +
               (response ? "HTTP " + std::to_string(response->status) : response.error().message));
  return {std::nullopt, true, delay};
}

// The final answer for the current URL: done, or the redirect to follow.
Exchange::Step Exchange::follow(Response response) {
  if (!policy_->follow_redirects || !is_redirect(response.status)) return {std::move(response)};
  auto location = response.headers.get("Location");
  if (!location) return {std::move(response)};
  auto refused = [&](Error e) {
    answer_before_error_ = std::move(response);
    return Step{std::unexpected(std::move(e))};
  };
  if (hops_ >= policy_->max_redirects)
    return refused({ExitCode::network, "more than " + std::to_string(policy_->max_redirects) + " redirects"});
  auto next = resolve_location(current_.url, *location);
  if (!next) return refused(next.error());
  auto next_origin = origin_of(*next);
  if (!next_origin) return refused({ExitCode::network, "redirect refused: " + next_origin.error().message});
  ++hops_;
  attempt_ = 0;
  challenges_answered_ = 0;
  if (credentials_follow_ && !(*next_origin == origin_)) {
    credentials_follow_ = false;
    if (env_->note) env_->note("redirected to another origin: sending no credentials there");
  }
  if (!credentials_follow_) {
    for (auto name : {"Authorization", "Proxy-Authorization", "Cookie"}) current_.headers.remove(name);
  }
  // RFC 9110 section 15.4: 301 and 302 after POST, and 303 after anything but HEAD, become GET.
  long s = response.status;
  if ((s == 303 && current_.method != "HEAD") || ((s == 301 || s == 302) && current_.method == "POST")) {
    current_.method = "GET";
    current_.body.clear();
    current_.headers.remove("Content-Type");
    current_.headers.remove("Content-Length");
  }
  current_.url = remove_query_params(*next, policy_->signer_query_params);
  return {};
}

Result<Response> send(Transport& transport, const auth::Request& request, const Signer& sign, const SendPolicy& policy,
                      const TransportOptions& options, const SendEnvironment& env,
                      std::optional<Response>* answer_before_error) {
  auto exchange = Exchange::start(request, sign, policy, env);
  if (!exchange) return std::unexpected(exchange.error());
  for (;;) {
    auto r = exchange->next();
    if (!r) {
      if (answer_before_error) *answer_before_error = exchange->answer_before_error();
      return std::unexpected(r.error());
    }
    auto step = exchange->answer(transport.perform(*r, options));
    if (step.done) {
      if (!*step.done && answer_before_error) *answer_before_error = exchange->answer_before_error();
      return std::move(*step.done);
    }
    if (step.backoff && env.sleep) env.sleep(step.wait);
  }
}

}  // namespace hookauth::net
