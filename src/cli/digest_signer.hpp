#pragma once
// The Digest side of `webhook send`: which challenge each attempt answers (shared in advance,
// remembered in the state file, or just received), with which nonce count, and what -v shows.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/digest.hpp"
#include "net/sender.hpp"
#include "store/state_file.hpp"

namespace hookauth::cli {

struct DigestSignerOptions {
  std::string profile;
  std::string origin;    // scheme://host:port of the URL
  bool dry_run = false;  // read the state, never write it
  bool reveal = false;
  // Where -v lines go (nothing when empty); the random source for client nonces.
  std::function<void(const std::string&)> trace;
  std::function<Result<std::string>()> make_cnonce;
};

// Signers for a Digest profile, one per message: they share the session (the challenge being
// answered and its nonce count) and its state, which live as long as the last of them; each message
// answers at most one fresh challenge of its own (a second means the password is wrong).
std::function<net::Signer()> make_digest_signers(const auth::DigestCredentials& credentials,
                                                 const store::StateFile& state, const DigestSignerOptions& options);

}  // namespace hookauth::cli
