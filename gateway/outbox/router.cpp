#include "outbox/router.h"

#include <algorithm>
#include <stdexcept>

#include "search/query_parser.h"

namespace fhirgw::outbox {

Router::Router(const ForwardingConfig& config, const search::ParamCatalog& catalog) : catalog_(catalog) {
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const RouteConfig& rc = config.routes[i];
    const std::string at = "forwarding.routes[" + std::to_string(i) + "]";
    CompiledRoute r;
    r.peer = rc.peer;
    r.types = rc.types;
    if (!rc.search.empty()) {
      const auto q = rc.search.find('?');
      r.search_type = rc.search.substr(0, q);
      std::string path;
      if (!http::parse_target("/" + rc.search, path, r.criteria) || r.criteria.empty()) {
        throw std::invalid_argument(at + ".search '" + rc.search + "' is not Type?name=value");
      }
      const auto parsed = search::parse_search(catalog_, r.search_type, r.criteria);
      if (parsed.error) throw std::invalid_argument(at + ".search: " + *parsed.error);
      if (!parsed.unknown.empty()) {
        throw std::invalid_argument(at + ".search: unknown search parameter '" + parsed.unknown.front() + "' for " +
                                    r.search_type);
      }
      if (r.types.empty()) r.types.push_back(r.search_type);
      if (r.types.size() != 1 || r.types.front() != r.search_type) {
        throw std::invalid_argument(at + ": a route with a search applies to the search's type only");
      }
    }
    routes_.push_back(std::move(r));
  }
}

bool Router::typed(const CompiledRoute& r, const storage::StoredVersion& v) {
  return std::any_of(r.types.begin(), r.types.end(), [&](const std::string& t) { return t == "*" || t == v.type; });
}

bool Router::search_matches(storage::WriteTransaction& txn, const CompiledRoute& r,
                            const storage::StoredVersion& v) const {
  http::QueryParams params = r.criteria;
  params.emplace_back("_id", v.id);
  const auto parsed = search::parse_search(catalog_, v.type, params);
  storage::SearchQuery q = parsed.query;
  q.limit = 1;
  q.count_total = false;
  return !txn.search(q).matches.empty();
}

// What a route sends for this version: nothing, the version (PUT, or DELETE for a delete), or a DELETE
// because the resource no longer matches the search that had sent it to the peer.
Router::Action Router::action(storage::WriteTransaction& txn, const CompiledRoute& r,
                              const storage::StoredVersion& v) const {
  if (!typed(r, v)) return Action::none;
  if (r.criteria.empty()) return Action::send;
  if (v.deleted) {
    // Only a peer this search route sent the resource to hears of its delete: another would learn the id of
    // a resource it was never given.
    return txn.set_routed(r.peer, v.type, v.id, false) ? Action::send : Action::none;
  }
  if (search_matches(txn, r, v)) {
    txn.set_routed(r.peer, v.type, v.id, true);
    return Action::send;
  }
  return txn.set_routed(r.peer, v.type, v.id, false) ? Action::send_delete : Action::none;
}

bool Router::changed(storage::WriteTransaction& txn, const storage::StoredVersion& v, std::string_view origin) {
  std::vector<const std::string*> sent_to;
  for (const CompiledRoute& r : routes_) {
    if (r.peer == origin) continue;  // no loops: never back to the sender
    if (std::any_of(sent_to.begin(), sent_to.end(), [&](const std::string* p) { return *p == r.peer; })) continue;
    const Action a = action(txn, r, v);
    if (a == Action::none) continue;
    storage::OutboxItem item;
    item.peer = r.peer;
    item.type = v.type;
    item.id = v.id;
    item.version = v.version;
    item.created_ms = v.last_updated_ms;
    item.send_delete = a == Action::send_delete;
    txn.enqueue_outbox(item);
    sent_to.push_back(&r.peer);
  }
  return !sent_to.empty();
}

void Router::committed() {
  if (on_committed) on_committed();
}

}  // namespace fhirgw::outbox
