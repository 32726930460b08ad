// Parses FHIRPath text into an AST (operator precedence per the FHIRPath N1 specification).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ast.h"

namespace fhir::fhirpath::detail {

struct ParseOutcome {
  std::unique_ptr<AstNode> root;
  std::string error;
  std::size_t error_offset = 0;
};

ParseOutcome parse_expression(std::string_view text);

}  // namespace fhir::fhirpath::detail
