// Reference rows keyed by the target's rid (schema 10). Provenance.target and AuditEvent.entity name
// the versions a transaction just wrote (an inbound Provenance at a peer: every resource of a forwarded
// Bundle; a delivery AuditEvent at the sender: every resource sent). Stored by the target's id (a random
// UUID for forwarded data), each such row went to a random place of idx_reference_target and dirtied a
// page of its own; stored by the target's rid, which grows with every new resource, they append.
//
// A row of such a parameter whose target is stored when the row is written holds, as target_id,
// target_rid_key(rid of the target); any other row (the target not stored yet, a Patient target, a
// parameter not listed here) holds the target's id as before. A search for one of these parameters
// therefore matches both forms (sqlite_search.cpp). A resource keeps its rid for good (updates and
// deletes keep the `resources` row), so the key stays right. Patient targets stay ids: the patient rows
// (idx_token_patient, `patient=` searches) read them as ids.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fhirgw::storage {

// (resource type, search parameter) whose reference rows are keyed by the target's rid. Observation.specimen
// (schema 12): a lab result names its Specimen, a resource of the same Bundle with a random (UUIDv5) id; a
// row whose target is written later in the same transaction is keyed when the rows are inserted
// (sqlite_store.cpp, resolve_pending_references).
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kTargetRidKeyedParams = {{
    {"Provenance", "target"},
    {"AuditEvent", "entity"},
    {"Observation", "specimen"},
}};

inline bool keyed_by_target_rid(std::string_view type, std::string_view param) {
  for (const auto& [t, p] : kTargetRidKeyedParams) {
    if (t == type && p == param) return true;
  }
  return false;
}

// '~' is not allowed in a FHIR id, and it sorts after every character that is, so the keys of one
// parameter sit after its id rows, in rid order (fixed width hex). A stored id that starts with it
// (a reference that cannot name a resource here) is not kept (sqlite_store.cpp).
inline constexpr char kTargetRidKeyMark = '~';

inline std::string target_rid_key(std::int64_t rid) {
  char text[20];
  std::snprintf(text, sizeof text, "%c%016llx", kTargetRidKeyMark, static_cast<unsigned long long>(rid));
  return text;
}

// The same key in SQL, of the rid expression `rid`.
inline std::string target_rid_key_sql(std::string_view rid) {
  return std::string("'") + kTargetRidKeyMark + "' || printf('%016x', " + std::string(rid) + ")";
}

inline bool is_target_rid_key(std::string_view target_id) {
  return !target_id.empty() && target_id.front() == kTargetRidKeyMark;
}

inline std::optional<std::int64_t> parse_target_rid_key(std::string_view key) {
  if (key.size() != 17 || key.front() != kTargetRidKeyMark) return std::nullopt;
  std::uint64_t rid = 0;
  for (const char c : key.substr(1)) {
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return std::nullopt;
    rid = rid * 16 + static_cast<std::uint64_t>(digit);
  }
  return static_cast<std::int64_t>(rid);
}

}  // namespace fhirgw::storage
