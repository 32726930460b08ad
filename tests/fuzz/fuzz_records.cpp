// libFuzzer target for the internal oncology records (NDJSON or a JSON array): records -> FHIR Bundle ->
// canonical JSON -> re-parse -> back to internal records. Checks: no crash, no sanitizer report, and
// whatever Bundle the mapping produces is JSON that parses again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fhir/json/parser.h"
#include "fhir/mappings/from_fhir.h"
#include "fhir/mappings/tables.h"
#include "fhir/mappings/to_fhir.h"
#include "fhir/model/canonical_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& tables = fhir::mappings::Tables::builtin();
  const fhir::mappings::ToFhirResult mapped = fhir::mappings::records_to_fhir(text, tables);
  (void)mapped.outcome.to_operation_outcome();
  if (!mapped.bundle.is_object()) return 0;

  const std::string bundle = fhir::model::to_canonical_json(mapped.bundle);
  if (!fhir::json::parse(bundle)) {
    std::fprintf(stderr, "fuzz_records: mapped Bundle is not valid JSON:\n%s\n", bundle.c_str());
    std::abort();
  }
  const fhir::mappings::FromFhirResult back = fhir::mappings::fhir_to_records(bundle, tables);
  (void)back.outcome.to_operation_outcome();
  return 0;
}
