#pragma once
// Inside the probe catalogue: each type's checks in a file of its own, and the request makers they share.

#include <string>
#include <string_view>
#include <vector>

#include "session/probe.hpp"

namespace hookauth::session {

// Digest (RFC 7616) and OAuth 2.0 bearer (RFC 6750) checks, in the order they run.
const std::vector<ProbeCheck>& digest_probe_checks();
const std::vector<ProbeCheck>& bearer_probe_checks();

// The profile's own request; a request with no credentials of any kind.
Result<net::Signer> as_configured(ProbeContext& c);
Result<net::Signer> no_credentials(ProbeContext& c);
// bytes random bytes in hex.
std::string random_hex(ProbeContext& c, std::size_t bytes);
// A value of the same length (at least 8) that is not secret.
std::string wrong_like(ProbeContext& c, const std::string& secret);
// Replaces every occurrence of from in the header's value.
void rewrite_header(auth::Request& r, const std::string& name, std::string_view from, std::string_view to);

}  // namespace hookauth::session
