#include "auth/token_cache.h"

namespace fhirgw::auth {

std::optional<AccessTokenClaims> VerifiedTokenCache::find(std::string_view token, std::int64_t now,
                                                          std::int64_t clock_skew) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires_at + clock_skew <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void VerifiedTokenCache::insert(std::string_view token, const AccessTokenClaims& claims, std::int64_t now,
                                std::int64_t clock_skew) {
  if (max_entries_ == 0) return;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) {
    std::erase_if(entries_, [&](const auto& e) { return e.second.expires_at + clock_skew <= now; });
    // Still full of live tokens: forget one; it is only re-verified on its next use.
    if (entries_.size() >= max_entries_) entries_.erase(entries_.begin());
  }
  entries_.insert_or_assign(std::string(token), claims);
}

std::size_t VerifiedTokenCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace fhirgw::auth
