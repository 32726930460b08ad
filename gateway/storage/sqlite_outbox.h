// The SQLite side of the forwarding outbox (tables `outbox`, `dead_letters` and `outbox_routed`).
// SqliteStore's outbox methods are defined in sqlite_outbox.cpp; this header has the pieces the write
// transaction (sqlite_store.cpp) calls.
#pragma once

#include <string>

#include "storage/outbox_rows.h"

namespace fhirgw::storage {

class Connection;

// WriteTransaction::set_routed on `db` (inside its open transaction).
bool set_outbox_routed(Connection& db, const std::string& peer, const std::string& type, const std::string& id,
                       bool routed);

}  // namespace fhirgw::storage
