// Rows of one table that a write transaction inserts together: one multi-row INSERT (`VALUES (..), (..)`)
// per up to kMaxRows rows instead of one statement per row. A statement's per-execution cost (start,
// opening the table's and its indexes' cursors, reset) is then paid once per chunk, and the cursors stay
// where the previous row went. The index rows of a 100-resource transaction Bundle are ~500 rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace fhirgw::storage {

class Connection;

class RowBatch {
 public:
  using Value = std::variant<std::int64_t, double, std::string>;

  // `insert`: the statement up to its VALUES, e.g. "INSERT OR IGNORE INTO idx_token"; `columns`: values per row.
  RowBatch(std::string_view insert, std::size_t columns) : insert_(insert), columns_(columns) {}

  // One row: exactly `columns` values, kept until flush() (the caller's rows may be gone by then).
  // Each value is constructed in place: a string is copied once, or moved.
  template <class... V>
  void add(V&&... row) {
    if (sizeof...(V) != columns_) wrong_width(sizeof...(V));
    (values_.emplace_back(std::forward<V>(row)), ...);
  }
  bool empty() const { return values_.empty(); }
  // Inserts every pending row with `db` and empties the batch. Throws StorageError.
  void flush(Connection& db);
  void clear() { values_.clear(); }

 private:
  // Chunk sizes: few distinct statements per table (cached by the connection), few statements per flush.
  static constexpr std::size_t kChunks[] = {64, 16, 4, 1};

  // The statement for `rows` rows (one of kChunks), built once per batch: the text is the key of the
  // connection's statement cache.
  const std::string& sql(std::size_t rows);
  [[noreturn]] void wrong_width(std::size_t values) const;

  std::string_view insert_;  // a literal
  std::size_t columns_;
  std::vector<Value> values_;            // row after row
  std::string sql_[std::size(kChunks)];  // sql(kChunks[i]), empty until first used
};

}  // namespace fhirgw::storage
