#include "storage/row_batch.h"

#include <map>
#include <mutex>
#include <tuple>

#include "storage/sqlite_connection.h"
#include "storage/store.h"

namespace fhirgw::storage {
namespace {

// `insert` VALUES (?, ..), .. for `rows` rows of `columns` values.
std::string build_sql(std::string_view insert, std::size_t columns, std::size_t rows) {
  std::string one = "(?";
  for (std::size_t c = 1; c < columns; ++c) one += ", ?";
  one += ")";
  std::string out(insert);
  out += " VALUES";
  out.reserve(out.size() + rows * (one.size() + 1));
  for (std::size_t r = 0; r < rows; ++r) {
    if (r != 0) out += ',';
    out += one;
  }
  return out;
}

}  // namespace

void RowBatch::wrong_width(std::size_t values) const {
  throw StorageError("row of " + std::to_string(values) + " values for " + std::string(insert_));
}

const std::string& RowBatch::sql(std::size_t rows) {
  std::size_t slot = 0;
  while (kChunks[slot] != rows) ++slot;  // rows is one of kChunks
  if (sql_[slot] != nullptr) return *sql_[slot];
  // A few dozen texts for the process: a map's nodes stay where they are.
  static std::mutex mutex;
  static std::map<std::tuple<std::string, std::size_t, std::size_t>, std::string> texts;
  const std::lock_guard lock(mutex);
  auto [it, added] = texts.try_emplace({std::string(insert_), columns_, rows});
  if (added) it->second = build_sql(insert_, columns_, rows);
  sql_[slot] = &it->second;
  return it->second;
}

void RowBatch::flush(Connection& db) {
  const std::size_t rows = values_.size() / columns_;
  std::size_t done = 0;
  while (done < rows) {
    std::size_t chunk = 1;
    for (const std::size_t c : kChunks) {
      if (c <= rows - done) {
        chunk = c;
        break;
      }
    }
    StatementScope s(db.cached(sql(chunk)));
    const Value* row = values_.data() + done * columns_;
    for (int i = 0; i < static_cast<int>(chunk * columns_); ++i) {
      const Value& v = row[i];
      switch (v.kind) {
        case Value::Kind::Integer: s->bind(i + 1, v.integer); break;
        case Value::Kind::Real: s->bind(i + 1, v.real); break;
        case Value::Kind::Text:  // text_ is not touched until after the step: bound without a copy
          s->bind_ref(i + 1, std::string_view(text_).substr(v.text.offset, v.text.size));
          break;
      }
    }
    s->step();
    done += chunk;
  }
  clear();
}

}  // namespace fhirgw::storage
