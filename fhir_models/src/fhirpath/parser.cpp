#include "parser.h"

#include <utility>
#include <vector>

#include "lexer.h"
#include "temporal.h"

namespace fhir::fhirpath::detail {
namespace {

struct SyntaxError {
  std::string message;
  std::size_t offset;
};

// Binding powers, lowest first, as in the FHIRPath grammar (its rule order is normative; 'is'/'as' bind
// looser than equality, so `1 > 2 is Boolean` is `(1 > 2) is Boolean`).
enum : int {
  kImplies = 1,
  kOrXor,
  kAnd,
  kMembership,
  kTypeOp,
  kEquality,
  kInequality,
  kUnion,
  kAdditive,
  kMultiplicative,
  kUnary,
  kPostfix,
};

// Bounds that keep parsing and the recursive evaluator far from the stack limit on hostile input; the
// longest constraint in the R4 and mCODE packages has about 200 tokens and nests 6 deep.
constexpr int kMaxNesting = 128;
constexpr std::size_t kMaxTokens = 4000;

constexpr std::string_view kCalendarUnits[] = {"year",   "years",   "month",       "months",      "week",   "weeks",
                                               "day",    "days",    "hour",        "hours",       "minute", "minutes",
                                               "second", "seconds", "millisecond", "milliseconds"};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  std::unique_ptr<AstNode> parse_all() {
    auto e = parse(0);
    if (peek().kind != Tok::End) fail("unexpected " + describe(peek()));
    return e;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = pos_ + ahead;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  [[noreturn]] void fail(std::string message, std::size_t offset) const {
    throw SyntaxError{std::move(message), offset};
  }
  [[noreturn]] void fail(std::string message) const { fail(std::move(message), peek().offset); }
  static std::string describe(const Token& t) {
    if (t.kind == Tok::End) return "end of expression";
    return "'" + std::string(t.text) + "'";
  }
  bool is_punct(const Token& t, std::string_view p) const { return t.kind == Tok::Punct && t.text == p; }
  bool is_keyword(const Token& t, std::string_view k) const {
    return t.kind == Tok::Identifier && !t.delimited && t.value == k;
  }
  void expect(std::string_view p) {
    if (!is_punct(peek(), p)) fail("expected '" + std::string(p) + "' but found " + describe(peek()));
    next();
  }

  static std::unique_ptr<AstNode> make(NodeKind k, std::size_t offset) {
    auto n = std::make_unique<AstNode>();
    n->kind = k;
    n->offset = offset;
    return n;
  }

  // The infix operator at the current token, if any: its binding power and op.
  bool infix(int& bp, BinaryOp& op) const {
    const Token& t = peek();
    if (t.kind == Tok::Punct) {
      static constexpr std::pair<std::string_view, std::pair<int, BinaryOp>> ops[] = {
          {"*", {kMultiplicative, BinaryOp::Mul}}, {"/", {kMultiplicative, BinaryOp::Div}},
          {"+", {kAdditive, BinaryOp::Add}},       {"-", {kAdditive, BinaryOp::Sub}},
          {"&", {kAdditive, BinaryOp::Concat}},    {"|", {kUnion, BinaryOp::Union}},
          {"<", {kInequality, BinaryOp::Lt}},      {"<=", {kInequality, BinaryOp::Le}},
          {">", {kInequality, BinaryOp::Gt}},      {">=", {kInequality, BinaryOp::Ge}},
          {"=", {kEquality, BinaryOp::Eq}},        {"!=", {kEquality, BinaryOp::Ne}},
          {"~", {kEquality, BinaryOp::Equiv}},     {"!~", {kEquality, BinaryOp::NotEquiv}},
      };
      for (const auto& [text, v] : ops) {
        if (t.text == text) {
          bp = v.first;
          op = v.second;
          return true;
        }
      }
      return false;
    }
    if (t.kind != Tok::Identifier || t.delimited) return false;
    static constexpr std::pair<std::string_view, std::pair<int, BinaryOp>> words[] = {
        {"div", {kMultiplicative, BinaryOp::IntDiv}},
        {"mod", {kMultiplicative, BinaryOp::Mod}},
        {"is", {kTypeOp, BinaryOp::Is}},
        {"as", {kTypeOp, BinaryOp::As}},
        {"in", {kMembership, BinaryOp::In}},
        {"contains", {kMembership, BinaryOp::Contains}},
        {"and", {kAnd, BinaryOp::And}},
        {"or", {kOrXor, BinaryOp::Or}},
        {"xor", {kOrXor, BinaryOp::Xor}},
        {"implies", {kImplies, BinaryOp::Implies}},
    };
    for (const auto& [text, v] : words) {
      if (t.value == text) {
        bp = v.first;
        op = v.second;
        return true;
      }
    }
    return false;
  }

  std::unique_ptr<AstNode> parse(int min_bp) {
    struct DepthGuard {
      int& d;
      explicit DepthGuard(int& depth) : d(++depth) {}
      ~DepthGuard() { --d; }
    } guard(depth_);
    if (depth_ > kMaxNesting) fail("expression nested too deeply");
    auto lhs = parse_prefix();
    while (true) {
      int bp = 0;
      BinaryOp op{};
      if (!infix(bp, op) || bp <= min_bp) break;
      const std::size_t off = next().offset;
      if (op == BinaryOp::Is || op == BinaryOp::As) {
        auto n = make(NodeKind::TypeOp, off);
        n->op = op;
        n->name = parse_type_specifier();
        n->args.push_back(std::move(lhs));
        lhs = std::move(n);
        continue;
      }
      auto rhs = parse(bp);
      auto n = make(NodeKind::Binary, off);
      n->op = op;
      n->args.push_back(std::move(lhs));
      n->args.push_back(std::move(rhs));
      lhs = std::move(n);
    }
    return lhs;
  }

  std::string parse_type_specifier() {
    if (peek().kind != Tok::Identifier) fail("expected a type name but found " + describe(peek()));
    std::string name = next().value;
    while (is_punct(peek(), ".") && peek(1).kind == Tok::Identifier) {
      next();
      name += '.';
      name += next().value;
    }
    return name;
  }

  std::unique_ptr<AstNode> parse_prefix() {
    const Token& t = peek();
    std::unique_ptr<AstNode> term;
    if (is_punct(t, "+") || is_punct(t, "-")) {
      const bool minus = t.text == "-";
      const std::size_t off = next().offset;
      auto operand = parse(kUnary);
      if (minus && operand->kind == NodeKind::Literal &&
          (operand->literal.kind() == ValueKind::Integer || operand->literal.kind() == ValueKind::Decimal ||
           operand->literal.kind() == ValueKind::Quantity)) {
        negate_literal(*operand);
        return operand;
      }
      term = make(NodeKind::Unary, off);
      term->unary_minus = minus;
      term->args.push_back(std::move(operand));
      return term;
    }
    term = parse_term();
    return parse_postfix(std::move(term));
  }

  static void negate_literal(AstNode& n) {
    if (n.literal.kind() == ValueKind::Integer) {
      n.literal = Item::integer(-n.literal.int_value());
      return;
    }
    n.literal_text.insert(n.literal_text.begin(), '-');
    if (n.literal.kind() == ValueKind::Decimal) {
      n.literal = Item::decimal(n.literal_text);
    } else {
      n.literal = Item::quantity(n.literal_text, n.literal_unit);
    }
  }

  std::unique_ptr<AstNode> parse_postfix(std::unique_ptr<AstNode> lhs) {
    while (true) {
      if (is_punct(peek(), ".")) {
        next();
        const Token& id = peek();
        if (id.kind != Tok::Identifier) fail("expected a name after '.' but found " + describe(id));
        next();
        lhs = parse_invocation(id, std::move(lhs));
      } else if (is_punct(peek(), "[")) {
        const std::size_t off = next().offset;
        auto n = make(NodeKind::Indexer, off);
        n->input = std::move(lhs);
        n->args.push_back(parse(0));
        expect("]");
        lhs = std::move(n);
      } else {
        return lhs;
      }
    }
  }

  // identifier or function call (the identifier token was consumed).
  std::unique_ptr<AstNode> parse_invocation(const Token& id, std::unique_ptr<AstNode> input) {
    if (!is_punct(peek(), "(")) {
      auto n = make(NodeKind::Member, id.offset);
      n->name = id.value;
      n->input = std::move(input);
      return n;
    }
    next();  // (
    auto n = make(NodeKind::Function, id.offset);
    n->name = id.value;
    n->input = std::move(input);
    if (!is_punct(peek(), ")")) {
      while (true) {
        n->args.push_back(parse(0));
        if (is_punct(peek(), ",")) {
          next();
          continue;
        }
        break;
      }
    }
    expect(")");
    resolve_function(*n);
    return n;
  }

  void resolve_function(AstNode& n) {
    const FunctionInfo* info = find_function(n.name);
    if (info == nullptr) return;  // unknown: Unsupported at evaluation
    if (n.args.size() < info->min_args || n.args.size() > info->max_args) {
      fail("function '" + n.name + "' takes " + std::to_string(info->min_args) +
               (info->max_args != info->min_args ? ".." + std::to_string(info->max_args) : std::string()) +
               " argument(s), " + std::to_string(n.args.size()) + " given",
           n.offset);
    }
    n.function = info->id;
    if (takes_type_argument(info->id)) {
      std::string type;
      if (!qualified_name(*n.args[0], type)) fail("function '" + n.name + "' needs a type name", n.args[0]->offset);
      n.literal_text = std::move(type);
      n.args.clear();
    }
    if ((info->id == FunctionId::Matches || info->id == FunctionId::ReplaceMatches) &&
        n.args[0]->kind == NodeKind::Literal && n.args[0]->literal.kind() == ValueKind::String) {
      std::string ignored;  // an invalid pattern is left unset: evaluation reports it as an error
      n.regex = compile_regex(n.args[0]->literal.text(), &ignored);
    }
  }

  static bool qualified_name(const AstNode& n, std::string& out) {
    if (n.kind != NodeKind::Member) return false;
    if (n.input) {
      if (!qualified_name(*n.input, out)) return false;
      out += '.';
    }
    out += n.name;
    return true;
  }

  std::unique_ptr<AstNode> parse_term() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Number: {
        next();
        auto n = make(NodeKind::Literal, t.offset);
        n->literal_text = std::string(t.text);
        const Token& u = peek();
        std::string unit;
        if (u.kind == Tok::String) {
          unit = u.value;
          next();
        } else if (u.kind == Tok::Identifier && !u.delimited) {
          for (auto cu : kCalendarUnits) {
            if (u.value == cu) {
              unit = u.value;
              next();
              break;
            }
          }
        }
        if (!unit.empty() || u.kind == Tok::String) {
          n->literal_unit = std::move(unit);
          n->literal = Item::quantity(n->literal_text, n->literal_unit);
        } else if (t.text.find('.') != std::string_view::npos) {
          n->literal = Item::decimal(n->literal_text);
        } else {
          std::int64_t v = 0;
          for (char c : t.text) {
            if (v > (INT64_MAX - (c - '0')) / 10) fail("integer literal out of range", t.offset);
            v = v * 10 + (c - '0');
          }
          n->literal = Item::integer(v);
        }
        return n;
      }
      case Tok::String: {
        next();
        auto n = make(NodeKind::Literal, t.offset);
        n->literal_text = t.value;
        n->literal = Item::string(n->literal_text);
        return n;
      }
      case Tok::DateTime:
      case Tok::Time: {
        next();
        auto n = make(NodeKind::Literal, t.offset);
        n->literal_text = t.value;
        ValueKind kind = ValueKind::Time;
        if (t.kind == Tok::DateTime) {
          // @2020-01-01T is a DateTime with date precision
          kind = t.value.find('T') == std::string::npos ? ValueKind::Date : ValueKind::DateTime;
          if (n->literal_text.back() == 'T') n->literal_text.pop_back();
        }
        Temporal parsed;
        if (!parse_temporal(n->literal_text, kind, parsed)) fail("invalid date/time literal " + describe(t), t.offset);
        n->literal = Item::temporal(kind, n->literal_text);
        return n;
      }
      case Tok::Variable: {
        next();
        auto n = make(NodeKind::Variable, t.offset);
        n->name = t.value;
        return n;
      }
      case Tok::Special: {
        next();
        NodeKind k = t.value == "$this" ? NodeKind::This : t.value == "$index" ? NodeKind::Index : NodeKind::Total;
        return make(k, t.offset);
      }
      case Tok::Identifier: {
        next();
        if (!t.delimited && (t.value == "true" || t.value == "false") && !is_punct(peek(), "(")) {
          auto n = make(NodeKind::Literal, t.offset);
          n->literal = Item::boolean(t.value == "true");
          return n;
        }
        return parse_invocation(t, nullptr);
      }
      case Tok::Punct:
        if (t.text == "(") {
          next();
          auto e = parse(0);
          expect(")");
          return e;
        }
        if (t.text == "{") {
          next();
          expect("}");
          return make(NodeKind::Empty, t.offset);
        }
        break;
      case Tok::End: break;
    }
    fail("unexpected " + describe(t));
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

ParseOutcome parse_expression(std::string_view text) {
  ParseOutcome out;
  std::vector<Token> tokens;
  LexError lex_error;
  if (!tokenize(text, tokens, &lex_error)) {
    out.error = lex_error.message;
    out.error_offset = lex_error.offset;
    return out;
  }
  if (tokens.size() > kMaxTokens) {
    out.error = "expression too long (more than " + std::to_string(kMaxTokens) + " tokens)";
    out.error_offset = tokens[kMaxTokens].offset;
    return out;
  }
  try {
    Parser p(std::move(tokens));
    out.root = p.parse_all();
  } catch (const SyntaxError& e) {
    out.error = e.message;
    out.error_offset = e.offset;
  }
  return out;
}

}  // namespace fhir::fhirpath::detail
