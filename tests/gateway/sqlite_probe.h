// Reads one value from a store's SQLite file on a connection of its own (read-only), for tests that check
// what a schema step or a write left in the tables.
#pragma once

#include <cstdint>
#include <string>

#include "storage/sqlite_connection.h"

namespace fhirgw::storage {

// The first column of the first row of `sql` as an integer; -1 when there is no row.
inline std::int64_t probe_int(const std::string& path, const std::string& sql) {
  Connection db(path, true);
  StatementScope s(db.cached(sql));
  return s->step() ? s->column_int(0) : -1;
}

// The same as text; "" when there is no row.
inline std::string probe_text(const std::string& path, const std::string& sql) {
  Connection db(path, true);
  StatementScope s(db.cached(sql));
  return s->step() ? s->column_text(0) : "";
}

}  // namespace fhirgw::storage
