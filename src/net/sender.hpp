#pragma once
// The single-send policy: sign, send, retry with backoff, follow redirects, and keep credentials
// to the origin they were meant for.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/http_message.hpp"
#include "net/transport.hpp"
#include "net/url.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::net {

struct SendPolicy {
  int retries = 0;
  bool follow_redirects = false;
  int max_redirects = 10;
  bool allow_insecure_http = false;
  bool has_credentials = false;  // the signer adds something secret
  // Query parameters the signer adds: removed from a redirect's Location before it is followed,
  // so an echoed key neither goes to another origin nor arrives twice.
  std::vector<std::string> signer_query_params;
  std::chrono::milliseconds max_backoff{30'000};
};

// What the sender needs from the world, passed in: waiting, a uniform random number in [0, 1)
// for jitter, the clock (for HTTP-date Retry-After), and where to say what it is doing.
struct SendEnvironment {
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> random_unit;
  std::function<util::Clock::time_point()> now;
  std::function<void(const std::string&)> note;
};

// Adds the credentials to a request about to go to the original origin, and answers challenges.
struct Signer {
  std::function<Result<void>(auth::Request&)> sign;
  // Given a 401 from the original origin: true when the signer has taken its challenge and the
  // request should go again (the next sign() answers it); false to give the 401 to the caller.
  std::function<Result<bool>(const Response&)> on_challenge;
};

// One webhook's way through the single-send policy, as a state machine, so the same policy runs
// one request at a time (send) or many at once (the batch runner): next() gives the signed request
// to put on the wire, answer() takes what came back and says whether the exchange is done or
// when next() should be called again (a retry's backoff, a challenge answered, a redirect).
class Exchange {
 public:
  struct Step {
    std::optional<Result<Response>> done;  // set: the exchange is over with this result
    bool backoff = false;                  // else: a retry, to be sent after wait
    std::chrono::milliseconds wait{0};
  };

  // Refuses credentials over plain http outside loopback, and a URL without an origin.
  // The policy and the environment must outlive the exchange; the signer is its own.
  static Result<Exchange> start(auth::Request request, Signer signer, const SendPolicy& policy,
                                const SendEnvironment& env);
  // The same, for a caller that has checked the transport security of request.url already and
  // knows its origin (a batch: every line goes to one URL).
  static Exchange start_checked(auth::Request request, Signer signer, const SendPolicy& policy,
                                const SendEnvironment& env, Origin origin);
  Result<auth::Request> next();
  Step answer(Result<Response> response);
  int attempts() const { return attempts_; }  // requests put on the wire so far
  // The receiver's last answer when the exchange ends in an error right after it (a challenge that
  // could not be answered, or whose answer could not be signed; a redirect refused), for --json.
  const std::optional<Response>& answer_before_error() const { return answer_before_error_; }

 private:
  Exchange(auth::Request request, Signer signer, const SendPolicy& policy, const SendEnvironment& env, Origin origin);
  Step follow(Response response);

  auth::Request current_;
  Signer signer_;
  const SendPolicy* policy_;
  const SendEnvironment* env_;
  Origin origin_;
  bool credentials_follow_ = true;
  int hops_ = 0;
  int attempt_ = 0;  // retries of the current URL
  int challenges_answered_ = 0;
  int attempts_ = 0;
  std::optional<Response> answer_before_error_;
};

// Refuses credentials over plain http to a host outside loopback unless the policy allows it.
Result<void> check_transport_security(const std::string& url, const SendPolicy& policy);

// Sends request (unsigned; the signer is applied to every attempt that goes to the original
// origin). A redirect to another scheme, host or port is followed without credentials. On an
// error after the receiver answered, answer_before_error (when given) receives that answer.
Result<Response> send(Transport& transport, const auth::Request& request, const Signer& sign, const SendPolicy& policy,
                      const TransportOptions& options, const SendEnvironment& env,
                      std::optional<Response>* answer_before_error = nullptr);

// The wait before retry number attempt (0-based): Retry-After when the answer has one, else
// exponential backoff from 500 ms, jittered to between half and all of it, at most policy.max_backoff.
std::chrono::milliseconds retry_delay(int attempt, const Response* response, const SendPolicy& policy,
                                      const SendEnvironment& env);

bool is_retryable_status(long status);

// The URL without the query parameters whose decoded names are in names.
std::string remove_query_params(const std::string& url, const std::vector<std::string>& names);

}  // namespace hookauth::net
