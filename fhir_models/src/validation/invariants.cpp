// Invariant evaluation through the FHIRPath engine, with compiled expressions cached per constraint.
#include "invariants.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>

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
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Calls fn(word, begin, end) for every identifier outside parentheses, brackets and string literals that is
// not a member name after a '.'; returns false on unbalanced text.
template <typename Fn>
bool for_each_top_level_word(std::string_view expr, Fn&& fn) {
  int depth = 0;
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
      if (depth == 0) fn(expr.substr(i, j - i), i, j);
      i = j;
      continue;
    }
    ++i;
  }
  return depth == 0;
}

// Splits `expr` at the top-level occurrences of the keyword operators; returns false on unbalanced text.
struct TopLevel {
  std::vector<std::string_view> or_parts;
  std::vector<std::string_view> and_parts;
  std::size_t implies_at = std::string_view::npos;  // offset of a top-level "implies" (only one supported)
  int implies_count = 0;
  bool has_xor = false;
};

bool split_top_level(std::string_view expr, TopLevel& out) {
  std::size_t or_start = 0;
  std::size_t and_start = 0;
  const bool balanced = for_each_top_level_word(expr, [&](std::string_view word, std::size_t i, std::size_t j) {
    if (word == "or") {
      out.or_parts.push_back(expr.substr(or_start, i - or_start));
      or_start = j;
    } else if (word == "and") {
      out.and_parts.push_back(expr.substr(and_start, i - and_start));
      and_start = j;
    } else if (word == "implies") {
      ++out.implies_count;
      out.implies_at = i;
    } else if (word == "xor") {
      out.has_xor = true;
    }
  });
  if (!balanced) return false;
  out.or_parts.push_back(expr.substr(or_start));
  out.and_parts.push_back(expr.substr(and_start));
  return true;
}

// "(text)" -> "text" when the parentheses enclose all of it.
std::string_view strip_parens(std::string_view s) {
  s = trim(s);
  while (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    int depth = 0;
    bool encloses = true;
    for (std::size_t i = 0; i + 1 < s.size() && encloses; ++i) {
      depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
      encloses = depth > 0;
    }
    if (!encloses) break;
    s = trim(s.substr(1, s.size() - 2));
  }
  return s;
}

// The value of a path term "ident(.step)*" when the focus has no member `ident`: steps that keep an empty
// collection empty (member names, where/select/first/...), then functions that give a boolean for an empty
// input (empty() true, exists() false, isDistinct() true, all() true) and not(). nullopt for other shapes.
std::optional<bool> value_if_absent(std::string_view term, std::string& ident) {
  term = trim(term);
  std::size_t i = 0;
  while (i < term.size() && ident_char(term[i])) ++i;
  const std::string_view id = term.substr(0, i);
  if (id.empty() || !ident_start(id[0]) || (id[0] >= 'A' && id[0] <= 'Z') || id == "true" || id == "false")
    return std::nullopt;
  std::optional<bool> value;  // nullopt while the collection is still empty
  while (i < term.size()) {
    if (term[i] != '.') return std::nullopt;
    std::size_t j = ++i;
    while (j < term.size() && ident_char(term[j])) ++j;
    const std::string_view name = term.substr(i, j - i);
    if (name.empty()) return std::nullopt;
    i = j;
    const bool call = i < term.size() && term[i] == '(';
    bool no_args = true;
    if (call) {
      int depth = 0;
      std::size_t k = i;
      for (; k < term.size(); ++k) {
        if (term[k] == '\'') {
          ++k;
          while (k < term.size() && term[k] != '\'') k += term[k] == '\\' ? 2 : 1;
          continue;
        }
        depth += term[k] == '(' ? 1 : term[k] == ')' ? -1 : 0;
        if (depth == 0) break;
      }
      if (k >= term.size()) return std::nullopt;
      no_args = trim(term.substr(i + 1, k - i - 1)).empty();
      i = k + 1;
    }
    if (!value) {
      if (!call && !(name[0] >= 'A' && name[0] <= 'Z')) continue;  // member of nothing: still empty
      if (call && (name == "where" || name == "select" || name == "ofType" || name == "distinct" || name == "first" ||
                   name == "last" || name == "tail")) {
        continue;
      }
      if (call && name == "empty" && no_args)
        value = true;
      else if (call && name == "exists")
        value = false;
      else if (call && name == "isDistinct" && no_args)
        value = true;
      else if (call && name == "all" && !no_args)
        value = true;
      else
        return std::nullopt;
    } else if (call && name == "not" && no_args) {
      value = !*value;
    } else {
      return std::nullopt;
    }
  }
  if (!value) return std::nullopt;
  ident = std::string(id);
  return value;
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
    // "(a.exists() and ...) implies c": a false conjunct makes the whole constraint true.
    TopLevel lhs;
    if (!split_top_level(strip_parens(expression.substr(0, top.implies_at)), lhs) || lhs.has_xor ||
        lhs.implies_count != 0 || lhs.or_parts.size() != 1) {
      return out;
    }
    for (std::string_view conjunct : lhs.and_parts) {
      if (value_if_absent(conjunct, ident) == false) out.terms.push_back({Shortcut::Test::TrueIfAbsent, ident});
    }
    return out;
  }
  if (top.implies_count > 1) return out;
  for (std::string_view part : top.or_parts) {
    if (value_if_absent(part, ident) == true || match_term(part, ".hasValue().not()", ident)) {
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
      // The first byte rejects most members without a memcmp (every invariant check on an object gets here).
      if (k.size() < id.size() || (!id.empty() && k[0] != id[0]) || k.compare(0, id.size(), id) != 0) continue;
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
    for (const char* base : {"Resource",
                             "DomainResource",
                             "Element",
                             "BackboneElement",
                             "Extension",
                             "Narrative",
                             "Reference",
                             "Quantity",
                             "Period",
                             "Range",
                             "Ratio",
                             "Attachment",
                             "ContactPoint",
                             "Identifier",
                             "HumanName",
                             "Address",
                             "CodeableConcept",
                             "Coding",
                             "Timing",
                             "Dosage",
                             "Meta",
                             "SampledData",
                             "Signature",
                             "Annotation",
                             "Age",
                             "Duration",
                             "Count",
                             "Distance",
                             "Money",
                             "SimpleQuantity",
                             "ElementDefinition",
                             "Expression",
                             "TriggerDefinition",
                             "DataRequirement",
                             "UsageContext",
                             "RelatedArtifact",
                             "ParameterDefinition",
                             "ContactDetail",
                             "Contributor",
                             "MarketingStatus",
                             "Population",
                             "ProdCharacteristic",
                             "ProductShelfLife",
                             "SubstanceAmount"})
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

Verdict InvariantRunner::check(const model::Constraint& constraint, const InvariantSite& site, std::string* why) const {
  if (constraint.expression.empty()) return Verdict::Pass;
  const Compiled& c = compiled(constraint);
  if (!c.expression) {
    if (why != nullptr) *why = c.error;
    return Verdict::CannotEvaluate;
  }
  if (site.value != nullptr && site.value->is_object() && shortcut_holds(c.shortcut, *site.value)) return Verdict::Pass;
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

void Walker::invariants(const json::Node* v, const json::Node* ext, const model::TypeDef& def, std::uint32_t element,
                        std::string_view type_name, const model::ElementDef& constraints_of, const PathSeg* path,
                        ResourceCtx& rc, std::vector<std::string_view>* seen_keys) {
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
