// Decides, inside the write transaction, which peers a stored version goes to (forwarding.routes) and
// writes one outbox row per peer in that same transaction. A route with a search expression is evaluated
// with the store's search against the new version (its index rows are already written in the
// transaction); the store remembers which resources a search route sent to which peer
// (WriteTransaction::set_routed), so a version that no longer matches sends that peer a DELETE (and a
// resource the peer never had sends nothing). A delete goes to every peer of a type route, and to a search
// route's peer only if that route had sent it the resource. A change never goes back to the peer it came from.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "http/message.h"
#include "outbox/forwarding_config.h"
#include "rest/change_sink.h"
#include "search/param_catalog.h"

namespace fhirgw::outbox {

class Router final : public rest::ChangeSink {
 public:
  // Throws std::invalid_argument (naming the route) for a search expression the catalog cannot parse.
  Router(const ForwardingConfig& config, const search::ParamCatalog& catalog);

  bool changed(storage::WriteTransaction& txn, const storage::StoredVersion& v, std::string_view origin) override;
  void committed() override;

  // Called once per committed transaction that added rows (wakes the delivery workers). Not before the
  // commit: a worker woken then would find the rows invisible and wait its idle poll.
  std::function<void()> on_committed;

 private:
  struct CompiledRoute {
    std::string peer;
    std::vector<std::string> types;
    std::string search_type;
    http::QueryParams criteria;  // empty: by type only
  };
  enum class Action { none, send, send_delete };
  static bool typed(const CompiledRoute& r, const storage::StoredVersion& v);
  bool search_matches(storage::WriteTransaction& txn, const CompiledRoute& r, const storage::StoredVersion& v) const;
  Action action(storage::WriteTransaction& txn, const CompiledRoute& r, const storage::StoredVersion& v) const;

  const search::ParamCatalog& catalog_;
  std::vector<CompiledRoute> routes_;
};

}  // namespace fhirgw::outbox
