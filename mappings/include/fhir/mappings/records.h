// Reading and checking internal records (NDJSON or a JSON array of objects) against the record contract.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/compact.h"
#include "fhir/mappings/tables.h"
#include "fhir/validation/outcome.h"

namespace fhir::mappings {

// One input record with its position. `doc` is empty when the line is not valid JSON.
struct InputRecord {
  std::uint32_t line = 0;                   // 1-based line of the record's first byte in the input
  std::uint32_t index = 0;                  // 0-based position among the records (array index or non-blank line number)
  const json::CompactNode* node = nullptr;  // the record object (inside one of the batch's documents)
  bool rejected = false;
};

class RecordBatch {
 public:
  // Splits NDJSON (one object per line, blank lines ignored) or a JSON array (first non-space byte '[').
  // Syntax errors become error issues with the line number; the records of other lines are kept.
  static RecordBatch read(std::string_view text, validation::Outcome& outcome);

  std::vector<InputRecord>& records() { return records_; }
  const std::vector<InputRecord>& records() const { return records_; }

 private:
  bool read_joined(std::string_view text);
  std::vector<json::CompactDocument> docs_;
  std::vector<InputRecord> records_;
};

// Checks one record against the contract; adds error issues (record rejected) and warnings (unknown local
// codes, unknown fields). Returns true when the record can be mapped.
bool check_record(const json::CompactNode& record, std::uint32_t line, const Tables& tables,
                  validation::Outcome& outcome);

// Issue helpers: every issue about an input record carries the line in its location and diagnostics.
void add_record_issue(validation::Outcome& outcome, validation::Severity severity, std::string_view code,
                      std::uint32_t line, std::string_view field, std::string_view reason);

}  // namespace fhir::mappings
