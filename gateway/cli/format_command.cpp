#include "cli/format_command.h"

#include <iostream>

namespace fhirgw::cli {

int run_format(Args /*args*/) {
  std::cerr << "fhirgw format: not implemented yet\n";
  return kExitUsage;
}

}  // namespace fhirgw::cli
