#include "evaluator.h"

#include <limits>

#include "decimal.h"
#include "values.h"

namespace fhir::fhirpath::detail {
namespace {

constexpr std::string_view kSystemTypes[] = {"Boolean", "String",   "Integer", "Decimal",
                                             "Date",    "DateTime", "Time",    "Quantity"};

std::string_view system_type_name(ValueKind k) {
  switch (k) {
    case ValueKind::Boolean: return "Boolean";
    case ValueKind::Integer: return "Integer";
    case ValueKind::Decimal: return "Decimal";
    case ValueKind::String: return "String";
    case ValueKind::Date: return "Date";
    case ValueKind::DateTime: return "DateTime";
    case ValueKind::Time: return "Time";
    case ValueKind::Quantity: return "Quantity";
    default: return "";
  }
}

Item make_bool(bool b) { return Item::boolean(b); }

Collection single(Item i) {
  Collection c;
  c.push_back(std::move(i));
  return c;
}

bool checked_add(std::int64_t a, std::int64_t b, std::int64_t& r) { return !__builtin_add_overflow(a, b, &r); }
bool checked_sub(std::int64_t a, std::int64_t b, std::int64_t& r) { return !__builtin_sub_overflow(a, b, &r); }
bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& r) { return !__builtin_mul_overflow(a, b, &r); }

Item decimal_item(const Decimal& d) { return Item::owned_decimal(decimal_to_string(d)); }

}  // namespace

bool ItemSet::contains(const Item& item) const {
  auto s = system_value(item);
  if (s && s->kind() == ValueKind::String && strings_.contains(s->text())) return true;
  return collection_contains(others_, item);
}

bool ItemSet::insert(const Item& item) {
  auto s = system_value(item);
  if (s && s->kind() == ValueKind::String) {
    if (strings_.contains(s->text()) || collection_contains(others_, item)) return false;
    strings_.insert(s->text());
    return true;
  }
  if (collection_contains(others_, item)) return false;
  others_.push_back(item);
  return true;
}

bool collection_contains(const Collection& c, const Item& item) {
  for (const Item& x : c) {
    if (x.is_element() && item.is_element() && x.node() == item.node() && x.extension_node() == item.extension_node())
      return true;
    auto eq = items_equal(x, item);
    if (eq && *eq) return true;
  }
  return false;
}

Evaluator::Evaluator(const EvalContext& ctx, std::uint32_t memo_slots)
    : ctx_(ctx), nav_(ctx.registry), memo_(memo_slots) {
  // %resource and %rootResource are typed on first use: most expressions never ask for them.
  if (ctx.context) {
    context_ = ctx.context;
  } else if (ctx.resource != nullptr) {
    context_ = nav_.resource(*ctx.resource);
  }
  if (context_) top_focus_.push_back(*context_);
}

Collection Evaluator::resource_collection(bool root) {
  const json::Node* node = root && ctx_.root_resource != nullptr ? ctx_.root_resource : ctx_.resource;
  if (node == nullptr) return {};
  if (context_ && context_->node() == node) return single(*context_);
  return single(nav_.resource(*node));
}

void Evaluator::fail(const AstNode& n, std::string message) {
  throw EvalFailure{Status::Error, std::move(message) + " (at offset " + std::to_string(n.offset) + ")"};
}

void Evaluator::unsupported(const AstNode& n, std::string message) {
  throw EvalFailure{Status::Unsupported, std::move(message) + " (at offset " + std::to_string(n.offset) + ")"};
}

std::optional<bool> Evaluator::boolean_of(const Collection& c, const AstNode& n) {
  bool error = false;
  auto b = to_boolean(c, &error);
  if (error) fail(n, "expected a single boolean but got " + std::to_string(c.size()) + " items");
  return b;
}

const Item* Evaluator::singleton(const Collection& c, const AstNode& n) {
  if (c.empty()) return nullptr;
  if (c.size() > 1) fail(n, "expected a single item but got " + std::to_string(c.size()));
  return &c.front();
}

Collection Evaluator::run(const AstNode& root) {
  Env env;
  env.focus = &top_focus_;
  env.this_item = context_ ? &*context_ : nullptr;
  return eval(root, env);
}

const Collection& Evaluator::input_of(const AstNode& n, const Env& env, Collection& held) {
  if (!n.input) return *env.focus;
  held = eval(*n.input, env);
  return held;
}

bool Evaluator::type_matches(const Item& item, std::string_view name) const {
  bool system_ns = false;
  if (name.starts_with("System.")) {
    name.remove_prefix(7);
    system_ns = true;
  }
  if (!item.is_element()) {
    if (name == system_type_name(item.kind())) return true;
    return false;
  }
  if (system_ns) {
    // System.X names only System values; FHIR primitives are FHIR types.
    return false;
  }
  if (nav_.is_type(item, name)) return true;
  // FHIR primitives also answer to their System type (`answer is Boolean`, `$this is DateTime`).
  bool is_system_name = false;
  for (auto s : kSystemTypes) is_system_name |= s == name;
  if (!is_system_name) return false;
  if (!item.is_primitive_element() || item.node() == nullptr) return false;
  auto sv = system_value(item);
  return sv && system_type_name(sv->kind()) == name;
}

Collection Evaluator::eval_member(const AstNode& n, const Env& env) {
  Collection held;
  const Collection& input = input_of(n, env, held);
  Collection out;
  const bool leading = !n.input;
  const bool type_like = !n.name.empty() && n.name[0] >= 'A' && n.name[0] <= 'Z';
  for (const Item& item : input) {
    // A leading type name filters the focus: `Condition.code | AllergyIntolerance.code` (as in shared search
    // parameters) gives each resource its own part and an empty result for the others.
    if (leading && type_like && item.is_element()) {
      if (nav_.is_type(item, n.name)) {
        out.push_back(item);
        continue;
      }
      const model::Registry* reg = nav_.registry();
      if (reg != nullptr && reg->is_resource_type(n.name)) continue;
    }
    // Unknown names give an empty result: collections mix types (children(), descendants()), so a name
    // missing from one item's type is not an error at run time.
    nav_.child(item, n.name, out);
  }
  return out;
}

Collection Evaluator::eval_variable(const AstNode& n) {
  const std::string& v = n.name;
  if (v == "resource") return resource_collection(false);
  if (v == "rootResource") return resource_collection(true);
  if (v == "context") return context_ ? single(*context_) : Collection{};
  if (v == "ucum") return single(Item::string("http://unitsofmeasure.org"));
  if (v == "sct") return single(Item::string("http://snomed.info/sct"));
  if (v == "loinc") return single(Item::string("http://loinc.org"));
  if (v.starts_with("vs-")) return single(Item::owned_string("http://hl7.org/fhir/ValueSet/" + v.substr(3)));
  if (v.starts_with("ext-"))
    return single(Item::owned_string("http://hl7.org/fhir/StructureDefinition/" + v.substr(4)));
  fail(n, "unknown environment variable %" + v);
}

Collection Evaluator::eval(const AstNode& n, const Env& env) {
  if (n.memo < 0 || static_cast<std::size_t>(n.memo) >= memo_.size()) return eval_node(n, env);
  std::optional<Collection>& slot = memo_[static_cast<std::size_t>(n.memo)];
  if (!slot) slot = eval_node(n, env);
  return *slot;
}

Collection Evaluator::eval_node(const AstNode& n, const Env& env) {
  switch (n.kind) {
    case NodeKind::Literal: return single(n.literal);
    case NodeKind::Empty: return {};
    case NodeKind::Member: return eval_member(n, env);
    case NodeKind::Function: return call_function(*this, n, env);
    case NodeKind::This: return env.this_item ? single(*env.this_item) : Collection{};
    case NodeKind::Index: return single(Item::integer(env.index));
    case NodeKind::Total: return env.total ? *env.total : Collection{};
    case NodeKind::Variable: return eval_variable(n);
    case NodeKind::Binary: return eval_binary(n, env);
    case NodeKind::Unary: {
      Collection c = eval(*n.args[0], env);
      const Item* i = singleton(c, n);
      if (i == nullptr) return {};
      auto s = system_value(*i);
      if (!s || !(is_numeric(*s) || s->kind() == ValueKind::Quantity)) fail(n, "unary +/- needs a number");
      if (!n.unary_minus) return single(*s);
      if (s->kind() == ValueKind::Integer) return single(Item::integer(-s->int_value()));
      Decimal d;
      parse_decimal(s->text(), d);
      std::string neg = decimal_to_string(negate_decimal(d));
      if (s->kind() == ValueKind::Quantity) return single(Item::quantity(neg, std::string(s->unit()), true));
      return single(Item::owned_decimal(neg));
    }
    case NodeKind::Indexer: {
      Collection held;
      const Collection& input = input_of(n, env, held);
      Collection idx = eval(*n.args[0], env);
      const Item* i = singleton(idx, n);
      if (i == nullptr) return {};
      auto s = system_value(*i);
      if (!s || s->kind() != ValueKind::Integer) fail(n, "index must be an integer");
      std::int64_t k = s->int_value();
      if (k < 0 || static_cast<std::size_t>(k) >= input.size()) return {};
      return single(input[static_cast<std::size_t>(k)]);
    }
    case NodeKind::TypeOp: {
      Collection c = eval(*n.args[0], env);
      Collection out;
      if (n.op == BinaryOp::Is) {
        const Item* i = singleton(c, n);
        if (i == nullptr) return {};
        return single(make_bool(type_matches(*i, n.name)));
      }
      for (const Item& i : c) {
        if (type_matches(i, n.name)) out.push_back(i);
      }
      return out;
    }
  }
  return {};
}

namespace {

Collection arithmetic(const AstNode& n, const Item& a0, const Item& b0) {
  auto sa = system_value(a0);
  auto sb = system_value(b0);
  if (!sa || !sb) return {};
  const BinaryOp op = n.op;
  if (op == BinaryOp::Add && sa->kind() == ValueKind::String && sb->kind() == ValueKind::String) {
    std::string r(sa->text());
    r += sb->text();
    return single(Item::owned_string(std::move(r)));
  }
  if (is_numeric(*sa) && is_numeric(*sb)) {
    if (sa->kind() == ValueKind::Integer && sb->kind() == ValueKind::Integer && op != BinaryOp::Div) {
      std::int64_t x = sa->int_value(), y = sb->int_value(), r = 0;
      bool ok = true;
      switch (op) {
        case BinaryOp::Add: ok = checked_add(x, y, r); break;
        case BinaryOp::Sub: ok = checked_sub(x, y, r); break;
        case BinaryOp::Mul: ok = checked_mul(x, y, r); break;
        case BinaryOp::IntDiv:
          if (y == 0) return {};
          if (x == std::numeric_limits<std::int64_t>::min() && y == -1)
            ok = false;
          else
            r = x / y;
          break;
        case BinaryOp::Mod:
          if (y == 0) return {};
          if (y == -1)
            r = 0;
          else
            r = x % y;
          break;
        default: break;
      }
      if (!ok) Evaluator::fail(n, "integer overflow");
      return single(Item::integer(r));
    }
    Decimal x = numeric_value(*sa), y = numeric_value(*sb);
    switch (op) {
      case BinaryOp::Add: return single(decimal_item(add_decimal(x, y)));
      case BinaryOp::Sub: return single(decimal_item(add_decimal(x, negate_decimal(y))));
      case BinaryOp::Mul: return single(decimal_item(multiply_decimal(x, y)));
      case BinaryOp::Div: {
        auto q = divide_decimal(x, y);
        if (!q) return {};
        return single(decimal_item(*q));
      }
      case BinaryOp::IntDiv:
      case BinaryOp::Mod: {
        auto q = divide_decimal(x, y);
        if (!q) return {};
        // truncate toward zero
        Decimal t = *q;
        if (t.exponent < 0) {
          const int drop = -t.exponent;
          if (static_cast<int>(t.digits.size()) <= drop) {
            t = Decimal{};
          } else {
            t.digits.resize(t.digits.size() - static_cast<std::size_t>(drop));
            t.exponent = 0;
          }
        }
        t.scale = 0;
        if (op == BinaryOp::IntDiv) {
          std::int64_t iv = 0;
          if (decimal_to_int(t, iv)) return single(Item::integer(iv));
          return single(decimal_item(t));
        }
        Decimal r = add_decimal(x, negate_decimal(multiply_decimal(t, y)));
        return single(decimal_item(r));
      }
      default: break;
    }
  }
  if (sa->kind() == ValueKind::Quantity && sb->kind() == ValueKind::Quantity &&
      (op == BinaryOp::Add || op == BinaryOp::Sub) && sa->unit() == sb->unit()) {
    Decimal x, y;
    parse_decimal(sa->text(), x);
    parse_decimal(sb->text(), y);
    Decimal r = add_decimal(x, op == BinaryOp::Sub ? negate_decimal(y) : y);
    return single(Item::quantity(decimal_to_string(r), std::string(sa->unit()), true));
  }
  // Quantity scaled by a number keeps its unit; products and quotients of two quantities need unit algebra.
  if ((op == BinaryOp::Mul || op == BinaryOp::Div) &&
      ((sa->kind() == ValueKind::Quantity && is_numeric(*sb)) ||
       (op == BinaryOp::Mul && is_numeric(*sa) && sb->kind() == ValueKind::Quantity))) {
    const Item& q = sa->kind() == ValueKind::Quantity ? *sa : *sb;
    const Item& k = sa->kind() == ValueKind::Quantity ? *sb : *sa;
    Decimal v;
    parse_decimal(q.text(), v);
    std::optional<Decimal> r = op == BinaryOp::Mul ? std::optional<Decimal>(multiply_decimal(v, numeric_value(k)))
                                                   : divide_decimal(v, numeric_value(k));
    if (!r) return {};
    return single(Item::quantity(decimal_to_string(*r), std::string(q.unit()), true));
  }
  if ((op == BinaryOp::Mul || op == BinaryOp::Div) && sa->kind() == ValueKind::Quantity &&
      sb->kind() == ValueKind::Quantity) {
    Evaluator::unsupported(n, "multiplying or dividing two quantities (UCUM unit algebra) is not supported");
  }
  if ((sa->kind() == ValueKind::Date || sa->kind() == ValueKind::DateTime || sa->kind() == ValueKind::Time) &&
      sb->kind() == ValueKind::Quantity && (op == BinaryOp::Add || op == BinaryOp::Sub)) {
    Temporal t;
    Decimal amount;
    if (!temporal_value(*sa, t) || !parse_decimal(sb->text(), amount)) return {};
    long double v = decimal_to_long_double(amount);
    if (op == BinaryOp::Sub) v = -v;
    auto r = add_duration(t, v, sb->unit());
    if (!r) Evaluator::fail(n, "cannot add '" + std::string(sb->unit()) + "' to a " + std::string(sa->type_name()));
    return single(Item::temporal(sa->kind(), format_temporal(*r), true));
  }
  Evaluator::fail(
      n, "operator cannot be applied to " + std::string(a0.type_name()) + " and " + std::string(b0.type_name()));
}

}  // namespace

Collection Evaluator::eval_binary(const AstNode& n, const Env& env) {
  const AstNode& l = *n.args[0];
  const AstNode& r = *n.args[1];
  switch (n.op) {
    case BinaryOp::And: {
      auto a = boolean_of(eval(l, env), l);
      if (a && !*a) return single(make_bool(false));
      auto b = boolean_of(eval(r, env), r);
      if (b && !*b) return single(make_bool(false));
      if (a && b) return single(make_bool(true));
      return {};
    }
    case BinaryOp::Or: {
      auto a = boolean_of(eval(l, env), l);
      if (a && *a) return single(make_bool(true));
      auto b = boolean_of(eval(r, env), r);
      if (b && *b) return single(make_bool(true));
      if (a && b) return single(make_bool(false));
      return {};
    }
    case BinaryOp::Xor: {
      auto a = boolean_of(eval(l, env), l);
      auto b = boolean_of(eval(r, env), r);
      if (!a || !b) return {};
      return single(make_bool(*a != *b));
    }
    case BinaryOp::Implies: {
      auto a = boolean_of(eval(l, env), l);
      if (a && !*a) return single(make_bool(true));
      auto b = boolean_of(eval(r, env), r);
      if (b && *b) return single(make_bool(true));
      if (a && b) return single(make_bool(false));
      return {};
    }
    default: break;
  }
  Collection a = eval(l, env);
  Collection b = eval(r, env);
  switch (n.op) {
    case BinaryOp::Union: {
      Collection out;
      ItemSet seen;
      for (const Collection* c : {&a, &b}) {
        for (const Item& i : *c) {
          if (seen.insert(i)) out.push_back(i);
        }
      }
      return out;
    }
    case BinaryOp::Eq:
    case BinaryOp::Ne: {
      if (a.empty() || b.empty()) return {};
      bool eq = a.size() == b.size();
      for (std::size_t i = 0; eq && i < a.size(); ++i) {
        auto e = items_equal(a[i], b[i]);
        if (!e) return {};
        eq = *e;
      }
      return single(make_bool(n.op == BinaryOp::Eq ? eq : !eq));
    }
    case BinaryOp::Equiv:
    case BinaryOp::NotEquiv: {
      bool eq = a.size() == b.size();
      for (std::size_t i = 0; eq && i < a.size(); ++i) {
        bool found = false;
        for (const Item& y : b) found = found || items_equivalent(a[i], y);
        eq = found;
      }
      return single(make_bool(n.op == BinaryOp::Equiv ? eq : !eq));
    }
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge: {
      const Item* x = singleton(a, l);
      const Item* y = singleton(b, r);
      if (x == nullptr || y == nullptr) return {};
      int c = 0;
      switch (compare_items(*x, *y, c)) {
        case CompareOutcome::Unknown: return {};
        case CompareOutcome::Incompatible:
          fail(n, "cannot compare " + std::string(x->type_name()) + " with " + std::string(y->type_name()));
        case CompareOutcome::Ok: break;
      }
      bool res = n.op == BinaryOp::Lt ? c < 0 : n.op == BinaryOp::Le ? c <= 0 : n.op == BinaryOp::Gt ? c > 0 : c >= 0;
      return single(make_bool(res));
    }
    case BinaryOp::In:
    case BinaryOp::Contains: {
      const Collection& needle_c = n.op == BinaryOp::In ? a : b;
      const Collection& hay = n.op == BinaryOp::In ? b : a;
      const Item* needle = singleton(needle_c, n.op == BinaryOp::In ? l : r);
      if (needle == nullptr) return {};
      for (const Item& h : hay) {
        auto e = items_equal(*needle, h);
        if (e && *e) return single(make_bool(true));
      }
      return single(make_bool(false));
    }
    case BinaryOp::Concat: {
      std::string s;
      for (const Collection* c : {&a, &b}) {
        const Item* x = singleton(*c, n);
        if (x == nullptr) continue;
        auto v = string_value(*x);
        if (!v) fail(n, "'&' needs strings");
        s += *v;
      }
      return single(Item::owned_string(std::move(s)));
    }
    default: {
      const Item* x = singleton(a, l);
      const Item* y = singleton(b, r);
      if (x == nullptr || y == nullptr) return {};
      return arithmetic(n, *x, *y);
    }
  }
}

}  // namespace fhir::fhirpath::detail
