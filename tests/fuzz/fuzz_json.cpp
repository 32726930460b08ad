// libFuzzer target for the strict JSON layer alone: parse -> write -> re-parse must give an equal tree,
// and line/column of errors must lie inside the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fhir::json::ParseResult parsed = fhir::json::parse(text);
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
