// Schema versions of the SQLite store. PRAGMA user_version holds the applied version; each start-up
// applies the missing steps in one transaction each. Never edit a released step: append a new one.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fhirgw::storage {

class Connection;

inline constexpr int kSchemaVersion = 6;

// Brings the database to kSchemaVersion. Throws StorageError if the file is newer than this binary.
// `shared_params`: (type, parameter) pairs whose index rows are no longer written because other
// parameters' rows hold the same (search::ParamCatalog::shared_params); step 5 -> 6 deletes them.
void migrate(Connection& db, const std::vector<std::pair<std::string, std::string>>& shared_params = {});

}  // namespace fhirgw::storage
