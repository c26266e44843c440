#include "session/bearer_checker.hpp"

#include <fstream>
#include <sstream>

#include "auth/crypto.hpp"
#include "net/sender.hpp"
#include "net/transport.hpp"
#include "store/secret_ref.hpp"

namespace hookauth::session {

namespace {

// An unknown kid fetches the key set again, but not more often than this: a stream of made-up
// kids must not turn the receiver into a load generator for the key server.
constexpr std::chrono::seconds jwks_refetch_interval{10};

// How long an introspection or a key set fetch may take: a server that accepts and never answers
// must not hold a `verify serve` worker (and its shutdown) for ever.
constexpr double fetch_timeout_seconds = 10;

Result<void> check_url(const std::string& flag, const std::string& url) {
  net::SendPolicy policy;
  policy.has_credentials = true;
  if (auto ok = net::check_transport_security(url, policy); !ok)
    return usage_error(flag + ": plain http to a host outside loopback is refused: use https");
  return {};
}

}  // namespace

Result<std::shared_ptr<BearerChecker>> BearerChecker::make(const auth::Credentials& credentials, const BearerOptions& o,
                                                           std::function<util::Clock::time_point()> now,
                                                           net::TransportFactory make_transport) {
  int ways = !o.introspect_url.empty() + !o.expect_token.empty() + (!o.jwks_url.empty() || !o.jwks_file.empty());
  const auto* oauth = std::get_if<auth::OAuth2Credentials>(&credentials);
  if (!oauth) {
    if (ways > 0) return usage_error("--introspect-url, --expect-token and --jwks apply to an oauth2 authorization");
    return std::shared_ptr<BearerChecker>();
  }
  if (ways == 0)
    return usage_error(
        "an oauth2 authorization is checked with --introspect-url, --jwks-url, --jwks or --expect-token");
  if (ways > 1 || (!o.jwks_url.empty() && !o.jwks_file.empty()))
    return usage_error("give one of --introspect-url, --jwks-url, --jwks and --expect-token");
  auto checker = std::shared_ptr<BearerChecker>(new BearerChecker());
  checker->credentials_ = *oauth;
  checker->options_ = o;
  checker->now_ = std::move(now);
  checker->make_transport_ = std::move(make_transport);
  BearerChecker* raw = checker.get();
  if (!o.expect_token.empty()) {
    if (o.expect_token == "-")
      return usage_error("--expect-token: give env:NAME, file:PATH or cmd:COMMAND (stdin is the request)");
    auto ref = store::parse_secret_argument("--expect-token", o.expect_token);
    if (!ref) return std::unexpected(ref.error());
    auto value = store::resolve("--expect-token", *ref);
    if (!value) return std::unexpected(value.error());
    if (value->empty()) return usage_error("--expect-token: the token is empty");
    checker->check_.expected = std::move(*value);
  } else if (!o.introspect_url.empty()) {
    if (auto ok = check_url("--introspect-url", o.introspect_url); !ok) return std::unexpected(ok.error());
    checker->check_.check = [raw](const std::string& token) { return raw->introspect(token); };
  } else {
    if (o.audience.empty()) return usage_error("--jwks: give --audience, the aud a token must be for");
    if (checker->options_.issuer.empty()) checker->options_.issuer = oauth->issuer;
    if (checker->options_.issuer.empty())
      return usage_error("--jwks: give --issuer, the iss a token must come from (or --issuer on the profile)");
    if (!o.jwks_url.empty())
      if (auto ok = check_url("--jwks-url", o.jwks_url); !ok) return std::unexpected(ok.error());
    auto jwks = checker->fetch_jwks();
    if (!jwks) return std::unexpected(jwks.error());
    checker->jwks_ = std::move(*jwks);  // the first unknown kid may fetch again at once
    checker->check_.check = [raw](const std::string& token) { return raw->check_jwt(token); };
  }
  return checker;
}

Result<auth::Jwks> BearerChecker::fetch_jwks() {
  std::string text;
  if (!options_.jwks_file.empty()) {
    std::ifstream in(options_.jwks_file, std::ios::binary);
    if (!in) return usage_error("--jwks " + options_.jwks_file + ": cannot read the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else {
    auth::Request r;
    r.url = options_.jwks_url;
    r.headers.set("Accept", "application/json");
    net::TransportOptions topt;
    topt.timeout_seconds = fetch_timeout_seconds;
    auto response = make_transport_()->perform(r, topt);
    if (!response) return std::unexpected(Error{response.error().code, "--jwks-url: " + response.error().message});
    if (response->status != 200)
      return fail(ExitCode::auth_flow, "--jwks-url answered HTTP " + std::to_string(response->status));
    text = std::move(response->body);
  }
  auto jwks = auth::parse_jwks(text);
  if (!jwks) return usage_error((options_.jwks_file.empty() ? "--jwks-url: " : "--jwks: ") + jwks.error().message);
  return jwks;
}

auth::BearerAnswer BearerChecker::check_jwt(const std::string& token) {
  auth::JwtExpectations expected{now_(), std::chrono::seconds(options_.leeway), options_.issuer, options_.audience};
  auth::Jwks jwks;
  {
    std::lock_guard lock(mutex_);
    jwks = jwks_;
  }
  auto v = auth::verify_jwt(token, jwks, expected);
  if (v.unknown_kid && !options_.jwks_url.empty()) {
    // Keys rotate: a kid the cached set lacks is looked up once more at the source.
    std::unique_lock lock(mutex_);
    bool due = !jwks_fetched_ || now_() - *jwks_fetched_ >= jwks_refetch_interval;
    if (due) {
      jwks_fetched_ = now_();
      lock.unlock();
      auto fresh = fetch_jwks();
      if (!fresh)
        return {false,
                "the bearer token's key is unknown and the JWKS could not be fetched again: " + fresh.error().message};
      lock.lock();
      jwks_ = *fresh;
      jwks = jwks_;
      lock.unlock();
      v = auth::verify_jwt(token, jwks, expected);
    }
  }
  return {v.valid, v.reason};
}

auth::BearerAnswer BearerChecker::introspect(const std::string& token) {
  std::string key = auth::crypto::sha256(token);
  auto now = util::unix_seconds(now_());
  {
    std::lock_guard lock(mutex_);
    if (auto it = active_until_.find(key); it != active_until_.end()) {
      if (it->second > now) return {true, ""};
      active_until_.erase(it);
    }
  }
  net::TransportOptions topt;
  topt.timeout_seconds = fetch_timeout_seconds;
  auto started = std::chrono::steady_clock::now();
  auto response =
      make_transport_()->perform(auth::introspection_request(credentials_, options_.introspect_url, token), topt);
  if (!response) {
    if (std::chrono::steady_clock::now() - started >= std::chrono::duration<double>(fetch_timeout_seconds))
      return {false, "introspection failed: timed out: --introspect-url did not answer within " +
                         std::to_string(static_cast<int>(fetch_timeout_seconds)) + " s"};
    return {false, "introspection failed: " + response.error().message};
  }
  auto answer = auth::parse_introspection(response->status, response->body);
  if (!answer) return {false, "introspection failed: " + answer.error().message};
  auto judged = auth::judge_introspection(*answer, now_());
  if (!judged.valid) return {false, judged.reason};
  if (answer->exp) {
    std::lock_guard lock(mutex_);
    active_until_[key] = *answer->exp;
  }
  return {true, ""};
}

}  // namespace hookauth::session
