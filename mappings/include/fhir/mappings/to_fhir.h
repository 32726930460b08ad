// Internal oncology records -> FHIR R4 / mCODE STU4 Bundle. Pure: no I/O, no clock, no logging.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/mappings/records.h"
#include "fhir/mappings/tables.h"
#include "fhir/validation/outcome.h"

namespace fhir::mappings {

enum class BundleType { Transaction, Batch, Collection };

struct ToFhirOptions {
  BundleType bundle_type = BundleType::Transaction;
  bool all_or_nothing = false;  // any rejected record -> no bundle
};

// The record one Bundle entry was mapped from.
struct EntryOrigin {
  std::string record;      // SOURCE/TYPE/ID of the record
  std::uint32_t line = 0;  // 1-based line of the record's first byte in the input (the version mapped)
};

struct ToFhirResult {
  ToFhirResult() = default;
  // The bundle is built with `alloc`; a pmr tree assigned across memory resources would be deep-copied.
  explicit ToFhirResult(const json::Node::allocator_type& alloc) : bundle(alloc) {}

  json::Node bundle;            // Bundle resource (object); null when nothing may be sent
  validation::Outcome outcome;  // per-line errors (rejections) and warnings
  std::size_t records_read = 0;
  std::size_t records_rejected = 0;
  std::size_t records_mapped = 0;
  std::size_t resources = 0;
  std::vector<EntryOrigin> entries;  // one per Bundle entry, in Bundle order (empty when nothing may be sent)
  bool has_rejections() const { return records_rejected > 0; }
};

// Parses `text` (NDJSON or JSON array of records), checks every record and maps the good ones. The Bundle is
// built as a tree (`bundle`), parsed from the text records_to_fhir_json writes.
ToFhirResult records_to_fhir(std::string_view text, const Tables& tables, const ToFhirOptions& options = {},
                             const json::Node::allocator_type& alloc = {});

// The same, writing the Bundle as compact JSON text straight to `out` (appended; `out` is left unchanged when
// nothing may be sent); `bundle` stays null. The fast path (no tree): the CLI and the benchmark use it.
ToFhirResult records_to_fhir_json(std::string_view text, const Tables& tables, const ToFhirOptions& options,
                                  std::string& out);

// Maps already checked records (all must have passed check_record), appending the Bundle's JSON text to `out`.
// Returns the number of resources (entries). `entry_records` (optional) gets, per entry, the index in
// `records` of the record it was mapped from.
std::size_t map_records(const std::vector<const json::CompactNode*>& records, const Tables& tables,
                        const ToFhirOptions& options, validation::Outcome& outcome, std::string& out,
                        std::vector<std::size_t>* entry_records = nullptr);

const char* bundle_type_code(BundleType t);

// Every resource type a mapped Bundle can hold an entry of (Medication is only ever contained). The
// gateway's access filter asks a client of /internal/records for scopes on exactly these types;
// tests/mappings/resource_types_test.cpp checks the list against what the mapping writes.
inline constexpr std::array<std::string_view, 9> kMappedResourceTypes = {
    "Patient",   "Condition",        "Observation", "MedicationAdministration", "Specimen", "BodyStructure",
    "Procedure", "DiagnosticReport", "AdverseEvent"};

}  // namespace fhir::mappings
