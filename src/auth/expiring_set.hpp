#pragma once
// A set bounded in time and size, for the replay books of `verify serve` (DigestNonceBook,
// ReplayBook): each entry is dropped once its expiry has passed, soonest expiry first, and no entry
// is added past a fixed capacity.

#include <array>
#include <cstddef>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "auth/crypto.hpp"
#include "util/time.hpp"

namespace hookauth::auth {

// What a book answers when an entry is presented to it.
enum class Admission {
  first,   // not held before: now held until its expiry
  replay,  // already held (its expiry unchanged)
  full,    // not held, and the book already holds its capacity of unexpired entries: not added
};

// Not thread-safe: the books lock around it. Entries are held as the SHA-256 of their text, so each
// costs the same whatever its length (a message id may be as long as a header field); a collision
// could only refuse an entry, never accept a replay.
class ExpiringSet {
 public:
  using Key = std::array<unsigned char, 32>;

  explicit ExpiringSet(std::size_t capacity) : capacity_(capacity) {}

  // The key of an entry's text (hashed outside the caller's lock).
  static Key key_of(std::string_view text) {
    Key key;
    std::string digest = crypto::sha256(text);
    std::memcpy(key.data(), digest.data(), key.size());
    return key;
  }

  // Drops the entries whose expiry is before now, then adds key, held through until. A full set
  // refuses a new key rather than evict a live one, which would let that one's replay through.
  Admission add(const Key& key, util::Clock::time_point now, util::Clock::time_point until) {
    while (!expiries_.empty() && expiries_.top().first < now) {
      held_.erase(*expiries_.top().second);
      expiries_.pop();
    }
    if (held_.contains(key)) return Admission::replay;
    if (held_.size() >= capacity_) return Admission::full;
    expiries_.emplace(until, &*held_.insert(key).first);
    return Admission::first;
  }

  // The entries held now (expired ones included until the next add drops them).
  std::size_t size() const { return held_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct KeyHash {
    // The key is already a uniform hash: its first bytes will do.
    std::size_t operator()(const Key& key) const noexcept {
      std::size_t h;
      std::memcpy(&h, key.data(), sizeof h);
      return h;
    }
  };
  // An entry's expiry and its key in held_ (elements of an unordered_set never move).
  using Expiry = std::pair<util::Clock::time_point, const Key*>;
  struct Later {
    bool operator()(const Expiry& a, const Expiry& b) const { return a.first > b.first; }
  };

  std::size_t capacity_;
  std::unordered_set<Key, KeyHash> held_;
  // The same entries, soonest expiry first, so dropping the expired ones never scans the whole set.
  std::priority_queue<Expiry, std::vector<Expiry>, Later> expiries_;
};

}  // namespace hookauth::auth
