// The R4 narrative rules behind htmlChecks() (txt-1, txt-2): Narrative.div is a well-formed XHTML fragment
// whose root is <div xmlns="http://www.w3.org/1999/xhtml">, using only the allowed elements and attributes,
// with some non-whitespace content.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fhir::fhirpath::detail {

struct NarrativeCheck {
  bool ok = true;
  std::string problem;     // first problem found
  std::size_t offset = 0;  // byte offset of the problem in the xhtml text
};

NarrativeCheck check_narrative_xhtml(std::string_view xhtml);

}  // namespace fhir::fhirpath::detail
