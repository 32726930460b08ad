// Rows of the forwarding outbox as the store sees them. The outbox holds references to stored versions
// (type, id, version), not copies of the body: the delivery worker reads the body of that version from
// the history when it sends it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fhirgw::storage {

// One version of one resource to deliver to one peer.
struct OutboxItem {
  std::int64_t seq = 0;  // assigned by the store; the delivery order within a peer
  std::string peer;
  std::string type;
  std::string id;
  std::int64_t version = 0;
  std::int64_t created_ms = 0;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string last_error;
  // Send a DELETE although `version` is not a delete: the resource stopped matching the search route that
  // had sent it to this peer.
  bool send_delete = false;
  // Filled by outbox_ready() with OutboxRead::WithBodies: the version's JSON (empty for a delete) and whether a
  // DELETE is sent (RowsOnly: only send_delete says so).
  bool deleted = false;
  std::string body;
  std::int64_t rid = 0;  // WithBodies: the resource's rid in this store (its delivery AuditEvent's entity key)
};

// What Store::outbox_ready reads: the rows with their versions (to send them), or the rows alone (while the
// peer is down, only their ages matter: max_age_s).
enum class OutboxRead : std::uint8_t { WithBodies, RowsOnly };

struct DeadLetter {
  std::int64_t id = 0;
  std::string peer;
  std::string type;
  std::string resource_id;
  std::int64_t version = 0;
  std::int64_t created_ms = 0;
  int attempts = 0;
  std::int64_t failed_ms = 0;
  std::string last_error;
};

struct OutboxPeerStats {
  std::string peer;
  std::uint64_t pending = 0;   // rows in the outbox
  std::uint64_t retrying = 0;  // of those, rows that failed at least once
  std::uint64_t dead_letters = 0;
  std::int64_t oldest_ms = 0;  // created time of the oldest pending row (0: none)
  std::string last_error;      // of the most recently failed pending row or dead letter
};

}  // namespace fhirgw::storage
