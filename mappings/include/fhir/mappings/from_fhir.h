// FHIR R4 -> internal oncology records. Pure: no I/O, no clock, no logging.
// Accepts a Bundle of any type, a single resource, or NDJSON of resources. Resources this gateway produced
// map back to exactly their records; foreign resources map through the code tables' concept maps, and what
// cannot be represented is reported as a warning naming the resource and the element.
#pragma once

#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/arena.h"
#include "fhir/json/compact.h"
#include "fhir/json/node.h"
#include "fhir/mappings/tables.h"
#include "fhir/validation/outcome.h"

namespace fhir::mappings {

struct FromFhirOptions {
  std::string default_source = "fhir-import";  // `source` for foreign resources without a gateway identifier
};

struct FromFhirResult {
  // The memory of the records (declared first, so it outlives them): keep the result while using the records.
  std::unique_ptr<std::pmr::memory_resource> arena = json::make_arena();
  std::vector<json::Node> records;  // internal records, in input order (allocated in `arena`)
  validation::Outcome outcome;
  std::size_t resources_read = 0;
  std::size_t resources_skipped = 0;
  std::size_t records_written = 0;  // fhir_to_ndjson: the records written (`records` stays empty)
};

FromFhirResult fhir_to_records(std::string_view text, const Tables& tables, const FromFhirOptions& options = {});
// The same without copying `text` when it is one JSON document (it is read where it stands).
FromFhirResult fhir_to_records(const std::string& text, const Tables& tables, const FromFhirOptions& options = {});
// The same records written to `out` as NDJSON (one line each, in input order, as json::write writes them), each as
// soon as it is mapped and then dropped: no tree of all the records, and a large Bundle is read as a stream
// (entry by entry) with the memory of a few entries.
FromFhirResult fhir_to_ndjson(const std::string& text, const Tables& tables, std::string& out,
                              const FromFhirOptions& options = {});
inline FromFhirResult fhir_to_records(const char* text, const Tables& tables, const FromFhirOptions& options = {}) {
  return fhir_to_records(std::string_view(text), tables, options);
}

// Maps the resources of one parsed document (a Bundle or a single resource).
void resources_to_records(const std::vector<const json::CompactNode*>& resources, const Tables& tables,
                          const FromFhirOptions& options, FromFhirResult& result);

}  // namespace fhir::mappings
