#pragma once
// `webhook probe`: black-box checks that a receiver really verifies an authorization. Each check
// sends one request made from the profile's own signer (correct, altered after signing, or signed
// with altered credentials or time) and judges the answer: refused, accepted, or a challenge.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/sender.hpp"
#include "session/authorization.hpp"
#include "session/signer.hpp"

namespace hookauth::session {

enum class ProbeLevel { must, should };  // must: a security hole when it fails
enum class ProbeExpect { accepted, refused, challenge };
enum class ProbeVerdict { pass, fail, warn, skip, error };

std::string_view level_name(ProbeLevel level);
std::string_view expect_name(ProbeExpect expect);
std::string_view verdict_name(ProbeVerdict verdict);

struct ProbeContext;

// Whether a check belongs to an authorization's run, and when it does but cannot apply to its
// scheme, why it is skipped.
struct Applicability {
  bool listed = false;
  std::string skip;
};

struct ProbeCheck {
  std::string_view id;  // part of the interface
  ProbeLevel level;
  ProbeExpect expect;
  std::string_view challenge_scheme;  // expect challenge: the WWW-Authenticate scheme
  std::string_view sends;             // what the request is, in a few words
  std::string_view reference;         // the RFC or specification section
  Applicability (*applies)(const Authorization&);
  // The signer for this check's one request (on_challenge only where a challenge must be answered
  // to get that far, as Digest's).
  Result<net::Signer> (*signer)(ProbeContext&);
  // Why the check is skipped, known only once the baseline is sent (a bearer token that is not a
  // JWT); empty, or no function: it runs.
  std::string (*skip_for)(ProbeContext&) = nullptr;
  // With expect challenge, a further test of the challenges offered (the WWW-Authenticate values,
  // comma-joined): what they lack, empty when nothing. Null: any challenge of the scheme passes.
  std::string (*challenge_lacks)(const std::string& challenge) = nullptr;
};

// Every check, in the order a run sends them; the baseline first.
const std::vector<ProbeCheck>& probe_checks();

// What the checks build their requests from.
struct ProbeContext {
  const Authorization& authorization;
  SignerOptions options;
  SignerDeps deps;
  std::unique_ptr<Signer> signer;         // the profile's own
  std::optional<auth::Request> baseline;  // the baseline as it was sent (sig-replay resends it)
  std::string token;   // --token: the bearer token probed with, never one from the profile's TokenSource
  std::string skip{};  // set by a check's signer when the receiver's answer makes the check moot: why
};

// The signer of --token: `Authorization: Bearer TOKEN` on every request (RFC 6750 section 2.1).
std::unique_ptr<Signer> fixed_token_signer(std::string token);

// A signer over a copy of the authorization that change alters (credentials or signature), with
// the same options and dependencies as the profile's.
Result<net::Signer> altered_signer(ProbeContext& c, const std::function<void(Authorization&)>& change,
                                   std::chrono::seconds clock_shift = std::chrono::seconds(0));
// The profile's signer, with the request altered after it is signed, and no challenge answered
// beyond Digest's.
Result<net::Signer> then(ProbeContext& c, std::function<void(auth::Request&)> alter);

struct ProbeResult {
  const ProbeCheck* check = nullptr;
  ProbeVerdict verdict = ProbeVerdict::skip;
  std::string reason;  // why, for anything but pass; the skip reason
  long status = 0;     // 0: no answer
  std::string status_line;
  std::string challenge;     // the answer's WWW-Authenticate values, comma-joined
  std::string body_excerpt;  // the answer's body, first 200 bytes
  std::optional<auth::Request> sent;
};

// Judges an answer against what the check expects. Refused is a 4xx other than 404, 405, 408 and
// 429; accepted a 2xx; anything else (or no answer) is error, never pass.
ProbeResult judge(const ProbeCheck& check, const Result<net::Response>& answer);

struct ProbeOptions {
  std::vector<std::string> only;  // ids or id prefixes; empty: all
  std::vector<std::string> skip;  // ids or prefixes
  bool dry_run = false;           // build and report each request, send nothing
  std::chrono::milliseconds delay{200};
  net::SendPolicy policy;  // retries 0, no redirects
  net::TransportOptions transport;
  net::SendEnvironment env;
  std::function<void(const ProbeResult&)> on_result;  // each result as it is known
};

// The checks that apply to the authorization and the selection, in order; a usage error for an id
// or prefix that names no check of this authorization.
Result<std::vector<const ProbeCheck*>> select_checks(const Authorization& authorization, const ProbeOptions& options);

// Runs the checks over base (the unsigned request) one at a time. The baseline refused (or not
// answered) ends the run: nothing else can be judged.
Result<std::vector<ProbeResult>> run_probe(ProbeContext& context, const auth::Request& base,
                                           const std::vector<const ProbeCheck*>& checks, net::Transport& transport,
                                           const ProbeOptions& options);

}  // namespace hookauth::session
