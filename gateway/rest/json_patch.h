// JSON Patch (RFC 6902) with JSON Pointer paths (RFC 6901), applied to a fhir::json tree in place.
// Used by the FHIR `patch` interaction (PATCH with Content-Type application/json-patch+json).
#pragma once

#include <optional>
#include <string>

#include "fhir/json/node.h"

namespace fhirgw::rest {

struct PatchFailure {
  enum class Kind {
    Malformed,    // the patch document itself is wrong (not an array, unknown op, bad pointer): 400
    NotApplicable // a valid patch that does not apply to this resource (missing path, failed test): 422
  };
  Kind kind = Kind::Malformed;
  std::size_t operation = 0;  // index of the offending operation in the patch array
  std::string reason;
};

// Applies every operation of `patch` (a JSON array) to `target`, in order. All or nothing: on failure
// `target` is left unchanged (the operations run on a copy that replaces `target` only on success).
std::optional<PatchFailure> apply_json_patch(fhir::json::Node& target, const fhir::json::Node& patch);

}  // namespace fhirgw::rest
