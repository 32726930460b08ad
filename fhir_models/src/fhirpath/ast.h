// The FHIRPath abstract syntax tree, built once by the parser and read by the evaluator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fhir/fhirpath/fhirpath.h"
#include "function_table.h"
#include "regex.h"

namespace fhir::fhirpath::detail {

enum class NodeKind : unsigned char {
  Literal,   // literal item
  Empty,     // {}
  Member,    // identifier navigation: input.name (input null = focus)
  Function,  // input.name(args) (input null = focus)
  This,      // $this
  Index,     // $index
  Total,     // $total
  Variable,  // %name
  Binary,    // args[0] op args[1]
  Unary,     // op args[0] (+ or -)
  Indexer,   // input[args[0]]
  TypeOp,    // args[0] is/as type_name
};

enum class BinaryOp : unsigned char {
  Mul,
  Div,
  IntDiv,
  Mod,
  Add,
  Sub,
  Concat,
  Union,
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Ne,
  Equiv,
  NotEquiv,
  In,
  Contains,
  And,
  Or,
  Xor,
  Implies,
  Is,
  As,
};

struct AstNode {
  NodeKind kind = NodeKind::Literal;
  std::size_t offset = 0;    // in the source text
  Item literal;              // Literal
  std::string name;          // Member/Function/Variable name; TypeOp/type functions: the type name
  std::string literal_text;  // storage for literal text (Item views it)
  std::string literal_unit;
  FunctionId function = FunctionId::Unknown;
  BinaryOp op = BinaryOp::Eq;
  bool unary_minus = false;
  std::unique_ptr<AstNode> input;              // Member/Function/Indexer input (nullptr = focus)
  std::vector<std::unique_ptr<AstNode>> args;  // function arguments / operands
  std::shared_ptr<const Regex> regex;          // matches/replaceMatches with a literal pattern, compiled once
  std::int32_t memo = -1;                      // result slot reused within one evaluation (memo_plan.h)
};

}  // namespace fhir::fhirpath::detail
