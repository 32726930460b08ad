// SQL functions the gateway's queries call, registered on every connection it opens.
#pragma once

struct sqlite3;

namespace fhirgw::storage {

// fhirgw_rid_of_key(text): the rid a target rid key names (storage/target_rid_keys.h), NULL for any other
// text. Lets a query turn such a key back into the target's row, e.g. to sort by the target's id.
void register_sql_functions(sqlite3* db);

}  // namespace fhirgw::storage
