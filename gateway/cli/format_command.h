// `fhirgw format [--pretty] PATH...`: parse and write back as canonical FHIR JSON.
#pragma once

#include "cli/command.h"

namespace fhirgw::cli {

int run_format(Args args);

}  // namespace fhirgw::cli
