// Turns the query parameters of a FHIR search (GET /fhir/Observation?...) into a storage::SearchQuery
// plus the result controls (_count, _sort, _include, _elements, ...). Pure: no store access.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "search/param_catalog.h"
#include "storage/search_query.h"

namespace fhirgw::search {

struct IncludeSpec {
  std::string source_type;  // Observation
  std::string param;        // patient ("*" = all reference params)
  std::string target_type;  // optional: Observation:subject:Patient
  bool iterate = false;
};

struct ParsedSearch {
  storage::SearchQuery query;
  std::size_t count = 0;  // 0: use the server default
  bool count_given = false;
  std::string summary;  // "", "count", "true", "false", "data", "text"
  std::vector<std::string> elements;
  std::vector<IncludeSpec> includes;
  std::vector<IncludeSpec> revincludes;
  std::vector<std::string> unknown;  // parameters that were ignored (warnings, or 400 when strict)
  std::optional<std::string> error;  // a parameter that cannot be understood: 400
  std::string canonical;             // normalized criteria (sorted name=value pairs), for conditional keys
};

// Parameters that are not search criteria and that the caller handles (_format, _pretty, paging).
bool is_transport_param(std::string_view name);

ParsedSearch parse_search(const ParamCatalog& catalog, const std::string& type,
                          const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace fhirgw::search
