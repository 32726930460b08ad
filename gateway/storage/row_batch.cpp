#include "storage/row_batch.h"

#include "storage/sqlite_connection.h"
#include "storage/store.h"

namespace fhirgw::storage {

void RowBatch::wrong_width(std::size_t values) const {
  throw StorageError("row of " + std::to_string(values) + " values for " + std::string(insert_));
}

const std::string& RowBatch::sql(std::size_t rows) {
  std::size_t slot = 0;
  while (kChunks[slot] != rows) ++slot;  // rows is one of kChunks
  std::string& out = sql_[slot];
  if (!out.empty()) return out;
  std::string one = "(?";
  for (std::size_t c = 1; c < columns_; ++c) one += ", ?";
  one += ")";
  out = std::string(insert_) + " VALUES" + one;
  for (std::size_t r = 1; r < rows; ++r) out += "," + one;
  return out;
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
      // The values stay in values_ until after the step: bound without a copy.
      std::visit(
          [&](const auto& v) {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
              s->bind_ref(i + 1, v);
            } else {
              s->bind(i + 1, v);
            }
          },
          row[i]);
    }
    s->step();
    done += chunk;
  }
  values_.clear();
}

}  // namespace fhirgw::storage
