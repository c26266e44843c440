#pragma once
// The OAuth 2.0 bearer signer: a token from the TokenSource on every request, refreshed before it
// expires, and the answer to a 401 (RFC 6750 section 3.1: the token may have been revoked or have
// expired early): one forced refresh and one retry per message, requests signed with a token older
// than the current one signed again without a refresh, and in a batch at most one forced refresh
// every forced_refresh_interval.

#include <memory>

#include "session/signer.hpp"

namespace hookauth::session {

std::unique_ptr<Signer> make_bearer_signer(Authorization& authorization, const SignerOptions& options,
                                           const SignerDeps& deps);

}  // namespace hookauth::session
