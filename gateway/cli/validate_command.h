// `fhirgw validate [--profile URL]... [--package DIR]... [--format text|json] PATH...`
#pragma once

#include "cli/command.h"

namespace fhirgw::cli {

int run_validate(Args args);

}  // namespace fhirgw::cli
