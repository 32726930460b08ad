// JSON Patch (RFC 6902) with JSON Pointer paths (RFC 6901), applied to a fhir::json tree in place.
// Used by the FHIR `patch` interaction (PATCH with Content-Type application/json-patch+json).
#pragma once

#include <optional>
#include <string>

#include "fhir/json/node.h"
#include "rest/patch_support.h"

namespace fhirgw::rest {

// Applies every operation of `patch` (a JSON array) to `target`, in order. All or nothing: on failure
// `target` is left unchanged (the operations run on a copy that replaces `target` only on success).
std::optional<PatchFailure> apply_json_patch(fhir::json::Node& target, const fhir::json::Node& patch);

}  // namespace fhirgw::rest
