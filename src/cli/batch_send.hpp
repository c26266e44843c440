#pragma once
// `webhook send --data-lines`: one webhook per input line, many in flight, with progress on a
// terminal, a summary at the end and the lines that failed kept for another go.

#include <functional>
#include <string>

#include "auth/http_message.hpp"
#include "auth/redactor.hpp"
#include "net/sender.hpp"
#include "net/transport.hpp"
#include "util/result.hpp"

namespace hookauth::cli {

struct BatchSend {
  std::string data_lines;  // FILE, or "-" for standard input
  int concurrency = 8;
  std::string failed;  // FILE for the lines that failed (none when empty)
  bool json = false;
  bool quiet = false;
};

// Sends request once per line with the line as its body (Content-Type from the request, else
// application/json when the line is JSON, else form), each signed by a signer of its own.
// ExitCode::ok when every line got a 2xx answer; check_failed when some did not; network when none
// got any answer; the error that stopped the batch (a usage or token error) otherwise.
Result<ExitCode> run_batch_send(const BatchSend& batch, const auth::Request& request,
                                const std::function<Result<net::Signer>()>& make_signer, const net::SendPolicy& policy,
                                const net::TransportOptions& options, const net::SendEnvironment& env,
                                const auth::Redactor& redactor);

}  // namespace hookauth::cli
