// Schema versions of the SQLite store. PRAGMA user_version holds the applied version; each start-up
// applies the missing steps in one transaction each. Never edit a released step: append a new one.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "storage/search_query.h"

namespace fhirgw::storage {

class Connection;

inline constexpr int kSchemaVersion = 14;

// Schema 7 on, a resource's current body is stored once, in `resources`: its history row has none until a
// later version (or a delete) replaces it and moves the body there. A history row's body, over
// `resource_history h`: kHistoryBody, with kHistoryBodyJoin after the FROM (a no-op for older rows,
// which kept the body in both tables). Schema 11 on, history rows are keyed by their resource's rid
// (`UNIQUE(rid, version)`): a version is found through `resources(type, id)` (kHistoryRid).
inline constexpr const char* kHistoryBody = "COALESCE(h.body, r.body)";
inline constexpr const char* kHistoryBodyJoin =
    " LEFT JOIN resources r ON h.body IS NULL AND r.rid = h.rid AND r.version = h.version";
// The rid of the resource (type ?1, id ?2) whose history rows to read.
inline constexpr const char* kHistoryRid = "(SELECT rid FROM resources WHERE type = ?1 AND id = ?2)";

// Brings the database to kSchemaVersion. Throws StorageError if the file is newer than this binary.
// `shared_params`: (type, parameter) pairs whose index rows are no longer written because other
// parameters' rows hold the same (search::ParamCatalog::shared_params); step 5 -> 6 deletes them.
// `patient_rows`: (type, rows of its `patient` parameter) (search::ParamCatalog::patient_rows); step
// 7 -> 8 fills idx_token_patient from them, and every call brings that table to them (types that were
// not in the list of an earlier start are filled, types no longer in it dropped).
// `up_to`: stop at that version (tests make a database as an older fhirgw wrote it).
void migrate(Connection& db, const std::vector<std::pair<std::string, std::string>>& shared_params = {},
             const std::vector<std::pair<std::string, IndexSource>>& patient_rows = {}, int up_to = kSchemaVersion);

}  // namespace fhirgw::storage
