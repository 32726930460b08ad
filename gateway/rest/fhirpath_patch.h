// FHIRPath Patch (FHIR R4 fhirpatch.html): a Parameters resource whose `operation` parameters add, insert,
// delete, replace or move elements located by FHIRPath expressions. Applied to a fhir::json tree in place,
// all operations or none. Used by PATCH with Content-Type application/fhir+json.
#pragma once

#include <optional>

#include "fhir/json/node.h"
#include "fhir/model/metadata.h"
#include "rest/patch_support.h"

namespace fhirgw::rest {

// `parameters` is the Parameters resource. The registry types the FHIRPath navigation and tells whether an
// added element repeats (array) or not.
std::optional<PatchFailure> apply_fhirpath_patch(fhir::json::Node& resource, const fhir::json::Node& parameters,
                                                 const fhir::model::Registry& registry);

}  // namespace fhirgw::rest
