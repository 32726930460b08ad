// Registry::r4() / load_r4(): the embedded R4 core metadata.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "embedded_spec.h"
#include "fhir/model/metadata.h"

namespace fhir::model {

std::unique_ptr<Registry> Registry::load_r4(std::string* error) {
  auto registry = std::make_unique<Registry>();
  for (std::size_t i = 0; i < detail::kEmbeddedSpecCount; ++i) {
    const detail::EmbeddedFile& file = detail::kEmbeddedSpec[i];
    std::string message;
    if (!registry->load_compact(file.text(), &message)) {
      if (error != nullptr) *error = std::string("embedded metadata ") + file.name + ": " + message;
      return nullptr;
    }
  }
  return registry;
}

const Registry& Registry::r4() {
  // C++11 guarantees thread-safe initialisation of function-local statics.
  static const std::unique_ptr<Registry> instance = [] {
    std::string error;
    auto registry = load_r4(&error);
    if (!registry) {
      // The embedded metadata is part of the build: failing here is a build defect, not bad input.
      std::fprintf(stderr, "fhir_models: %s\n", error.c_str());
      std::abort();
    }
    return registry;
  }();
  return *instance;
}

}  // namespace fhir::model
