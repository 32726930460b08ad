// `fhirgw map to-fhir|from-fhir ...`: internal oncology records <-> FHIR R4 (see mappings/README.md).
#pragma once

#include "cli/command.h"

namespace fhirgw::cli {

int run_map(Args args);

}  // namespace fhirgw::cli
