#include "rest/page_cache.h"

#include "rest/resource_body.h"

namespace fhirgw::rest {

std::string PageCache::put(std::shared_ptr<const CachedSearch> search) {
  // The id starts with the search's type: the access filter asks for that type's search scope before the
  // page is looked up (a forged prefix names no page: the whole id is the key).
  std::string id = search->type + "." + new_id();
  std::lock_guard lock(mutex_);
  while (slots_.size() >= max_entries_ && !order_.empty()) {
    slots_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(id);
  slots_.emplace(id, Slot{std::move(search), std::chrono::steady_clock::now(), std::prev(order_.end())});
  return id;
}

std::shared_ptr<const CachedSearch> PageCache::get(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(id);
  if (it == slots_.end()) return nullptr;
  if (std::chrono::steady_clock::now() - it->second.created > ttl_) {
    order_.erase(it->second.order);
    slots_.erase(it);
    return nullptr;
  }
  return it->second.search;
}

}  // namespace fhirgw::rest
