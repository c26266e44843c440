#pragma once
// What `webhook send` and `webhook probe` share between the command line and the session: the
// request options, the request they make, the saved webhook and authorization they name, and the
// signer's world.

#include <cstdint>
#include <string>
#include <vector>

#include "auth/http_message.hpp"
#include "cli/context.hpp"
#include "net/transport.hpp"
#include "net/url.hpp"
#include "session/authorization.hpp"
#include "session/signer.hpp"

namespace hookauth::cli {

struct SendOptions {
  std::string auth;
  std::string url;
  std::string method;
  std::vector<std::string> headers;
  std::string data;
  bool include = false;
  bool json = false;
  bool verbose = false;
  bool dry_run = false;
  bool reveal = false;
  double timeout = 0;
  int retries = 0;
  std::string cacert, cert, key;
  bool insecure = false;
  bool location = false;
  bool allow_insecure_http = false;
  bool presign = false;
  std::int64_t expires = 3600;
  std::string id;          // the payload signature's message id (default: a fresh random one)
  bool curl = false;       // print an equivalent curl command line instead of sending
  std::string data_lines;  // FILE or "-": one webhook per line
  int concurrency = 8;
  std::string failed;  // where the lines that failed go
  // Whether -X (even empty), -d and --concurrency were given, as CLI11 counts them.
  bool method_given = false;
  bool has_data = false;
  bool concurrency_given = false;
};

// The request the options describe, unsigned: URL, method, -H headers, the -d body and its
// Content-Type, User-Agent and Accept.
Result<auth::Request> build_request(const SendOptions& o);

struct ResolvedSend {
  SendOptions options;
  session::Authorization authorization;
};

// A saved webhook's URL, authorization, method and headers under the command line's, and the
// authorization loaded; the store is read only when one of them is named.
Result<ResolvedSend> resolve_send(const GlobalOptions& g, SendOptions o);

// The signer's world: the clock of --at, the system's random bytes, and -v's lines through the redactor.
session::SignerDeps signer_deps(const GlobalOptions& g, const SendOptions& o, const auth::Redactor& redactor);
session::SignerOptions signer_options(const SendOptions& o, const net::Origin& origin, const auth::Redactor& redactor);
net::TransportOptions transport_options(const SendOptions& o, const auth::Redactor& redactor);

}  // namespace hookauth::cli
