// Invariant evaluation through the FHIRPath engine, with compiled expressions cached per constraint.
#include "invariants.h"

#include <array>

#include "fhir/fhirpath/fhirpath.h"
#include "walker.h"

namespace fhir::validation::detail {

bool is_native_constraint(std::string_view key) noexcept {
  // ele-1/ext-1: empty values and extension shape; dom-2..5: contained rules; ref-1: local references;
  // bdl-*: Bundle rules; txt-1/txt-2: XHTML checks of Narrative.div. All checked by the walker.
  static constexpr std::array<std::string_view, 22> kNative{
      "ele-1", "ext-1", "dom-2", "dom-3", "dom-4",  "dom-5",  "ref-1",  "txt-1",  "txt-2",  "bdl-1",  "bdl-2",
      "bdl-3", "bdl-4", "bdl-5", "bdl-7", "bdl-8", "bdl-9", "bdl-10", "bdl-11", "bdl-12", "bdl-6", "bdl-13"};
  for (std::string_view k : kNative)
    if (k == key) return true;
  return false;
}

InvariantRunner::InvariantRunner(const model::Registry& registry) : registry_(registry) {}
InvariantRunner::~InvariantRunner() = default;

const InvariantRunner::Compiled& InvariantRunner::compiled(const model::Constraint& constraint) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = cache_[&constraint];
  if (!slot) {
    slot = std::make_unique<Compiled>();
    auto result = fhirpath::compile(constraint.expression);
    if (result) {
      slot->expression = std::move(result.expression);
    } else {
      slot->error = "cannot compile: " + result.error + " at offset " + std::to_string(result.error_offset);
    }
  }
  return *slot;
}

Verdict InvariantRunner::check(const model::Constraint& constraint, const InvariantSite& site,
                               std::string* why) const {
  if (constraint.expression.empty()) return Verdict::Pass;
  const Compiled& c = compiled(constraint);
  if (!c.expression) {
    if (why != nullptr) *why = c.error;
    return Verdict::CannotEvaluate;
  }
  fhirpath::EvalContext ctx;
  ctx.registry = &registry_;
  ctx.resource = site.resource;
  ctx.root_resource = site.root_resource;
  ctx.bundle = site.bundle;
  ctx.context = fhirpath::Item::element(site.value, site.extension,
                                        fhirpath::ElementType{site.def, site.element, site.type_name});
  fhirpath::EvalResult result = fhirpath::evaluate(*c.expression, ctx);
  if (!result.ok()) {
    if (why != nullptr) *why = result.message;
    return Verdict::CannotEvaluate;
  }
  bool error = false;
  const std::optional<bool> b = fhirpath::to_boolean(result.items, &error);
  if (error) {
    if (why != nullptr) *why = "the expression did not give a single boolean";
    return Verdict::CannotEvaluate;
  }
  // An empty result does not contradict the constraint.
  return b.value_or(true) ? Verdict::Pass : Verdict::Fail;
}

void Walker::invariants(const json::Node* v, const json::Node* ext, const model::TypeDef& def,
                        std::uint32_t element, std::string_view type_name, const model::ElementDef& constraints_of,
                        const PathSeg* path, ResourceCtx& rc, std::vector<std::string_view>* seen_keys) {
  if (!options_.check_invariants || invariants_ == nullptr) return;
  for (const model::Constraint& c : constraints_of.constraints) {
    if (c.severity != model::ConstraintSeverity::Error) continue;
    if (c.key == "ele-1" || is_native_constraint(c.key)) continue;
    if (seen_keys != nullptr) {
      bool dup = false;
      for (std::string_view k : *seen_keys) dup = dup || k == c.key;
      if (dup) continue;
      seen_keys->push_back(c.key);
    }
    InvariantSite site{v, ext, &def, element, type_name, rc.node, rc.root().node, rc.outer_bundle};
    std::string why;
    switch (invariants_->check(c, site, &why)) {
      case Verdict::Pass: break;
      case Verdict::Fail:
        report(Severity::Error, "invariant", c.key + ": " + c.human + " (" + c.expression + ")", path, v);
        break;
      case Verdict::CannotEvaluate:
        report(Severity::Information, "informational",
               "constraint " + c.key + " was not checked: " + why + " (" + c.expression + ")", path, v);
        break;
    }
  }
}

}  // namespace fhir::validation::detail
