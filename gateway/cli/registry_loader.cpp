#include "cli/registry_loader.h"

namespace fhirgw::cli {

std::unique_ptr<fhir::model::Registry> make_core_registry(std::string* error) {
  // TODO(helper D): switch to fhir_models' API for a mutable copy of the core registry once it exists.
  *error = "--package is not available yet in this build";
  return nullptr;
}

}  // namespace fhirgw::cli
