// Loads the conformance resources of an unpacked FHIR package folder into a (mutable) Registry, so the
// validator can check instances against its profiles: StructureDefinitions with a snapshot (profiles and
// extensions), CodeSystems, and ValueSets expanded as far as the package and the registry allow (explicit
// concepts, whole known code systems, included value sets; filters make an expansion incomplete).
#pragma once

#include <string>
#include <vector>

#include "fhir/model/metadata.h"

namespace fhir::validation {

struct PackageLoadResult {
  std::size_t profiles = 0;
  std::size_t code_systems = 0;
  std::size_t value_sets = 0;           // all added value sets
  std::size_t complete_value_sets = 0;  // of which fully expanded
  std::vector<std::string> errors;      // "file: reason" for files that could not be used
};

// Reads every *.json file of `folder` (not recursive). Definitions whose URL the registry already has
// are skipped.
PackageLoadResult load_package(model::Registry& registry, const std::string& folder);

}  // namespace fhir::validation
