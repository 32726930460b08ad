// The search parameters the server supports, compiled once from the package metadata
// (Registry::search_params): name, kind and the parsed FHIRPath expression, per resource type.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fhir/model/metadata.h"
#include "search/path_expression.h"
#include "storage/search_query.h"

namespace fhirgw::search {

struct CompiledParam {
  std::string name;
  std::string type_code;  // the SearchParameter.type code: "token", "reference", ...
  storage::ParamKind kind;
  PathExpression expression;
  std::vector<std::string> targets;  // reference targets
  // Empty: the indexer writes this parameter's rows. Otherwise the parameter indexes nothing that
  // other parameters do not already index, and a search reads their rows (search/shared_index.h).
  std::vector<storage::IndexSource> sources;
  bool indexed() const { return sources.empty(); }
};

class ParamCatalog {
 public:
  explicit ParamCatalog(const fhir::model::Registry& registry);

  // Parameters of `type` (without _id / _lastUpdated, which every type has), empty if none.
  const std::vector<CompiledParam>& params(std::string_view type) const;
  const CompiledParam* find(std::string_view type, std::string_view name) const;
  // Every (type, parameter) whose rows are shared (CompiledParam::sources): what a store that indexed
  // them before can drop.
  std::vector<std::pair<std::string, std::string>> shared_params() const;

  // Where `type`'s `patient` parameter reads one other reference parameter's rows of Patient targets
  // (R4 Observation `patient` = `subject.where(resolve() is Patient)`), those rows; nullptr otherwise.
  // The token rows of such a type are stored once more per patient (storage::IndexRows::patients,
  // table idx_token_patient), so patient + token searches read one index range (gateway/search/README.md).
  const storage::IndexSource* patient_rows(std::string_view type) const;
  // Every type with patient_rows, sorted: what a store fills idx_token_patient from for existing data.
  std::vector<std::pair<std::string, storage::IndexSource>> patient_rows() const;

 private:
  std::unordered_map<std::string, std::vector<CompiledParam>> by_type_;
  std::unordered_map<std::string, storage::IndexSource> patient_rows_;
};

}  // namespace fhirgw::search
