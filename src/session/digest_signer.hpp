#pragma once
// The Digest signer: which challenge each attempt answers (shared in advance, remembered in the
// state file, or just received), with which nonce count, and what -v shows.

#include <memory>
#include <optional>
#include <string>

#include "auth/digest.hpp"
#include "session/signer.hpp"
#include "store/state_file.hpp"

namespace hookauth::session {

// Signers for a Digest profile, one per message: they share the session (the challenge being
// answered and its nonce count) and its state; each message answers at most one fresh challenge of
// its own (a second means the password is wrong).
std::unique_ptr<Signer> make_digest_signer(const Authorization& authorization, const SignerOptions& options,
                                           const SignerDeps& deps);

}  // namespace hookauth::session
