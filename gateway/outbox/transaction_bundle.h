// The wire form of a delivery: a transaction Bundle of idempotent entries (PUT Type/id with the stored
// body, DELETE Type/id), so that sending it twice has the effect of sending it once.
#pragma once

#include <string>
#include <vector>

#include "storage/outbox_rows.h"

namespace fhirgw::outbox {

// `items` in delivery order; `identifier`: a urn:uuid naming this Bundle (the peer's Provenance cites it).
std::string transaction_bundle(const std::vector<const storage::OutboxItem*>& items, const std::string& identifier);

// A short reason from a peer's error answer: the first OperationOutcome issue's diagnostics (or the
// status alone), at most 300 characters.
std::string error_reason(int status, const std::string& body);

}  // namespace fhirgw::outbox
