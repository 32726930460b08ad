// Search index rows extracted from one resource version (see search/indexer.h). Plain data shared by
// the indexer and every store implementation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fhirgw::storage {

struct TokenRow {
  std::string param;
  std::string system;  // empty: no system
  std::string code;
  std::string text;  // display / CodeableConcept.text, lower-cased, for :text
};

struct StringRow {
  std::string param;
  std::string normalized;  // lower-case, accents and punctuation kept as is, whitespace collapsed
  std::string exact;
};

// Every date is a closed range in milliseconds: "2020" -> [2020-01-01T00:00:00.000, 2020-12-31T23:59:59.999].
struct DateRow {
  std::string param;
  std::int64_t low_ms = 0;
  std::int64_t high_ms = 0;
};

struct ReferenceRow {
  std::string param;
  std::string target_type;  // empty for absolute URLs not pointing at this server
  std::string target_id;
  std::string url;  // the reference text as written
  // The stored target's rid when the writer knows it (a delivery AuditEvent's entities, read with their
  // outbox rows): a parameter keyed by the target's rid then needs no lookup of it. 0: unknown.
  std::int64_t target_rid = 0;
};

struct QuantityRow {
  std::string param;
  double value = 0;
  std::string system;
  std::string code;  // UCUM code (or unit if no code)
};

struct NumberRow {
  std::string param;
  double value = 0;
};

struct IndexRows {
  std::vector<TokenRow> tokens;
  std::vector<StringRow> strings;
  std::vector<DateRow> dates;
  std::vector<ReferenceRow> references;
  std::vector<QuantityRow> quantities;
  std::vector<NumberRow> numbers;
  // The ids of the Patients the resource belongs to: the targets of its type's `patient` rows
  // (search::ParamCatalog::patient_rows). Every token row is stored once more under each of them
  // (idx_token_patient), so a search by patient and token reads one index range instead of probing
  // each of the patient's resources for the token.
  std::vector<std::string> patients;
};

// The token parameter whose rows are not stored per patient (schema 14): a business identifier names one
// resource, so `patient=X&identifier=Y` is answered from the token index in one lookup (the patient checked
// on that match); its copies were ~22 % of idx_token_patient in the forwarding benchmark and no search read
// them.
inline constexpr std::string_view kTokenParamNotPerPatient = "identifier";
inline bool stored_per_patient(std::string_view token_param) { return token_param != kTokenParamNotPerPatient; }

}  // namespace fhirgw::storage
