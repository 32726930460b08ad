#include "storage/sql_functions.h"

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "storage/store.h"
#include "storage/target_rid_keys.h"

namespace fhirgw::storage {
namespace {

void rid_of_key(sqlite3_context* context, int, sqlite3_value** args) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
  const int size = sqlite3_value_bytes(args[0]);
  const auto rid = text ? parse_target_rid_key(std::string_view(text, static_cast<std::size_t>(size))) : std::nullopt;
  if (rid) {
    sqlite3_result_int64(context, *rid);
  } else {
    sqlite3_result_null(context);
  }
}

}  // namespace

void register_sql_functions(sqlite3* db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  if (sqlite3_create_function_v2(db, "fhirgw_rid_of_key", 1, flags, nullptr, rid_of_key, nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    throw StorageError(std::string("cannot register SQL functions: ") + sqlite3_errmsg(db));
  }
}

}  // namespace fhirgw::storage
