#include "search/param_catalog.h"

#include <algorithm>
#include <optional>

#include "search/shared_index.h"

namespace fhirgw::search {
namespace {

std::optional<storage::ParamKind> kind_of(std::string_view code) {
  using storage::ParamKind;
  if (code == "token") return ParamKind::Token;
  if (code == "string") return ParamKind::String;
  if (code == "date") return ParamKind::Date;
  if (code == "reference") return ParamKind::Reference;
  if (code == "quantity") return ParamKind::Quantity;
  if (code == "number") return ParamKind::Number;
  if (code == "uri") return ParamKind::Uri;
  return std::nullopt;  // composite and special are not supported yet
}

}  // namespace

ParamCatalog::ParamCatalog(const fhir::model::Registry& registry) {
  for (const std::string& type : registry.resource_type_names()) {
    std::vector<CompiledParam> compiled;
    for (const fhir::model::SearchParamDef* def : registry.search_params(type)) {
      if (def->name.empty() || def->name.front() == '_') continue;  // _id, _lastUpdated handled by the store
      const auto kind = kind_of(def->type);
      if (!kind) continue;
      PathExpression expression(def->expression);
      if (!expression.supported()) continue;
      compiled.push_back(CompiledParam{def->name, def->type, *kind, std::move(expression), def->targets, {}});
    }
    share_index_rows(type, compiled);
    for (const CompiledParam& p : compiled) {
      // Only the single-source form: AuditEvent's `patient` (agent | entity, two sources) is excluded,
      // so the server's own audit writes, one per request, pay nothing for it.
      if (p.name == "patient" && p.kind == storage::ParamKind::Reference && p.sources.size() == 1 &&
          p.sources.front().target_type == "Patient") {
        patient_rows_.emplace(type, p.sources.front());
      }
    }
    if (!compiled.empty()) by_type_.emplace(type, std::move(compiled));
  }
}

const storage::IndexSource* ParamCatalog::patient_rows(std::string_view type) const {
  const auto it = patient_rows_.find(std::string(type));
  return it == patient_rows_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, storage::IndexSource>> ParamCatalog::patient_rows() const {
  std::vector<std::pair<std::string, storage::IndexSource>> out(patient_rows_.begin(), patient_rows_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::vector<std::pair<std::string, std::string>> ParamCatalog::shared_params() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [type, params] : by_type_) {
    for (const CompiledParam& p : params) {
      if (!p.indexed()) out.emplace_back(type, p.name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<CompiledParam>& ParamCatalog::params(std::string_view type) const {
  static const std::vector<CompiledParam> kNone;
  const auto it = by_type_.find(std::string(type));
  return it == by_type_.end() ? kNone : it->second;
}

const CompiledParam* ParamCatalog::find(std::string_view type, std::string_view name) const {
  for (const CompiledParam& p : params(type)) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace fhirgw::search
