// Compiles a SearchQuery into SQLite SQL over the index tables and runs it.
#pragma once

#include <cstdint>

#include "storage/search_query.h"

namespace fhirgw::storage {

class Connection;

// `now_ms` anchors the `ap` (approximately) prefix for dates.
SearchResult run_search(Connection& db, const SearchQuery& query, std::int64_t now_ms);

}  // namespace fhirgw::storage
