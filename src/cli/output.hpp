#pragma once
// How the CLI prints: JSON documents, aligned tables, and requests as HTTP/1.1 text.

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "auth/http_message.hpp"
#include "auth/payload_signature.hpp"
#include "auth/redactor.hpp"
#include "auth/sigv4.hpp"
#include "util/result.hpp"

namespace hookauth::cli {

// One JSON document on a line of its own; invalid UTF-8 is replaced, never thrown on.
void print_json(std::ostream& out, const nlohmann::ordered_json& j, bool pretty = true);

// Left-aligned columns separated by two spaces; the first row is the header.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

// A verifier shows the signature it expected only for a request that carried it: for any other (one
// that carries another signature), the expected value would let whoever reads the output forge that request.
constexpr std::string_view withheld_signature = "(not shown: the request carries another, wrong signature)";

// -v's lines for one SigV4 signature on stderr: the canonical request, the string to sign, the
// signature (or withheld_signature when show_signature is false), each line through the redactor
// (a signed session token is a secret).
void print_sigv4_steps(const auth::SigV4Steps& steps, const auth::Redactor& redactor, bool show_signature = true);

// The request exactly as it would go on the wire (origin-form target, Host first, Content-Length
// when there is a body), with secrets replaced by the redactor.
std::string format_request(const auth::Request& request, const std::string& host, const auth::Redactor& redactor);

// -v's lines for a payload signature on stderr: the scheme, the exact content signed (its first
// 300 bytes, control characters escaped, known secrets redacted) and each signature made or checked
// (withheld_signature for each when show_signatures is false).
void print_signature_steps(const auth::SignatureCredentials& credentials, const auth::SignatureSteps& steps,
                           const auth::Redactor& redactor, bool show_signatures = true);

// A curl command line that sends the same request (`curl -sS`, so `| sh` shows no progress meter;
// headers but Host and Content-Length, the body as --data-raw, HEAD as -I), each argument
// single-quoted for a POSIX shell, secrets redacted. digest_userinfo, when not empty, is
// "user:password" for `--digest -u` (curl answers the receiver's challenge itself), as it is to be
// shown (redacted or not by the caller). A body with NUL bytes cannot be a shell argument: a usage
// error.
Result<std::string> format_curl(const auth::Request& request, const auth::Redactor& redactor,
                                const std::string& digest_userinfo = "");

// A transport trace for -v: each header line on stderr after its direction ('>' sent, '<'
// received, '*' a note), secret header values and query parameters replaced. The redactor must
// outlive the returned function.
std::function<void(char, std::string_view)> wire_trace(const auth::Redactor& redactor);

}  // namespace hookauth::cli
