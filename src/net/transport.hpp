#pragma once
// The HTTP edge: one request out, one response back. The real implementation is libcurl's; the
// sender and the tests only see this interface.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "auth/http_message.hpp"
#include "util/result.hpp"

namespace hookauth::net {

struct TransportOptions {
  double timeout_seconds = 0;  // 0: none
  std::string cacert;
  bool insecure = false;
  std::string client_cert;
  std::string client_key;
  // Called with '>' for each request header line sent, '<' for each response header line and '*'
  // for connection notes, exactly as they crossed the wire; the caller redacts.
  std::function<void(char direction, std::string_view line)> trace;
};

struct Timings {
  double dns = 0, connect = 0, tls = 0, first_byte = 0, total = 0;  // seconds from the start
};

struct Response {
  long status = 0;
  std::string status_line;  // "HTTP/1.1 200 OK"
  auth::Headers headers;
  std::string body;
  Timings timings;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends the request as it is (the caller has signed it); network and TLS failures are errors
  // with ExitCode::network, any HTTP answer is a Response.
  virtual Result<Response> perform(const auth::Request& request, const TransportOptions& options) = 0;
};

std::unique_ptr<Transport> make_curl_transport();

// libcurl's version for --version: the library loaded at run time (curl_version_info), its TLS
// backend ("OpenSSL/3.0.19"), and the headers hookauth was compiled against.
struct CurlVersion {
  std::string runtime;
  std::string tls;
  std::string built;
};
CurlVersion curl_version();

// Makes a transport for one thread: a Transport is not shared between threads.
using TransportFactory = std::function<std::unique_ptr<Transport>()>;

}  // namespace hookauth::net
