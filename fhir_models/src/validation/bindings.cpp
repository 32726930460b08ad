// Terminology bindings: required bindings against the expanded ValueSets of the package (error), and
// extensible/preferred bindings against code systems the package defines completely (warning).
#include <algorithm>
#include <string>

#include "walker.h"

namespace fhir::validation::detail {
namespace {

using json::Node;
using model::BindingStrength;

std::string_view text_of(const Node& obj, std::string_view key) {
  const Node* n = obj.find(key);
  return n != nullptr && n->is_string() ? n->text() : std::string_view{};
}

}  // namespace

const model::ValueSetExpansion* Walker::required_value_set(const model::Binding& binding, const PathSeg* path,
                                                           const Node* node) {
  const model::ValueSetExpansion* vs = registry_.find_value_set(binding.value_set);
  if (vs != nullptr && vs->complete) return vs;
  const std::string_view url = binding.value_set;
  if (std::find(incomplete_value_sets_reported_.begin(), incomplete_value_sets_reported_.end(), url) ==
      incomplete_value_sets_reported_.end()) {
    incomplete_value_sets_reported_.push_back(url);
    report(Severity::Information, "informational",
           vs == nullptr
               ? "value set " + binding.value_set + " is not known; its codes were not checked"
               : "value set " + binding.value_set + " could not be fully expanded; its codes were not checked",
           path, node);
  }
  return nullptr;
}

// A profile that repeats a binding of the core (or of its base profile) checks the same value against the
// same value set again: the error is reported once. Trial runs into a scratch outcome (slice matching)
// always report, they decide on the result.
void Walker::report_binding_error(const Node& node, std::string_view value_set, std::string diagnostics,
                                  const PathSeg* path) {
  if (outcome_ == main_outcome_) {
    const ReportedBinding key{&node, value_set};
    for (const ReportedBinding& r : binding_errors_reported_)
      if (r.node == key.node && r.value_set == key.value_set) return;
    binding_errors_reported_.push_back(key);
  }
  report(Severity::Error, "code-invalid", std::move(diagnostics), path, &node);
}

bool Walker::code_known_unknown(std::string_view system, std::string_view code) const {
  const model::CodeSystemInfo* cs = registry_.find_code_system(system);
  if (cs == nullptr || cs->content != "complete") return false;
  if (cs->codes.count(std::string(code)) != 0) return false;
  if (!cs->case_sensitive) {
    for (const auto& [known, display] : cs->codes) {
      (void)display;
      if (known.size() == code.size() && std::equal(known.begin(), known.end(), code.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          }))
        return false;
    }
  }
  return true;
}

void Walker::check_code_binding(const Node& code, const Slot& slot, const PathSeg* path) {
  const model::Binding& b = *slot.element->binding;
  if (b.strength != BindingStrength::Required) return;  // a bare code carries no system to check against
  const model::ValueSetExpansion* vs = required_value_set(b, path, &code);
  if (vs == nullptr || vs->contains_code(code.text())) return;
  report_binding_error(code, b.value_set,
                       "the code '" + std::string(code.text()) + "' is not in the required value set " + b.value_set,
                       path);
}

void Walker::check_coding_binding(const Node& coding, const Slot& slot, const PathSeg* path) {
  const model::Binding& b = *slot.element->binding;
  const std::string_view system = text_of(coding, "system");
  const std::string_view code = text_of(coding, "code");
  if (code.empty()) return;
  if (b.strength == BindingStrength::Required) {
    const model::ValueSetExpansion* vs = required_value_set(b, path, &coding);
    if (vs == nullptr) return;
    const bool ok = system.empty() ? vs->contains_code(code) : vs->contains(system, code);
    if (!ok)
      report_binding_error(coding, b.value_set,
                           "the code '" + std::string(system) + "#" + std::string(code) +
                               "' is not in the required value set " + b.value_set,
                           path);
    return;
  }
  if (b.strength == BindingStrength::Example || system.empty() || options_.errors_only) return;  // only warns
  if (code_known_unknown(system, code))
    report(Severity::Warning, "code-invalid",
           "the code '" + std::string(code) + "' is not defined in the code system " + std::string(system), path,
           &coding);
}

void Walker::check_concept_binding(const Node& cc, const Slot& slot, const PathSeg* path) {
  const model::Binding& b = *slot.element->binding;
  const Node* codings = cc.find("coding");
  const bool any_coding = codings != nullptr && codings->is_array() && codings->size() > 0;
  if (b.strength == BindingStrength::Required) {
    if (!any_coding) return;  // text-only concepts cannot be checked
    const model::ValueSetExpansion* vs = required_value_set(b, path, &cc);
    if (vs == nullptr) return;
    for (const Node& c : codings->items()) {
      if (!c.is_object()) continue;
      const std::string_view system = text_of(c, "system");
      const std::string_view code = text_of(c, "code");
      if (!code.empty() && (system.empty() ? vs->contains_code(code) : vs->contains(system, code))) return;
    }
    report_binding_error(cc, b.value_set, "none of the codings is in the required value set " + b.value_set, path);
    return;
  }
  if (b.strength == BindingStrength::Example || !any_coding || options_.errors_only) return;  // only warns
  std::int64_t i = 0;
  for (const Node& c : codings->items()) {
    const std::string_view system = text_of(c, "system");
    const std::string_view code = text_of(c, "code");
    if (!system.empty() && !code.empty() && code_known_unknown(system, code)) {
      const PathSeg seg{path, "coding", i};
      report(Severity::Warning, "code-invalid",
             "the code '" + std::string(code) + "' is not defined in the code system " + std::string(system), &seg, &c);
    }
    ++i;
  }
}

void Walker::check_quantity_binding(const Node& quantity, const Slot& slot, const PathSeg* path) {
  const model::Binding& b = *slot.element->binding;
  const std::string_view system = text_of(quantity, "system");
  const std::string_view code = text_of(quantity, "code");
  if (code.empty()) return;
  if (b.strength == BindingStrength::Required) {
    const model::ValueSetExpansion* vs = required_value_set(b, path, &quantity);
    if (vs != nullptr && !(system.empty() ? vs->contains_code(code) : vs->contains(system, code)))
      report_binding_error(quantity, b.value_set,
                           "the unit code '" + std::string(code) + "' is not in the required value set " + b.value_set,
                           path);
  }
}

}  // namespace fhir::validation::detail
