// The FHIRPath tree-walking evaluator (internal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ast.h"
#include "fhir/fhirpath/fhirpath.h"
#include "navigation.h"

namespace fhir::fhirpath::detail {

// Thrown inside the evaluator, turned into EvalResult::status/message at the API boundary.
struct EvalFailure {
  Status status;
  std::string message;
};

// Where an expression is evaluated: identifiers at its start apply to `focus`.
struct Env {
  const Collection* focus = nullptr;
  const Item* this_item = nullptr;  // $this
  std::int64_t index = 0;           // $index
  const Collection* total = nullptr;  // $total (aggregate)
};

class Evaluator {
 public:
  explicit Evaluator(const EvalContext& ctx);

  Collection run(const AstNode& root);
  Collection eval(const AstNode& n, const Env& env);
  // The input collection of a Member/Function node: its explicit input or the focus.
  Collection input_of(const AstNode& n, const Env& env);

  const Navigator& nav() const { return nav_; }
  const EvalContext& context() const { return ctx_; }
  const Item* resource_item() const { return resource_ ? &*resource_ : nullptr; }
  const Item* root_item() const { return root_ ? &*root_ : nullptr; }

  bool type_matches(const Item& item, std::string_view type_name) const;

  [[noreturn]] static void fail(const AstNode& n, std::string message);
  [[noreturn]] static void unsupported(const AstNode& n, std::string message);

  // Singleton evaluation helpers (errors name the node).
  static std::optional<bool> boolean_of(const Collection& c, const AstNode& n);
  static const Item* singleton(const Collection& c, const AstNode& n);

 private:
  Collection eval_binary(const AstNode& n, const Env& env);
  Collection eval_member(const AstNode& n, const Env& env);
  Collection eval_variable(const AstNode& n);

  const EvalContext& ctx_;
  Navigator nav_;
  std::optional<Item> resource_, root_, context_;
  Collection top_focus_;
};

// functions.cpp
Collection call_function(Evaluator& ev, const AstNode& n, const Env& env);

// Collection helpers shared by operators and functions.
void append_distinct(Collection& out, const Item& item);
bool collection_contains(const Collection& c, const Item& item);

}  // namespace fhir::fhirpath::detail
