#include "auth/replay_cache.h"

namespace fhirgw::auth {

ReplayCache::Outcome ReplayCache::remember(std::string_view issuer, std::string_view jti, std::int64_t expires_at,
                                           std::int64_t now) {
  // Length-prefixed so ("a b", "c") and ("a", "b c") stay different keys.
  std::string key = std::to_string(issuer.size());
  key += ':';
  key += issuer;
  key += jti;
  std::lock_guard lock(mutex_);
  purge(now);
  if (live_.count(key) != 0) return Outcome::replayed;
  if (live_.size() >= max_entries_) return Outcome::full;
  live_.insert(key);
  by_expiry_.emplace(expires_at, std::move(key));
  return Outcome::fresh;
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

void ReplayCache::purge(std::int64_t now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now) {
    live_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

}  // namespace fhirgw::auth
