#include "cli/validate_command.h"

#include <iostream>

namespace fhirgw::cli {

int run_validate(Args /*args*/) {
  std::cerr << "fhirgw validate: not implemented yet\n";
  return kExitUsage;
}

}  // namespace fhirgw::cli
