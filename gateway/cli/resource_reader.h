// Reads FHIR JSON inputs for the CLI: a whole .json document, or NDJSON streamed line by line with a
// bounded buffer, so files of any size run in constant memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace fhirgw::cli {

enum class InputFormat {
  Auto,    // by extension (.ndjson/.jsonl = NDJSON, .json = document); otherwise sniff the first line
  Json,    // one JSON document (resource or Bundle)
  Ndjson,  // one resource per line, blank lines ignored
};

struct ReadLimits {
  std::size_t max_line_bytes = std::size_t{16} << 20;       // one NDJSON line
  std::size_t max_document_bytes = std::size_t{512} << 20;  // one whole .json document
};

// One resource's text, or the reason it could not be read (too long).
struct Record {
  std::string_view text;   // empty if `error` is set
  std::uint64_t line = 1;  // 1-based line in the input where the record starts
  bool ndjson = false;     // the record is one line of an NDJSON stream
  std::string error;       // non-empty: the record was skipped, e.g. "line 7 is longer than 16777216 bytes"
};

// Calls `on_record` for each record in `path` ("-" = stdin). Returns false (and sets `io_error`) if the
// input cannot be opened or read; records seen before the failure have been delivered.
bool read_records(std::string_view path, InputFormat format, const ReadLimits& limits,
                  const std::function<void(const Record&)>& on_record, std::string* io_error);

// Display name of an input ("-" -> "<stdin>").
std::string display_name(std::string_view path);

}  // namespace fhirgw::cli
