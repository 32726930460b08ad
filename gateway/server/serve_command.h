// `fhirgw serve [--config FILE] [--listen HOST:PORT] [--data DIR]`: the FHIR server.
#pragma once

#include "cli/command.h"

namespace fhirgw::server {

int run_serve(cli::Args args);

}  // namespace fhirgw::server
