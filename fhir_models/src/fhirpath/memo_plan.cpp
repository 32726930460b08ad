#include "memo_plan.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace fhir::fhirpath::detail {
namespace {

struct NodeFacts {
  AstNode* node = nullptr;
  std::string key;         // structural identity: equal keys mean equal subtrees
  bool top_scope = false;  // evaluated with the top-level focus only (outside every lambda argument)
  bool env_free = false;   // value independent of focus/$this/$index/$total
  bool traced = false;     // the subtree calls trace()
};

class Planner {
 public:
  void visit(AstNode& n, bool top_scope, NodeFacts& out) {
    out.node = &n;
    out.top_scope = top_scope;
    out.key = std::to_string(static_cast<int>(n.kind)) + ':' + n.name + ':' + std::to_string(static_cast<int>(n.op)) +
              ':' + std::to_string(static_cast<int>(n.function)) + (n.unary_minus ? "-" : "+") +
              std::to_string(static_cast<int>(n.literal.kind())) + '\'' + n.literal_text + '\'' + n.literal_unit + '(';
    bool env_free = true;
    bool traced = n.kind == NodeKind::Function && n.function == FunctionId::Trace;
    switch (n.kind) {
      case NodeKind::This:
      case NodeKind::Index:
      case NodeKind::Total: env_free = false; break;
      case NodeKind::Member:
      case NodeKind::Function:
        if (!n.input) env_free = false;  // reads the focus
        break;
      default: break;
    }
    // iif() with an input evaluates its arguments on that input, like a lambda.
    const bool args_rescoped = n.kind == NodeKind::Function && n.function == FunctionId::Iif && n.input;
    if (n.input) {
      NodeFacts f;
      visit(*n.input, top_scope, f);
      env_free = env_free && f.env_free;
      traced = traced || f.traced;
      out.key += f.key;
      record(std::move(f));
    }
    out.key += '|';
    for (std::size_t k = 0; k < n.args.size(); ++k) {
      const bool type_arg = n.kind == NodeKind::Function && takes_type_argument(n.function);
      const bool lambda = n.kind == NodeKind::Function && (is_lambda_argument(n.function, k) || args_rescoped);
      NodeFacts f;
      visit(*n.args[k], top_scope && !lambda, f);
      // A lambda argument sees only its own items (and environment variables); a type argument is a name.
      // iif() keeps the caller's $index/$total, and its $this when the input is not a single item.
      if ((!lambda || args_rescoped) && !type_arg) env_free = env_free && f.env_free;
      // $total inside aggregate()'s lambda comes from outside the lambda.
      if (lambda && n.function != FunctionId::Aggregate && contains_total(*n.args[k])) env_free = false;
      traced = traced || f.traced;
      out.key += f.key;
      out.key += ',';
      record(std::move(f));
    }
    out.key += ')';
    out.env_free = env_free;
    out.traced = traced;
  }

  void record(NodeFacts f) { facts_.push_back(std::move(f)); }

  std::uint32_t assign() {
    std::unordered_map<std::string, std::vector<AstNode*>> shared;  // top-scope or env-free nodes by key
    for (const NodeFacts& f : facts_) {
      if (f.traced || !worth_memo(*f.node)) continue;
      if (f.env_free || f.top_scope) shared[f.key].push_back(f.node);
    }
    std::uint32_t slots = 0;
    for (const NodeFacts& f : facts_) {
      if (f.traced || !worth_memo(*f.node) || !(f.env_free || f.top_scope)) continue;
      auto& group = shared[f.key];
      // Env-free nodes inside a lambda are re-evaluated per item: always worth a slot. Top-scope nodes are
      // evaluated once unless the same subexpression is written again.
      if (!(group.size() > 1 || (f.env_free && !f.top_scope))) continue;
      if (group.front()->memo < 0) group.front()->memo = static_cast<std::int32_t>(slots++);
      f.node->memo = group.front()->memo;
    }
    return slots;
  }

 private:
  static bool worth_memo(const AstNode& n) {
    return n.kind == NodeKind::Member || n.kind == NodeKind::Function || n.kind == NodeKind::Binary ||
           n.kind == NodeKind::Variable || n.kind == NodeKind::TypeOp || n.kind == NodeKind::Indexer ||
           n.kind == NodeKind::Unary;
  }
  static bool contains_total(const AstNode& n) {
    if (n.kind == NodeKind::Total) return true;
    if (n.input && contains_total(*n.input)) return true;
    for (const auto& a : n.args)
      if (contains_total(*a)) return true;
    return false;
  }

  std::vector<NodeFacts> facts_;
};

}  // namespace

std::uint32_t plan_memo_slots(AstNode& root) {
  Planner p;
  NodeFacts f;
  p.visit(root, true, f);
  p.record(std::move(f));
  return p.assign();
}

}  // namespace fhir::fhirpath::detail
