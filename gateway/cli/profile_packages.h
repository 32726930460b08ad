// Loads FHIR package folders for `--package DIR`: profiles, code systems and value sets.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "fhir/model/metadata.h"

namespace fhirgw::cli {

// Loads the profiles, code systems and value sets of each folder (or its `package/` subfolder)
// into `registry`. Returns the number of profiles added, or -1 with `error` set (unreadable folder, bad JSON).
long load_profile_packages(std::span<const std::string_view> dirs, fhir::model::Registry& registry, std::string* error);

}  // namespace fhirgw::cli
