// Registry::r4(): the embedded R4 core metadata, loaded on first use.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "embedded_spec.h"
#include "fhir/model/metadata.h"

namespace fhir::model {

const Registry& Registry::r4() {
  // C++11 guarantees thread-safe initialisation of function-local statics.
  static const std::unique_ptr<Registry> instance = [] {
    auto registry = std::make_unique<Registry>();
    for (std::size_t i = 0; i < detail::kEmbeddedSpecCount; ++i) {
      const detail::EmbeddedFile& file = detail::kEmbeddedSpec[i];
      std::string error;
      if (!registry->load_compact(file.text(), &error)) {
        // The embedded metadata is part of the build: failing here is a build defect, not bad input.
        std::fprintf(stderr, "fhir_models: embedded metadata %s is unreadable: %s\n", file.name,
                     error.c_str());
        std::abort();
      }
    }
    return registry;
  }();
  return *instance;
}

}  // namespace fhir::model
