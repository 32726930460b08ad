// The SQLite side of the forwarding outbox (tables `outbox` and `dead_letters`, schema step 2).
// SqliteStore's outbox methods are defined in sqlite_outbox.cpp; this header has the one piece the
// write transaction (sqlite_store.cpp) calls.
#pragma once

#include "storage/outbox_rows.h"

namespace fhirgw::storage {

class Connection;

// INSERT of one outbox row on the transaction's connection.
void insert_outbox_row(Connection& db, const OutboxItem& item);

}  // namespace fhirgw::storage
