// Frozen search results for paging searches with _sort (the default order pages by keyset cursors
// instead, see search_handler.cpp): the first page stores the matching ids, and the next/previous
// links name that list (_getpages=Type.ID&_offset=N), so pages stay stable while data changes (new or
// changed resources do not shift later pages). Bounded in entries and age; an expired list answers 410.
#pragma once

#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "search/query_parser.h"
#include "storage/search_query.h"

namespace fhirgw::rest {

struct CachedSearch {
  std::string type;
  std::vector<storage::ResourceRef> matches;
  std::optional<std::size_t> total;  // left out when not known without counting (no _total=accurate)
  search::ParsedSearch parsed;       // includes, elements, summary of the original request
  std::string self_query;            // the original query string, for the first page's self link
  std::string client_id;             // who ran the search: only that client may page through it
};

// One page of a search as rendered: its matches, links and total (if known).
struct PageView {
  std::string type;
  const search::ParsedSearch& parsed;
  std::vector<storage::ResourceRef> matches;
  std::optional<std::size_t> total;
  std::vector<std::pair<std::string, std::string>> links;  // relation, url
  std::vector<std::string> bodies;                         // the matches' bodies when the search returned them
};

class PageCache {
 public:
  PageCache(std::size_t max_entries, std::chrono::seconds ttl) : max_entries_(max_entries), ttl_(ttl) {}

  std::string put(std::shared_ptr<const CachedSearch> search);
  std::shared_ptr<const CachedSearch> get(const std::string& id);

 private:
  struct Slot {
    std::shared_ptr<const CachedSearch> search;
    std::chrono::steady_clock::time_point created;
    std::list<std::string>::iterator order;
  };
  std::size_t max_entries_;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> order_;  // oldest first
};

}  // namespace fhirgw::rest
