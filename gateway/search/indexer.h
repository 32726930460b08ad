// Extracts the search index rows of one resource, for every supported search parameter of its type.
#pragma once

#include <string>
#include <string_view>

#include "fhir/json/node.h"
#include "search/param_catalog.h"
#include "storage/index_rows.h"

namespace fhirgw::search {

storage::IndexRows build_index(const ParamCatalog& catalog, std::string_view type, const fhir::json::Node& resource);

// Lower-case (ASCII), trimmed, inner whitespace collapsed: the form string search compares.
std::string normalize_string(std::string_view s);

// Splits a reference "Patient/123", "Patient/123/_history/2" or "http://x/fhir/Patient/123" into type
// and id; empty type for what is not a resource reference (urn:uuid:, #contained, bare ids).
storage::ReferenceRow parse_reference(std::string_view reference);

}  // namespace fhirgw::search
