// Schema versions of the SQLite store. PRAGMA user_version holds the applied version; each start-up
// applies the missing steps in one transaction each. Never edit a released step: append a new one.
#pragma once

namespace fhirgw::storage {

class Connection;

inline constexpr int kSchemaVersion = 5;

// Brings the database to kSchemaVersion. Throws StorageError if the file is newer than this binary.
void migrate(Connection& db);

}  // namespace fhirgw::storage
