// Inbound exchange traffic: writes made by a peer gateway (a caller that forwarding.inbound names) are
// stored with one Provenance per request, in the same transaction: target = the versions the request
// actually wrote (a re-sent, unchanged resource writes none, so a retried delivery adds no second
// Provenance), recorded = now, agent.who = the peer's client id, entity[source] = the sender's source
// system (X-Source-System header) and the transaction (the Bundle's identifier, else the request id).
#pragma once

#include <string>
#include <vector>

#include "rest/resource_ops.h"
#include "storage/store.h"

namespace fhirgw::rest {

struct InboundPeer {
  std::string name;       // the peer's name (forwarding.peers[].name): changes are not sent back there
  std::string client_id;  // who: the authenticated client id (the claimed name while auth is off)
};

struct InboundContext {
  InboundPeer peer;
  std::string source_system;  // "" when the sender gave none
  std::string transaction;    // identifier of the Bundle or request
};

// The versions a request wrote (pointers: their bodies are not copied, only type, id and version are read).
using WrittenVersions = std::vector<const storage::StoredVersion*>;

// The Provenance JSON for `written` (empty: none is needed, returns "").
std::string inbound_provenance_json(const InboundContext& in, const WrittenVersions& written, std::int64_t now_ms);

// Writes that Provenance in w.txn (nothing when `written` is empty).
void record_inbound(WriteContext& w, const InboundContext& in, const WrittenVersions& written);

}  // namespace fhirgw::rest
