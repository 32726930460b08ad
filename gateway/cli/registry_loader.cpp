#include "cli/registry_loader.h"

namespace fhirgw::cli {

// fhir_models keeps Registry::r4() immutable (shared by threads); `--package` needs its own mutable copy.
std::unique_ptr<fhir::model::Registry> make_core_registry(std::string* error) {
  return fhir::model::Registry::load_r4(error);
}

}  // namespace fhirgw::cli
