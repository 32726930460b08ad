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
#include <type_traits>
#include <vector>

namespace fhirgw::storage {

class Connection;

class RowBatch {
 public:
  // `insert`: the statement up to its VALUES, e.g. "INSERT OR IGNORE INTO idx_token"; `columns`: values per row.
  RowBatch(std::string_view insert, std::size_t columns) : insert_(insert), columns_(columns) {}

  // One row: exactly `columns` values (integers, doubles or text), kept until flush() (the caller's rows
  // may be gone by then). Text is copied into one buffer of the batch: no allocation per value.
  template <class... V>
  void add(const V&... row) {
    if (sizeof...(V) != columns_) wrong_width(sizeof...(V));
    (push(row), ...);
  }
  bool empty() const { return values_.empty(); }
  // Inserts every pending row with `db` and empties the batch. Throws StorageError.
  void flush(Connection& db);
  void clear() {
    values_.clear();
    text_.clear();
  }

 private:
  // Chunk sizes: few distinct statements per table (cached by the connection), few statements per flush.
  static constexpr std::size_t kChunks[] = {64, 16, 4, 1};

  // A value: a number, or the bytes [offset, offset + size) of text_ (an offset, not a pointer: text_ grows).
  struct TextSpan {
    std::size_t offset;
    std::size_t size;
  };
  struct Value {
    enum class Kind : std::uint8_t { Integer, Real, Text } kind;
    union {
      std::int64_t integer;
      double real;
      TextSpan text;
    };
  };

  template <class T>
  void push(const T& v) {
    Value& out = values_.emplace_back();
    if constexpr (std::is_integral_v<T>) {
      out.kind = Value::Kind::Integer;
      out.integer = static_cast<std::int64_t>(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      out.kind = Value::Kind::Real;
      out.real = static_cast<double>(v);
    } else {
      const std::string_view s(v);
      out.kind = Value::Kind::Text;
      out.text = {text_.size(), s.size()};
      text_.append(s);
    }
  }

  // The statement for `rows` rows (one of kChunks): the text is the key of the connection's statement
  // cache, built once per process for each (insert, columns, rows) (a transaction's batches are its own).
  const std::string& sql(std::size_t rows);
  [[noreturn]] void wrong_width(std::size_t values) const;

  std::string_view insert_;  // a literal
  std::size_t columns_;
  std::vector<Value> values_;                     // row after row
  std::string text_;                              // the text values, back to back
  const std::string* sql_[std::size(kChunks)]{};  // sql(kChunks[i]), null until first used
};

}  // namespace fhirgw::storage
