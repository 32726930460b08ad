// The metadata files of fhir_models/spec/, embedded in the library by the build (.incbin, see
// fhir_models/tools/metadata.cmake).
#pragma once

#include <cstddef>
#include <string_view>

namespace fhir::model::detail {

struct EmbeddedFile {
  const char* name;
  const char* begin;
  const char* end;
  std::string_view text() const { return {begin, static_cast<std::size_t>(end - begin)}; }
};

extern const EmbeddedFile kEmbeddedSpec[];
extern const std::size_t kEmbeddedSpecCount;

}  // namespace fhir::model::detail
