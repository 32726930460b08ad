// Deterministic identities: resource ids are name-based UUIDs (RFC 4122 version 5, SHA-1) so that sending the
// same record again produces the same resource id (an update, never a duplicate).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace fhir::mappings {

using Uuid = std::array<std::uint8_t, 16>;

Uuid parse_uuid(std::string_view text);  // "6ba7b811-9dad-11d1-80b4-00c04fd430c8"; zero on malformed
std::string format_uuid(const Uuid& u);
// The same 36 characters without an allocation (the mappers keep thousands of resource ids per batch).
using UuidText = std::array<char, 36>;
UuidText uuid_text(const Uuid& u);
inline std::string_view view(const UuidText& t) { return {t.data(), t.size()}; }
Uuid uuid_v5(const Uuid& name_space, std::string_view name);

// The namespace of one gateway installation: uuid_v5(URL namespace, local_base).
Uuid gateway_namespace(std::string_view local_base);

// Resource id of the record (source, type, id); `part` names a derived resource ("stage", "lesion-1").
// Patients are one namespace per hospital: their id is derived from the MRN alone ("patient|<mrn>").
std::string record_resource_id(const Uuid& ns, std::string_view source, std::string_view type, std::string_view id,
                               std::string_view part = {});
std::string patient_resource_id(const Uuid& ns, std::string_view mrn);
// The same ids as UuidText.
UuidText record_resource_uuid(const Uuid& ns, std::string_view source, std::string_view type, std::string_view id,
                              std::string_view part = {});
UuidText patient_resource_uuid(const Uuid& ns, std::string_view mrn);

std::array<std::uint8_t, 20> sha1(std::string_view data);           // SHA extensions when the CPU has them
std::array<std::uint8_t, 20> sha1_portable(std::string_view data);  // plain C++ (the reference in tests)

}  // namespace fhir::mappings
