// Remembers the `jti` of every accepted client assertion until the assertion expires, so each can be used
// once. Memory is bounded: entries are dropped when they expire, and when the cache is full of live entries
// new assertions are refused (fail closed) instead of forgetting old ones. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace fhirgw::auth {

class ReplayCache {
 public:
  enum class Outcome { fresh, replayed, full };

  explicit ReplayCache(std::size_t max_entries = 100000) : max_entries_(max_entries) {}

  // Records (issuer, jti) until `expires_at`; `replayed` if it is already recorded and not yet expired.
  Outcome remember(std::string_view issuer, std::string_view jti, std::int64_t expires_at, std::int64_t now);

  std::size_t size() const;

 private:
  void purge(std::int64_t now);  // caller holds mutex_

  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_set<std::string> live_;
  std::multimap<std::int64_t, std::string> by_expiry_;
};

}  // namespace fhirgw::auth
