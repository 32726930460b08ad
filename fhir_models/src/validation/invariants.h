// FHIRPath invariants (ElementDefinition.constraint) evaluated with the fhirpath engine. Each expression
// is compiled once and cached per constraint; the cache is shared by all walks of one Validator.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/model/metadata.h"

namespace fhir::fhirpath {
class Expression;
}

namespace fhir::validation::detail {

// Where a constraint is evaluated.
struct InvariantSite {
  const json::Node* value = nullptr;  // the focus (nullptr for a primitive that only has its extension)
  const json::Node* extension = nullptr;
  const model::TypeDef* def = nullptr;  // type of the focus: def + element
  std::uint32_t element = 0;
  std::string_view type_name;
  const json::Node* resource = nullptr;       // %resource
  const json::Node* root_resource = nullptr;  // %rootResource
  const json::Node* bundle = nullptr;         // outermost Bundle, for resolve()
};

enum class Verdict { Pass, Fail, CannotEvaluate };

// A sound pre-check for the common shapes "x.empty() or ...", "x.exists() or ...", "x.exists() implies ...":
// when the focus object settles one such term by the mere absence or presence of a member, the constraint
// holds and the engine need not run.
struct Shortcut {
  enum class Test : std::uint8_t { TrueIfAbsent, TrueIfPresent };
  struct Term {
    Test test;
    std::string ident;
  };
  std::vector<Term> terms;  // any satisfied term makes the whole constraint true
};
Shortcut analyze_shortcut(std::string_view expression);
bool shortcut_holds(const Shortcut& shortcut, const json::Node& focus) noexcept;

// True for the constraints the walker checks natively (faster, and with better messages).
bool is_native_constraint(std::string_view key) noexcept;

class InvariantRunner {
 public:
  explicit InvariantRunner(const model::Registry& registry);
  ~InvariantRunner();
  // `why` receives the engine's message when the verdict is CannotEvaluate.
  Verdict check(const model::Constraint& constraint, const InvariantSite& site, std::string* why) const;
  // True if a core (non-profile) definition of the registry declares a constraint with this key: such
  // constraints are already evaluated by the core walk, so profiles only add the others.
  bool is_core_key(std::string_view key) const;

 private:
  struct Compiled {
    std::shared_ptr<const fhirpath::Expression> expression;
    std::string error;
    Shortcut shortcut;
  };
  const Compiled& compiled(const model::Constraint& constraint) const;
  const Compiled& compiled_locked(const model::Constraint& constraint) const;

  const model::Registry& registry_;
  const std::uint64_t id_;  // unique per runner, never reused: keys the per-thread lookup cache
  mutable std::once_flag core_keys_once_;
  mutable std::vector<std::string> core_keys_;  // sorted
  mutable std::mutex mutex_;
  mutable std::unordered_map<const model::Constraint*, std::unique_ptr<Compiled>> cache_;
};

}  // namespace fhir::validation::detail
