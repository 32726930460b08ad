// libFuzzer target for the strict JSON layer alone: parse -> write -> re-parse must give an equal tree,
// and line/column of errors must lie inside the input. The compact read-only parser (json::parse_compact, both
// overloads) must accept and refuse exactly what json::parse does, with the same error, and build the same tree.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fhir/json/compact.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "fuzz_json: %s on input of %zu bytes\n", what, text.size());
  std::abort();
}

// parse_compact (copying and moving overloads) against json::parse on the same text.
void check_compact_agrees(std::string_view text, const fhir::json::ParseResult& parsed) {
  const fhir::json::CompactParseResult copied = fhir::json::parse_compact(text);
  const fhir::json::CompactParseResult moved = fhir::json::parse_compact(std::string(text));
  for (const fhir::json::CompactParseResult* compact : {&copied, &moved}) {
    if (static_cast<bool>(*compact) != static_cast<bool>(parsed)) fail("parse_compact and parse disagree", text);
    if (!parsed) {
      const fhir::json::ParseError& a = *compact->error;
      const fhir::json::ParseError& b = *parsed.error;
      if (a.message != b.message || a.offset != b.offset || a.location.line != b.location.line ||
          a.location.column != b.location.column) {
        fail("parse_compact reports another error than parse", text);
      }
      continue;
    }
    if (!(compact->document->root().to_node() == parsed.document->root())) {
      fail("parse_compact built another tree than parse", text);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fhir::json::ParseResult parsed = fhir::json::parse(text);
  check_compact_agrees(text, parsed);
  if (!parsed) {
    if (!parsed.error || parsed.error->offset > size) {
      std::fprintf(stderr, "fuzz_json: error offset %zu outside input of %zu bytes\n",
                   parsed.error ? parsed.error->offset : 0, size);
      std::abort();
    }
    return 0;
  }
  for (const bool pretty : {false, true}) {
    const std::string written = fhir::json::to_string(parsed.document->root(), {.pretty = pretty});
    const fhir::json::ParseResult reparsed = fhir::json::parse(written);
    if (!reparsed || !(reparsed.document->root() == parsed.document->root())) {
      std::fprintf(stderr, "fuzz_json: round trip failed (pretty=%d):\n%s\n", pretty, written.c_str());
      std::abort();
    }
  }
  return 0;
}
