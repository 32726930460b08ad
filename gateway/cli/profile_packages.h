// Loads profiles (StructureDefinitions with a snapshot) from FHIR package folders for `--package DIR`.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "fhir/model/metadata.h"

namespace fhirgw::cli {

// Compiles every StructureDefinition with a snapshot found in each folder (or its `package/` subfolder)
// and adds it to `registry`. Returns the number added, or -1 with `error` set (unreadable folder, bad JSON).
long load_profile_packages(std::span<const std::string_view> dirs, fhir::model::Registry& registry,
                           std::string* error);

}  // namespace fhirgw::cli
