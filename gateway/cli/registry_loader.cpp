#include "cli/registry_loader.h"

// fhir_models keeps Registry::r4() immutable (shared by threads). For `--package` the CLI needs its own
// mutable copy of the core, so it loads the same embedded compact metadata into a fresh Registry.
#include "embedded_spec.h"  // fhir_models/src/model: the embedded spec files

namespace fhirgw::cli {

std::unique_ptr<fhir::model::Registry> make_core_registry(std::string* error) {
  auto registry = std::make_unique<fhir::model::Registry>();
  for (std::size_t i = 0; i < fhir::model::detail::kEmbeddedSpecCount; ++i) {
    const auto& file = fhir::model::detail::kEmbeddedSpec[i];
    if (!registry->load_compact(file.text(), error)) {
      *error = std::string("embedded metadata ") + file.name + ": " + *error;
      return nullptr;
    }
  }
  return registry;
}

}  // namespace fhirgw::cli
