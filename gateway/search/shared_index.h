// One set of index rows where two search parameters index the same elements. Decided from the
// SearchParameter expressions (the data), not from a list of names: a parameter whose expression, for
// this resource type, is a union of other parameters' expressions (R4 Observation `combo-code` =
// `code | component.code` = `code` + `component-code`), or another reference parameter's path
// restricted by `.where(resolve() is T)` (`patient` = `Observation.subject.where(resolve() is
// Patient)` = the `subject` rows whose target type is Patient), gets no rows of its own
// (CompiledParam::sources names whose rows a search reads instead). Each dropped row was one more
// insert into a clustered table and its search index per resource version.
#pragma once

#include <string_view>
#include <vector>

#include "search/param_catalog.h"

namespace fhirgw::search {

// Fills CompiledParam::sources of the parameters of `type` whose rows others already hold.
void share_index_rows(std::string_view type, std::vector<CompiledParam>& params);

}  // namespace fhirgw::search
