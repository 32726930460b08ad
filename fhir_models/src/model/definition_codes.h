// StructureDefinition codes -> model enums, shared by the structure compiler and the compact reader.
#pragma once

#include <string_view>

#include "fhir/model/metadata.h"

namespace fhir::model::detail {

inline BindingStrength binding_strength_from_code(std::string_view s) {
  if (s == "required") return BindingStrength::Required;
  if (s == "extensible") return BindingStrength::Extensible;
  if (s == "preferred") return BindingStrength::Preferred;
  return BindingStrength::Example;
}

inline TypeKind type_kind_from_code(std::string_view kind) {
  if (kind == "primitive-type") return TypeKind::PrimitiveType;
  if (kind == "resource") return TypeKind::Resource;
  if (kind == "logical") return TypeKind::Logical;
  return TypeKind::ComplexType;
}

}  // namespace fhir::model::detail
