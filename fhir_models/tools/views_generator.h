// Generates fhir/model/r4_views.h: a read-only view class per complex datatype and per listed resource
// (with a nested class per backbone element), one accessor per element. See fhir/model/view.h.
#pragma once

#include <string>
#include <vector>

#include "fhir/model/metadata.h"

namespace fhir::tools {

// Resources that get typed views. Adding a resource is adding a name here.
inline const std::vector<std::string> kViewResources = {
    // used by the mappings (issue 3)
    "Patient", "Condition", "Observation", "MedicationAdministration", "Procedure", "DiagnosticReport", "Specimen",
    "BodyStructure", "AdverseEvent", "Bundle", "OperationOutcome", "Provenance", "AuditEvent",
    // commonly referenced from them
    "Encounter", "Practitioner", "PractitionerRole", "Organization", "Medication", "MedicationRequest",
    "MedicationStatement", "ServiceRequest", "CarePlan", "Composition", "DocumentReference", "Device", "Location",
    "Consent", "Parameters"};

// Returns the header text, or "" with `error` set (e.g. a name clash).
std::string generate_views_header(const std::vector<const model::TypeDef*>& core_types, const std::string& note,
                                  std::string& error);

}  // namespace fhir::tools
