// Names shared by both mapping directions: profiles, gateway extensions, identifier systems.
#pragma once

#include <string>
#include <string_view>

#include "fhir/mappings/tables.h"

namespace fhir::mappings {

inline constexpr std::string_view kMcode = "http://hl7.org/fhir/us/mcode/StructureDefinition/";

// Gateway extensions (last resort for contract fields without a FHIR element), under <local-base>/StructureDefinition/.
namespace ext {
inline constexpr std::string_view kUpdatedAt = "record-updated-at";     // valueDateTime, every resource
inline constexpr std::string_view kRecordStatus = "record-status";      // valueCode, Patient/AdverseEvent retraction
inline constexpr std::string_view kHbvCarrier = "patient-hbv-carrier";  // valueBoolean
inline constexpr std::string_view kPrimary = "diagnosis-primary";       // valueBoolean
inline constexpr std::string_view kClinicalStatus =
    "diagnosis-clinical-status";                                            // valueCode (retracted Condition, con-5)
inline constexpr std::string_view kFrequency = "administration-frequency";  // valueCodeableConcept
inline constexpr std::string_view kRoute = "administration-route";          // valueCodeableConcept (no dose, mad-1)
inline constexpr std::string_view kCycle = "treatment-cycle";               // valueInteger
inline constexpr std::string_view kRegimen = "treatment-regimen";           // valueString
inline constexpr std::string_view kResultUnit = "result-unit";              // valueString (lab result without value)
inline constexpr std::string_view kReportedAt = "result-reported-at";       // valueDateTime (not an instant)
inline constexpr std::string_view kCriteria = "response-criteria";          // valueCodeableConcept
inline constexpr std::string_view kLesionTarget = "lesion-target";          // valueBoolean
inline constexpr std::string_view kCtcaeGrade = "ctcae-grade";              // valueInteger
inline constexpr std::string_view kResolved = "adverse-event-resolved";     // valueDate
inline constexpr std::string_view kSuspectDrug = "suspect-drug";            // valueCodeableConcept
}  // namespace ext

// Standard extension URLs.
inline constexpr std::string_view kAssertedDate = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate";
inline constexpr std::string_view kConditionRelated = "http://hl7.org/fhir/StructureDefinition/condition-related";
inline constexpr std::string_view kEventPartOf = "http://hl7.org/fhir/StructureDefinition/event-partOf";
inline constexpr std::string_view kDataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

// Identifier system of the records of one (source, record type): <local-base>/record/<source>/<type>.
inline void append_record_system(std::string& out, const Tables& t, std::string_view source, std::string_view type) {
  out.append(t.local_base()).append("/record/").append(source).append("/").append(type);
}
inline std::string mrn_system(const Tables& t) { return t.local_base() + "/mrn"; }

}  // namespace fhir::mappings
