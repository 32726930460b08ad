// Public entry points: Item, compile(), evaluate().
#include <utility>

#include "ast.h"
#include "evaluator.h"
#include "fhir/fhirpath/fhirpath.h"
#include "memo_plan.h"
#include "navigation.h"
#include "parser.h"

namespace fhir::fhirpath {

class Expression {
 public:
  std::string text;
  std::unique_ptr<detail::AstNode> root;
  std::uint32_t memo_slots = 0;
};

// --- Item ---

Item Item::element(const json::Node* value, const json::Node* extension, ElementType type) {
  Item i;
  i.kind_ = ValueKind::Element;
  i.node_ = value;
  i.ext_ = extension;
  i.type_ = type;
  return i;
}

Item Item::owned_element(std::shared_ptr<const json::Node> node) {
  Item i = element(node.get(), nullptr, {});
  i.storage_ = std::move(node);
  return i;
}

Item Item::boolean(bool b) {
  Item i;
  i.kind_ = ValueKind::Boolean;
  i.bool_ = b;
  return i;
}

Item Item::integer(std::int64_t v) {
  Item i;
  i.kind_ = ValueKind::Integer;
  i.int_ = v;
  return i;
}

Item Item::decimal(std::string_view text) {
  Item i;
  i.kind_ = ValueKind::Decimal;
  i.text_ = text;
  return i;
}

Item Item::string(std::string_view text) {
  Item i;
  i.kind_ = ValueKind::String;
  i.text_ = text;
  return i;
}

Item Item::owned_string(std::string text) {
  auto s = std::make_shared<const std::string>(std::move(text));
  Item i = string(*s);
  i.storage_ = std::move(s);
  return i;
}

Item Item::owned_decimal(std::string text) {
  auto s = std::make_shared<const std::string>(std::move(text));
  Item i = decimal(*s);
  i.storage_ = std::move(s);
  return i;
}

Item Item::temporal(ValueKind kind, std::string_view iso_text, bool owned) {
  Item i;
  i.kind_ = kind;
  if (owned) {
    auto s = std::make_shared<const std::string>(iso_text);
    i.text_ = *s;
    i.storage_ = std::move(s);
  } else {
    i.text_ = iso_text;
  }
  return i;
}

Item Item::quantity(std::string_view value, std::string_view unit, bool owned) {
  Item i;
  i.kind_ = ValueKind::Quantity;
  if (owned) {
    // one buffer: value then unit
    auto s = std::make_shared<std::string>();
    s->reserve(value.size() + unit.size());
    s->append(value);
    s->append(unit);
    i.text_ = std::string_view(*s).substr(0, value.size());
    i.unit_ = std::string_view(*s).substr(value.size());
    i.storage_ = std::move(s);
  } else {
    i.text_ = value;
    i.unit_ = unit;
  }
  return i;
}

bool Item::is_primitive_element() const noexcept {
  return kind_ == ValueKind::Element && (node_ == nullptr || node_->is_primitive());
}

std::string_view Item::type_name() const noexcept {
  switch (kind_) {
    case ValueKind::Element: return type_.name;
    case ValueKind::Boolean: return "Boolean";
    case ValueKind::Integer: return "Integer";
    case ValueKind::Decimal: return "Decimal";
    case ValueKind::String: return "String";
    case ValueKind::Date: return "Date";
    case ValueKind::DateTime: return "DateTime";
    case ValueKind::Time: return "Time";
    case ValueKind::Quantity: return "Quantity";
  }
  return {};
}

// --- compile / evaluate ---

CompileResult compile(std::string_view text) { return compile(text, CompileOptions{}); }

CompileResult compile(std::string_view text, const CompileOptions& options) {
  CompileResult r;
  auto expr = std::make_shared<Expression>();
  expr->text.assign(text);
  auto parsed = detail::parse_expression(expr->text);
  if (!parsed.root) {
    r.error = std::move(parsed.error);
    r.error_offset = parsed.error_offset;
    return r;
  }
  expr->root = std::move(parsed.root);
  if (options.reuse_results) expr->memo_slots = detail::plan_memo_slots(*expr->root);
  r.expression = std::move(expr);
  return r;
}

const std::string& source_text(const Expression& expression) { return expression.text; }

namespace {
void collect_unsupported(const detail::AstNode& n, std::vector<std::string>& out) {
  if (n.kind == detail::NodeKind::Function && n.function == detail::FunctionId::Unknown) out.push_back(n.name);
  if (n.input) collect_unsupported(*n.input, out);
  for (const auto& a : n.args) collect_unsupported(*a, out);
}
}  // namespace

std::vector<std::string> unsupported_functions(const Expression& expression) {
  std::vector<std::string> out;
  collect_unsupported(*expression.root, out);
  return out;
}

EvalResult evaluate(const Expression& expression, const EvalContext& context) {
  EvalResult r;
  try {
    detail::Evaluator ev(context, expression.memo_slots);
    r.items = ev.run(*expression.root);
  } catch (const detail::EvalFailure& f) {
    r.items.clear();
    r.status = f.status;
    r.message = f.message;
  }
  return r;
}

Item resource_item(const model::Registry* registry, const json::Node& resource) {
  return detail::Navigator(registry).resource(resource);
}

std::optional<bool> to_boolean(const Collection& items, bool* error) {
  if (error != nullptr) *error = false;
  if (items.empty()) return std::nullopt;
  if (items.size() > 1) {
    if (error != nullptr) *error = true;
    return std::nullopt;
  }
  const Item& i = items.front();
  if (i.kind() == ValueKind::Boolean) return i.bool_value();
  if (i.is_element() && i.node() != nullptr && i.node()->is_bool()) return i.node()->as_bool();
  return true;
}

}  // namespace fhir::fhirpath
