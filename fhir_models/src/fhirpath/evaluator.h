// The FHIRPath tree-walking evaluator (internal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

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
  const Item* this_item = nullptr;    // $this
  std::int64_t index = 0;             // $index
  const Collection* total = nullptr;  // $total (aggregate)
};

class Evaluator {
 public:
  // `memo_slots`: the number of memo slots of the expression (memo_plan.h).
  explicit Evaluator(const EvalContext& ctx, std::uint32_t memo_slots = 0);

  Collection run(const AstNode& root);
  Collection eval(const AstNode& n, const Env& env);
  // The input collection of a Member/Function node: its explicit input (evaluated into `held`) or the
  // focus (not copied).
  const Collection& input_of(const AstNode& n, const Env& env, Collection& held);

  const Navigator& nav() const { return nav_; }
  const EvalContext& context() const { return ctx_; }

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
  Collection eval_node(const AstNode& n, const Env& env);

  const EvalContext& ctx_;
  Navigator nav_;
  Collection resource_collection(bool root);  // %resource / %rootResource

  std::optional<Item> context_;
  Collection top_focus_;
  std::vector<std::optional<Collection>> memo_;
};

// functions.cpp
Collection call_function(Evaluator& ev, const AstNode& n, const Env& env);

// Collection helpers shared by operators and functions.
bool collection_contains(const Collection& c, const Item& item);

// Items under FHIRPath equality, for distinct(), union and friends: strings (the common case: codes, ids,
// urls) are hashed, other items compared pairwise.
// insert() views the item's text: the item must outlive the set (the constructor keeps its items).
class ItemSet {
 public:
  ItemSet() = default;
  explicit ItemSet(Collection items) : held_(std::move(items)) {
    for (const Item& i : held_) insert(i);
  }
  bool contains(const Item& item) const;
  bool insert(const Item& item);  // false if an equal item was there already

 private:
  Collection held_;
  std::unordered_set<std::string_view> strings_;
  Collection others_;
};

}  // namespace fhir::fhirpath::detail
