// A mutable registry holding the R4 core metadata, for adding profiles from `--package` folders.
#pragma once

#include <memory>
#include <string>

#include "fhir/model/metadata.h"

namespace fhirgw::cli {

// nullptr with `error` set if the core metadata cannot be loaded.
std::unique_ptr<fhir::model::Registry> make_core_registry(std::string* error);

}  // namespace fhirgw::cli
