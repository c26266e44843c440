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

// A signer for a Digest profile; its state lives as long as the returned signer.
net::Signer make_digest_signer(const auth::DigestCredentials& credentials, const store::StateFile& state,
                               const DigestSignerOptions& options);

}  // namespace hookauth::cli
