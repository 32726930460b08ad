// What the two patch formats (JSON Patch, FHIRPath Patch) share: the failure they report, the exception
// their operations throw internally, and positional insert/erase for JSON arrays (the fhir::json tree has
// no such API: the array is rebuilt; FHIR arrays are short).
#pragma once

#include <cstddef>
#include <string>

#include "fhir/json/node.h"

namespace fhirgw::rest {

struct PatchFailure {
  enum class Kind {
    Malformed,     // the patch document itself is wrong (not an array, unknown op, bad path): 400
    NotApplicable  // a valid patch that does not apply to this resource (missing path, failed test): 422
  };
  Kind kind = Kind::Malformed;
  std::size_t operation = 0;  // index of the offending operation in the patch
  std::string reason;
};

namespace patch_detail {

// Thrown by an operation, caught by the apply function that knows the operation index.
struct OperationFailed {
  PatchFailure::Kind kind;
  std::string reason;
};

[[noreturn]] inline void malformed(std::string reason) {
  throw OperationFailed{PatchFailure::Kind::Malformed, std::move(reason)};
}
[[noreturn]] inline void not_applicable(std::string reason) {
  throw OperationFailed{PatchFailure::Kind::NotApplicable, std::move(reason)};
}

}  // namespace patch_detail

// `index` may equal the size (append).
inline void insert_item(fhir::json::Node& array, std::size_t index, fhir::json::Node value) {
  fhir::json::Node rebuilt = fhir::json::Node::array(array.get_allocator());
  rebuilt.reserve(array.items().size() + 1);
  for (std::size_t i = 0; i < array.items().size(); ++i) {
    if (i == index) rebuilt.push_back(std::move(value));
    rebuilt.push_back(std::move(array.items()[i]));
  }
  if (index == array.items().size()) rebuilt.push_back(std::move(value));
  array = std::move(rebuilt);
}

inline void erase_item(fhir::json::Node& array, std::size_t index) {
  fhir::json::Node rebuilt = fhir::json::Node::array(array.get_allocator());
  rebuilt.reserve(array.items().size());
  for (std::size_t i = 0; i < array.items().size(); ++i) {
    if (i != index) rebuilt.push_back(std::move(array.items()[i]));
  }
  array = std::move(rebuilt);
}

}  // namespace fhirgw::rest
