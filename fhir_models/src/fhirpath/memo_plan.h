// Evaluation plan: which AST nodes may reuse their result within one evaluation.
//
// Two kinds of nodes give the same collection every time they are evaluated during one evaluate() call:
// - nodes that do not read the focus, $this, $index or $total (e.g. `%resource.snapshot.element.first().path`
//   inside an all() lambda): without a memo they are recomputed for every item, which makes sdf-8 quadratic;
// - nodes outside any lambda argument, which always see the top-level focus: when such a subexpression is
//   written several times (sdf-9 repeats `children().element.where(...)` three times) it is computed once.
// Those nodes get a memo slot; the evaluator fills the slot on first use (so short-circuiting and errors are
// unchanged) and answers later evaluations from it. Subtrees that call trace() keep their side effect and
// are never memoized.
#pragma once

#include <cstdint>

#include "ast.h"

namespace fhir::fhirpath::detail {

// Assigns AstNode::memo slots in the tree; returns the number of slots used.
std::uint32_t plan_memo_slots(AstNode& root);

}  // namespace fhir::fhirpath::detail
