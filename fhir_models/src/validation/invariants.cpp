// Invariant evaluation through the FHIRPath engine, with compiled expressions cached per constraint.
#include "invariants.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include "fhir/fhirpath/fhirpath.h"
#include "walker.h"

namespace fhir::validation::detail {

bool is_native_constraint(std::string_view key) noexcept {
  // ele-1/ext-1: empty values and extension shape; dom-2..5: contained rules; ref-1: local references;
  // bdl-*: Bundle rules; txt-1/txt-2: XHTML checks of Narrative.div; csd-1: unique CodeSystem codes
  // (quadratic through FHIRPath on large code systems). All checked by the walker.
  if (key.size() < 5 || key[3] != '-') return false;
  const std::string_view prefix = key.substr(0, 3);
  const std::string_view n = key.substr(4);
  switch (key[0]) {
    case 'e': return (prefix == "ele" || prefix == "ext") && n == "1";
    case 'd': return prefix == "dom" && (n == "2" || n == "3" || n == "4" || n == "5");
    case 'r': return prefix == "ref" && n == "1";
    case 't': return prefix == "txt" && (n == "1" || n == "2");
    case 'c': return prefix == "csd" && n == "1";
    case 'b':
      return prefix == "bdl" && (n == "1" || n == "2" || n == "3" || n == "4" || n == "5" || n == "7" || n == "8" ||
                                 n == "9" || n == "10" || n == "11" || n == "12");
    default: return false;
  }
}

namespace {

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits `expr` at the top-level occurrences of the keyword operators; returns false on unbalanced text.
struct TopLevel {
  std::vector<std::string_view> or_parts;
  std::size_t implies_at = std::string_view::npos;  // offset of a top-level "implies" (only one supported)
  int implies_count = 0;
  bool has_xor = false;
};

bool split_top_level(std::string_view expr, TopLevel& out) {
  int depth = 0;
  std::size_t part_start = 0;
  for (std::size_t i = 0; i < expr.size();) {
    const char c = expr[i];
    if (c == '\'' || c == '`') {
      ++i;
      while (i < expr.size() && expr[i] != c) i += expr[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth < 0) return false;
    if (ident_start(c) && (i == 0 || !ident_char(expr[i - 1])) && (i == 0 || expr[i - 1] != '.')) {
      std::size_t j = i;
      while (j < expr.size() && ident_char(expr[j])) ++j;
      const std::string_view word = expr.substr(i, j - i);
      if (depth == 0) {
        if (word == "or") {
          out.or_parts.push_back(expr.substr(part_start, i - part_start));
          part_start = j;
        } else if (word == "implies") {
          ++out.implies_count;
          out.implies_at = i;
        } else if (word == "xor") {
          out.has_xor = true;
        }
      }
      i = j;
      continue;
    }
    ++i;
  }
  if (depth != 0) return false;
  out.or_parts.push_back(expr.substr(part_start));
  return true;
}

// Matches "ident<suffix>" exactly; returns the identifier.
bool match_term(std::string_view term, std::string_view suffix, std::string& ident) {
  term = trim(term);
  if (term.size() <= suffix.size() || term.substr(term.size() - suffix.size()) != suffix) return false;
  const std::string_view id = term.substr(0, term.size() - suffix.size());
  if (id.empty() || !ident_start(id[0]) || (id[0] >= 'A' && id[0] <= 'Z')) return false;
  for (char c : id)
    if (!ident_char(c)) return false;
  ident = std::string(id);
  return true;
}

}  // namespace

Shortcut analyze_shortcut(std::string_view expression) {
  Shortcut out;
  TopLevel top;
  if (!split_top_level(expression, top) || top.has_xor) return out;
  std::string ident;
  if (top.implies_count == 1) {
    if (top.or_parts.size() != 1) return out;  // "a or b implies c": keep it simple
    if (match_term(expression.substr(0, top.implies_at), ".exists()", ident))
      out.terms.push_back({Shortcut::Test::TrueIfAbsent, ident});
    return out;
  }
  if (top.implies_count > 1) return out;
  for (std::string_view part : top.or_parts) {
    if (match_term(part, ".empty()", ident) || match_term(part, ".hasValue().not()", ident) ||
        match_term(part, ".exists().not()", ident)) {
      out.terms.push_back({Shortcut::Test::TrueIfAbsent, ident});
    } else if (match_term(part, ".exists()", ident)) {
      out.terms.push_back({Shortcut::Test::TrueIfPresent, ident});
    }
  }
  return out;
}

bool shortcut_holds(const Shortcut& shortcut, const json::Node& focus) noexcept {
  for (const Shortcut::Term& t : shortcut.terms) {
    const std::string_view id = t.ident;
    bool present = false;
    for (const json::Member& m : focus.members()) {
      std::string_view k = m.key;
      if (!k.empty() && k[0] == '_') k.remove_prefix(1);
      if (k.size() < id.size() || k.substr(0, id.size()) != id) continue;
      const bool exact = k.size() == id.size();
      const bool choice = !exact && k[id.size()] >= 'A' && k[id.size()] <= 'Z';
      if (!exact && !choice) continue;
      if (!m.value.is_null() && !(m.value.is_array() && m.value.size() == 0)) present = true;
      if (t.test == Shortcut::Test::TrueIfAbsent) {
        present = true;  // any trace of the member: let the engine decide
        break;
      }
    }
    if (t.test == Shortcut::Test::TrueIfAbsent ? !present : present) return true;
  }
  return false;
}

namespace {
std::atomic<std::uint64_t> next_runner_id{1};
}  // namespace

InvariantRunner::InvariantRunner(const model::Registry& registry)
    : registry_(registry), id_(next_runner_id.fetch_add(1, std::memory_order_relaxed)) {}
InvariantRunner::~InvariantRunner() = default;

bool InvariantRunner::is_core_key(std::string_view key) const {
  std::call_once(core_keys_once_, [this] {
    auto collect = [this](const model::TypeDef* t) {
      if (t == nullptr || t->is_profile) return;
      for (const model::ElementDef& e : t->elements)
        for (const model::Constraint& c : e.constraints) core_keys_.push_back(c.key);
    };
    for (const std::string& name : registry_.resource_type_names()) collect(registry_.find_type(name));
    for (const char* base : {"Resource", "DomainResource", "Element", "BackboneElement", "Extension", "Narrative",
                             "Reference", "Quantity", "Period", "Range", "Ratio", "Attachment", "ContactPoint",
                             "Identifier", "HumanName", "Address", "CodeableConcept", "Coding", "Timing", "Dosage",
                             "Meta", "SampledData", "Signature", "Annotation", "Age", "Duration", "Count",
                             "Distance", "Money", "SimpleQuantity", "ElementDefinition", "Expression",
                             "TriggerDefinition", "DataRequirement", "UsageContext", "RelatedArtifact",
                             "ParameterDefinition", "ContactDetail", "Contributor", "MarketingStatus",
                             "Population", "ProdCharacteristic", "ProductShelfLife", "SubstanceAmount"})
      collect(registry_.find_type(base));
    std::sort(core_keys_.begin(), core_keys_.end());
    core_keys_.erase(std::unique(core_keys_.begin(), core_keys_.end()), core_keys_.end());
  });
  return std::binary_search(core_keys_.begin(), core_keys_.end(), key);
}

const InvariantRunner::Compiled& InvariantRunner::compiled(const model::Constraint& constraint) const {
  // A per-thread direct-mapped cache in front of the shared map: no lock and no hashing of the map on the
  // hot path. Entries are keyed by the runner's id, so a later runner at the same address never matches.
  struct Entry {
    std::uint64_t runner = 0;
    const model::Constraint* constraint = nullptr;
    const Compiled* compiled = nullptr;
  };
  thread_local std::array<Entry, 1024> recent;
  Entry& e = recent[(reinterpret_cast<std::uintptr_t>(&constraint) >> 4) % recent.size()];
  if (e.runner == id_ && e.constraint == &constraint) return *e.compiled;
  const Compiled& c = compiled_locked(constraint);
  e = Entry{id_, &constraint, &c};
  return c;
}

const InvariantRunner::Compiled& InvariantRunner::compiled_locked(const model::Constraint& constraint) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = cache_[&constraint];
  if (!slot) {
    slot = std::make_unique<Compiled>();
    auto result = fhirpath::compile(constraint.expression);
    if (result) {
      slot->expression = std::move(result.expression);
      slot->shortcut = analyze_shortcut(constraint.expression);
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
  if (site.value != nullptr && site.value->is_object() && shortcut_holds(c.shortcut, *site.value))
    return Verdict::Pass;
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
    if (is_native_constraint(c.key)) continue;  // ele-1 among them
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
