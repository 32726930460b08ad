// The FHIRPath function library (N1 functions plus the FHIR additions used by R4 and profile constraints).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "decimal.h"
#include "evaluator.h"
#include "html_checks.h"
#include "regex.h"
#include "values.h"

namespace fhir::fhirpath::detail {
namespace {

using F = FunctionId;

constexpr std::size_t kMaxRegexSubject = 4096;

// Strings are UTF-8; FHIRPath positions and lengths count characters.
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += is_continuation(c) ? 0 : 1;
  return n;
}
// Byte offset of character `index` (s.size() when past the end).
std::size_t utf8_offset(std::string_view s, std::size_t index) {
  std::size_t i = 0;
  while (i < s.size() && index > 0) {
    ++i;
    while (i < s.size() && is_continuation(s[i])) ++i;
    --index;
  }
  return i;
}

Collection one(Item i) {
  Collection c;
  c.push_back(std::move(i));
  return c;
}
Collection boolean(bool b) { return one(Item::boolean(b)); }

// Evaluates argument `k` once, in the caller's environment.
Collection arg(Evaluator& ev, const AstNode& n, std::size_t k, const Env& env) { return ev.eval(*n.args[k], env); }

// A single Integer argument (nullopt if empty).
std::optional<std::int64_t> int_arg(Evaluator& ev, const AstNode& n, std::size_t k, const Env& env) {
  Collection c = arg(ev, n, k, env);
  const Item* i = Evaluator::singleton(c, *n.args[k]);
  if (i == nullptr) return std::nullopt;
  auto s = system_value(*i);
  if (!s || s->kind() != ValueKind::Integer) Evaluator::fail(*n.args[k], "expected an integer argument");
  return s->int_value();
}

// A single String argument (nullopt if empty). The returned text lives in `hold`.
std::optional<std::string_view> string_arg(Evaluator& ev, const AstNode& n, std::size_t k, const Env& env,
                                           Collection& hold) {
  hold = arg(ev, n, k, env);
  const Item* i = Evaluator::singleton(hold, *n.args[k]);
  if (i == nullptr) return std::nullopt;
  auto s = system_value(*i);
  if (!s || s->kind() != ValueKind::String) Evaluator::fail(*n.args[k], "expected a string argument");
  hold.front() = *s;
  return hold.front().text();
}

// The input as a single String (nullopt if empty); errors if it is not a string.
std::optional<Item> string_input(const Collection& input, const AstNode& n) {
  const Item* i = Evaluator::singleton(input, n);
  if (i == nullptr) return std::nullopt;
  auto s = system_value(*i);
  if (!s) return std::nullopt;
  if (s->kind() != ValueKind::String) Evaluator::fail(n, "function '" + n.name + "' needs a string input");
  return s;
}

// Runs a lambda argument for each input item with $this/$index bound.
template <typename Fn>
void for_each_lambda(Evaluator& ev, const AstNode& expr, const Collection& input, const Env& outer, Fn&& fn) {
  Collection focus(1);
  for (std::size_t i = 0; i < input.size(); ++i) {
    focus[0] = input[i];
    Env env;
    env.focus = &focus;
    env.this_item = &focus[0];
    env.index = static_cast<std::int64_t>(i);
    env.total = outer.total;
    if (!fn(i, ev.eval(expr, env))) return;
  }
}

std::optional<std::int64_t> parse_integer_text(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return std::nullopt;
  for (std::size_t k = i; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
  }
  Decimal d;
  std::int64_t v = 0;
  if (!parse_decimal(s, d) || !decimal_to_int(d, v)) return std::nullopt;
  return v;
}

std::optional<Item> to_integer(const Item& s) {
  switch (s.kind()) {
    case ValueKind::Integer: return s;
    case ValueKind::Boolean: return Item::integer(s.bool_value() ? 1 : 0);
    case ValueKind::String: {
      auto v = parse_integer_text(s.text());
      if (v) return Item::integer(*v);
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<Item> to_decimal(const Item& s) {
  switch (s.kind()) {
    case ValueKind::Decimal: return s;
    case ValueKind::Integer: return Item::owned_decimal(std::to_string(s.int_value()));
    case ValueKind::Boolean: return Item::decimal(s.bool_value() ? "1.0" : "0.0");
    case ValueKind::String: {
      Decimal d;
      std::string_view t = s.text();
      if (t.find_first_of("eE") == std::string_view::npos && parse_decimal(t, d))
        return Item::owned_decimal(std::string(t));
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<Item> to_boolean_value(const Item& s) {
  switch (s.kind()) {
    case ValueKind::Boolean: return s;
    case ValueKind::Integer:
      if (s.int_value() == 0 || s.int_value() == 1) return Item::boolean(s.int_value() == 1);
      return std::nullopt;
    case ValueKind::Decimal: {
      Decimal d;
      parse_decimal(s.text(), d);
      if (d.is_zero()) return Item::boolean(false);
      if (compare_decimal(d, decimal_from_int(1)) == 0) return Item::boolean(true);
      return std::nullopt;
    }
    case ValueKind::String: {
      std::string l;
      for (char c : s.text()) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (l == "true" || l == "t" || l == "yes" || l == "y" || l == "1" || l == "1.0") return Item::boolean(true);
      if (l == "false" || l == "f" || l == "no" || l == "n" || l == "0" || l == "0.0") return Item::boolean(false);
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<Item> to_temporal(const Item& s, ValueKind kind) {
  Temporal t;
  if (s.kind() == kind) return s;
  if (s.kind() == ValueKind::String || (kind == ValueKind::DateTime && s.kind() == ValueKind::Date)) {
    if (parse_temporal(s.text(), kind, t)) return Item::temporal(kind, std::string(s.text()), true);
    return std::nullopt;
  }
  if (kind == ValueKind::Date && s.kind() == ValueKind::DateTime) {
    std::string_view d = s.text().substr(0, std::min<std::size_t>(10, s.text().find('T')));
    if (parse_temporal(d, ValueKind::Date, t)) return Item::temporal(kind, std::string(d), true);
  }
  return std::nullopt;
}

bool is_calendar_unit(std::string_view u) {
  static constexpr std::string_view kWords[] = {"year",   "years",   "month",       "months",      "week",   "weeks",
                                                "day",    "days",    "hour",        "hours",       "minute", "minutes",
                                                "second", "seconds", "millisecond", "milliseconds"};
  for (auto w : kWords) {
    if (u == w) return true;
  }
  return false;
}

std::optional<Item> to_quantity(const Item& s) {
  switch (s.kind()) {
    case ValueKind::Quantity: return s;
    case ValueKind::Boolean: return Item::quantity(s.bool_value() ? "1.0" : "0.0", "1");
    case ValueKind::Integer: return Item::quantity(std::to_string(s.int_value()), "1", true);
    case ValueKind::Decimal: return Item::quantity(s.text(), "1");
    case ValueKind::String: {
      // "5.5 'mg'" or "5 days"
      std::string_view t = s.text();
      auto sp = t.find(' ');
      std::string_view num = t.substr(0, sp);
      Decimal d;
      if (!parse_decimal(num, d) || num.find_first_of("eE") != std::string_view::npos) return std::nullopt;
      std::string_view unit = sp == std::string_view::npos ? "1" : t.substr(sp + 1);
      if (unit.size() >= 2 && unit.front() == '\'' && unit.back() == '\'') {
        unit = unit.substr(1, unit.size() - 2);
      } else if (sp != std::string_view::npos && !is_calendar_unit(unit)) {
        return std::nullopt;  // UCUM units must be quoted; only calendar words stand alone
      }
      return Item::quantity(std::string(num), std::string(unit), true);
    }
    default: return std::nullopt;
  }
}

std::string now_text(ValueKind kind) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t tt = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  char buf[64];
  if (kind == ValueKind::Date) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  } else if (kind == ValueKind::Time) {
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  }
  return buf;
}

Collection math(const AstNode& n, F id, const Collection& input, std::optional<std::int64_t> precision) {
  const Item* i = Evaluator::singleton(input, n);
  if (i == nullptr) return {};
  auto s = system_value(*i);
  if (!s || !(is_numeric(*s) || s->kind() == ValueKind::Quantity))
    Evaluator::fail(n, "'" + n.name + "' needs a number");
  if (s->kind() == ValueKind::Integer) {
    if (id == F::Abs) return one(Item::integer(s->int_value() < 0 ? -s->int_value() : s->int_value()));
    return one(*s);
  }
  Decimal d;
  parse_decimal(s->text(), d);
  if (id == F::Abs) {
    d.negative = false;
    if (s->kind() == ValueKind::Quantity)
      return one(Item::quantity(decimal_to_string(d), std::string(s->unit()), true));
    return one(Item::owned_decimal(decimal_to_string(d)));
  }
  long double v = decimal_to_long_double(d);
  long double r = 0;
  switch (id) {
    case F::Ceiling: r = std::ceil(v); break;
    case F::Floor: r = std::floor(v); break;
    case F::Truncate: r = std::trunc(v); break;
    default: {  // round
      std::int64_t p = precision.value_or(0);
      if (p < 0) Evaluator::fail(n, "round() precision must be >= 0");
      long double scale = std::pow(10.0L, static_cast<long double>(p));
      r = std::round(v * scale) / scale;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*Lf", static_cast<int>(p), r);
      return one(Item::owned_decimal(buf));
    }
  }
  return one(Item::integer(static_cast<std::int64_t>(r)));
}

// Resolves a reference string against %rootResource contained resources and the enclosing Bundle.
const json::Node* resolve_reference(Evaluator& ev, std::string_view ref) {
  const EvalContext& ctx = ev.context();
  if (ref.empty()) return nullptr;
  if (ref.front() == '#') {
    const json::Node* root = ctx.root_resource ? ctx.root_resource : ctx.resource;
    if (root == nullptr) return nullptr;
    if (ref.size() == 1) return root;  // '#' is the container itself
    const json::Node* contained = root->find("contained");
    if (contained == nullptr || !contained->is_array()) return nullptr;
    for (const json::Node& c : contained->items()) {
      const json::Node* id = c.find("id");
      if (id != nullptr && id->is_string() && id->text() == ref.substr(1)) return &c;
    }
    return nullptr;
  }
  const json::Node* bundle = ctx.bundle;
  if (bundle == nullptr) {
    const json::Node* root = ctx.root_resource ? ctx.root_resource : ctx.resource;
    const json::Node* rt = root ? root->find("resourceType") : nullptr;
    if (rt != nullptr && rt->is_string() && rt->text() == "Bundle") bundle = root;
  }
  if (bundle == nullptr) return nullptr;
  const json::Node* entries = bundle->find("entry");
  if (entries == nullptr || !entries->is_array()) return nullptr;
  // Relative "Type/id" (optionally with /_history/v): match fullUrl endings or resourceType + id.
  std::string_view rel = ref;
  if (auto h = rel.find("/_history/"); h != std::string_view::npos) rel = rel.substr(0, h);
  for (const json::Node& e : entries->items()) {
    const json::Node* res = e.find("resource");
    if (res == nullptr || !res->is_object()) continue;
    const json::Node* full = e.find("fullUrl");
    if (full != nullptr && full->is_string()) {
      std::string_view fu = full->text();
      if (fu == ref || fu == rel) return res;
      if (fu.size() > rel.size() && fu.ends_with(rel) && fu[fu.size() - rel.size() - 1] == '/') return res;
    }
    auto slash = rel.find('/');
    if (slash != std::string_view::npos && rel.find("://") == std::string_view::npos) {
      const json::Node* rt = res->find("resourceType");
      const json::Node* id = res->find("id");
      if (rt && id && rt->is_string() && id->is_string() && rt->text() == rel.substr(0, slash) &&
          id->text() == rel.substr(slash + 1)) {
        return res;
      }
    }
  }
  return nullptr;
}

// memberOf: code, Coding or CodeableConcept against an expanded value set from the registry.
Collection member_of(Evaluator& ev, const AstNode& n, const Collection& input, std::string_view url) {
  const model::Registry* reg = ev.context().registry;
  const model::ValueSetExpansion* vs = reg ? reg->find_value_set(url) : nullptr;
  if (vs == nullptr || !vs->complete) {
    Evaluator::unsupported(n, "memberOf: value set " + std::string(url) + " cannot be expanded here");
  }
  const Item* i = Evaluator::singleton(input, n);
  if (i == nullptr) return {};
  auto coding_in = [&](const json::Node& coding) {
    const json::Node* sys = coding.find("system");
    const json::Node* code = coding.find("code");
    if (code == nullptr || !code->is_string()) return false;
    if (sys == nullptr || !sys->is_string()) return vs->contains_code(code->text());
    return vs->contains(sys->text(), code->text());
  };
  if (i->is_element() && i->node() != nullptr && i->node()->is_object()) {
    const json::Node& node = *i->node();
    if (const json::Node* codings = node.find("coding"); codings != nullptr && codings->is_array()) {
      for (const json::Node& c : codings->items()) {
        if (coding_in(c)) return boolean(true);
      }
      return boolean(false);
    }
    return boolean(coding_in(node));
  }
  auto s = system_value(*i);
  if (!s || s->kind() != ValueKind::String) return {};
  return boolean(vs->contains_code(s->text()));
}

Collection type_info(const Item& item) {
  auto node = std::make_shared<json::Node>(json::Node::object());
  if (item.is_element()) {
    node->set("namespace", json::Node::string("FHIR"));
    node->set("name", json::Node::string(item.type_name()));
  } else {
    node->set("namespace", json::Node::string("System"));
    node->set("name", json::Node::string(item.type_name()));
  }
  return one(Item::owned_element(std::move(node)));
}

}  // namespace

Collection call_function(Evaluator& ev, const AstNode& n, const Env& env) {
  if (n.function == F::Unknown) Evaluator::unsupported(n, "function '" + n.name + "' is not supported");
  const F id = n.function;

  // iif evaluates its criterion against its input, and only one branch.
  if (id == F::Iif) {
    Collection held;
    const Collection& input = ev.input_of(n, env, held);
    Env e = env;
    e.focus = &input;
    if (input.size() == 1) e.this_item = &input[0];
    auto c = Evaluator::boolean_of(ev.eval(*n.args[0], e), *n.args[0]);
    if (c && *c) return ev.eval(*n.args[1], e);
    if (n.args.size() > 2) return ev.eval(*n.args[2], e);
    return {};
  }

  Collection held;
  const Collection& input = ev.input_of(n, env, held);
  switch (id) {
    // --- existence ---
    case F::Empty: return boolean(input.empty());
    case F::Exists: {
      if (n.args.empty()) return boolean(!input.empty());
      bool any = false;
      for_each_lambda(ev, *n.args[0], input, env, [&](std::size_t, const Collection& r) {
        auto b = Evaluator::boolean_of(r, *n.args[0]);
        any = b && *b;
        return !any;
      });
      return boolean(any);
    }
    case F::All: {
      bool all = true;
      for_each_lambda(ev, *n.args[0], input, env, [&](std::size_t, const Collection& r) {
        auto b = Evaluator::boolean_of(r, *n.args[0]);
        all = b && *b;
        return all;
      });
      return boolean(all);
    }
    case F::AllTrue:
    case F::AnyTrue:
    case F::AllFalse:
    case F::AnyFalse: {
      const bool want = id == F::AllTrue || id == F::AnyTrue;
      const bool all = id == F::AllTrue || id == F::AllFalse;
      bool result = all;
      for (const Item& i : input) {
        auto s = system_value(i);
        if (!s || s->kind() != ValueKind::Boolean) Evaluator::fail(n, "'" + n.name + "' needs booleans");
        if (all && s->bool_value() != want) result = false;
        if (!all && s->bool_value() == want) result = true;
      }
      return boolean(result);
    }
    case F::SubsetOf:
    case F::SupersetOf: {
      Collection other = arg(ev, n, 0, env);
      const Collection& small = id == F::SubsetOf ? input : other;
      const ItemSet big(id == F::SubsetOf ? other : input);
      for (const Item& i : small) {
        if (!big.contains(i)) return boolean(false);
      }
      return boolean(true);
    }
    case F::Count: return one(Item::integer(static_cast<std::int64_t>(input.size())));
    case F::Distinct: {
      if (input.size() <= 1) return input;  // nothing to compare (eld-13/eld-14 mostly see one item)
      Collection out;
      ItemSet seen;
      for (const Item& i : input) {
        if (seen.insert(i)) out.push_back(i);
      }
      return out;
    }
    case F::IsDistinct: {
      if (input.size() <= 1) return boolean(true);
      ItemSet seen;
      for (const Item& i : input) {
        if (!seen.insert(i)) return boolean(false);
      }
      return boolean(true);
    }
    // --- filtering and projection ---
    case F::Where: {
      Collection out;
      for_each_lambda(ev, *n.args[0], input, env, [&](std::size_t i, const Collection& r) {
        auto b = Evaluator::boolean_of(r, *n.args[0]);
        if (b && *b) out.push_back(input[i]);
        return true;
      });
      return out;
    }
    case F::Select: {
      Collection out;
      for_each_lambda(ev, *n.args[0], input, env, [&](std::size_t, const Collection& r) {
        out.insert(out.end(), r.begin(), r.end());
        return true;
      });
      return out;
    }
    case F::Repeat: {
      Collection out;
      ItemSet seen;
      Collection level = input;
      while (!level.empty()) {
        Collection next;
        for_each_lambda(ev, *n.args[0], level, env, [&](std::size_t, const Collection& r) {
          for (const Item& i : r) {
            if (seen.insert(i)) {
              out.push_back(i);
              next.push_back(i);
            }
          }
          return true;
        });
        level = std::move(next);
      }
      return out;
    }
    case F::OfType:
    case F::As: {
      Collection out;
      for (const Item& i : input) {
        if (ev.type_matches(i, n.literal_text)) out.push_back(i);
      }
      return out;
    }
    case F::Is: {
      const Item* i = Evaluator::singleton(input, n);
      if (i == nullptr) return {};
      return boolean(ev.type_matches(*i, n.literal_text));
    }
    // --- subsetting ---
    case F::Single: {
      const Item* i = Evaluator::singleton(input, n);
      return i ? one(*i) : Collection{};
    }
    case F::First: return input.empty() ? Collection{} : one(input.front());
    case F::Last: return input.empty() ? Collection{} : one(input.back());
    case F::Tail: return input.size() <= 1 ? Collection{} : Collection(input.begin() + 1, input.end());
    case F::Skip:
    case F::Take: {
      auto k = int_arg(ev, n, 0, env);
      if (!k) return {};
      std::size_t c = *k < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(*k), input.size());
      if (id == F::Skip) return Collection(input.begin() + static_cast<std::ptrdiff_t>(c), input.end());
      return Collection(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(c));
    }
    case F::Intersect: {
      const ItemSet other(arg(ev, n, 0, env));
      Collection out;
      ItemSet seen;
      for (const Item& i : input) {
        if (other.contains(i) && seen.insert(i)) out.push_back(i);
      }
      return out;
    }
    case F::Exclude: {
      const ItemSet other(arg(ev, n, 0, env));
      Collection out;
      for (const Item& i : input) {
        if (!other.contains(i)) out.push_back(i);
      }
      return out;
    }
    case F::Union: {
      Collection other = arg(ev, n, 0, env);
      Collection out;
      ItemSet seen;
      for (const Collection* c : {&input, static_cast<const Collection*>(&other)}) {
        for (const Item& i : *c) {
          if (seen.insert(i)) out.push_back(i);
        }
      }
      return out;
    }
    case F::Combine: {
      Collection other = arg(ev, n, 0, env);
      Collection out = input;
      out.insert(out.end(), other.begin(), other.end());
      return out;
    }
    // --- conversion ---
    case F::ToBoolean:
    case F::ConvertsToBoolean:
    case F::ToInteger:
    case F::ConvertsToInteger:
    case F::ToDecimal:
    case F::ConvertsToDecimal:
    case F::ToString:
    case F::ConvertsToString:
    case F::ToDate:
    case F::ConvertsToDate:
    case F::ToDateTime:
    case F::ConvertsToDateTime:
    case F::ToTime:
    case F::ConvertsToTime:
    case F::ToQuantity:
    case F::ConvertsToQuantity: {
      const Item* i = Evaluator::singleton(input, n);
      if (i == nullptr) return {};
      auto s = system_value(*i);
      std::optional<Item> r;
      if (s) {
        switch (id) {
          case F::ToBoolean:
          case F::ConvertsToBoolean: r = to_boolean_value(*s); break;
          case F::ToInteger:
          case F::ConvertsToInteger: r = to_integer(*s); break;
          case F::ToDecimal:
          case F::ConvertsToDecimal: r = to_decimal(*s); break;
          case F::ToString:
          case F::ConvertsToString: {
            auto t = string_value(*s);
            if (t) r = Item::owned_string(std::move(*t));
            break;
          }
          case F::ToDate:
          case F::ConvertsToDate: r = to_temporal(*s, ValueKind::Date); break;
          case F::ToDateTime:
          case F::ConvertsToDateTime: r = to_temporal(*s, ValueKind::DateTime); break;
          case F::ToTime:
          case F::ConvertsToTime: r = to_temporal(*s, ValueKind::Time); break;
          default: r = to_quantity(*s); break;
        }
      }
      const bool converts = id == F::ConvertsToBoolean || id == F::ConvertsToInteger || id == F::ConvertsToDecimal ||
                            id == F::ConvertsToString || id == F::ConvertsToDate || id == F::ConvertsToDateTime ||
                            id == F::ConvertsToTime || id == F::ConvertsToQuantity;
      if (converts) return boolean(r.has_value());
      return r ? one(*r) : Collection{};
    }
    // --- strings ---
    case F::IndexOf:
    case F::Substring:
    case F::StartsWith:
    case F::EndsWith:
    case F::Contains:
    case F::Upper:
    case F::Lower:
    case F::Replace:
    case F::Matches:
    case F::ReplaceMatches:
    case F::Length:
    case F::ToChars:
    case F::Trim:
    case F::Split: {
      auto s = string_input(input, n);
      if (!s) return {};
      std::string_view t = s->text();
      Collection h0, h1;
      switch (id) {
        case F::IndexOf: {
          auto a = string_arg(ev, n, 0, env, h0);
          if (!a) return {};
          auto p = t.find(*a);
          return one(
              Item::integer(p == std::string_view::npos ? -1 : static_cast<std::int64_t>(utf8_length(t.substr(0, p)))));
        }
        case F::Substring: {
          // positions count characters (code points), not bytes
          auto start = int_arg(ev, n, 0, env);
          const std::size_t chars = utf8_length(t);
          if (!start || *start < 0 || static_cast<std::size_t>(*start) >= chars) return {};
          std::size_t len = chars;
          if (n.args.size() > 1) {
            auto l = int_arg(ev, n, 1, env);
            if (l) len = *l < 0 ? 0 : static_cast<std::size_t>(*l);
          }
          const std::size_t b = utf8_offset(t, static_cast<std::size_t>(*start));
          const std::size_t e = utf8_offset(t, static_cast<std::size_t>(*start) + std::min(len, chars));
          return one(Item::owned_string(std::string(t.substr(b, e - b))));
        }
        case F::StartsWith:
        case F::EndsWith:
        case F::Contains: {
          auto a = string_arg(ev, n, 0, env, h0);
          if (!a) return {};
          bool r = id == F::StartsWith ? t.starts_with(*a)
                   : id == F::EndsWith ? t.ends_with(*a)
                                       : t.find(*a) != std::string_view::npos;
          return boolean(r);
        }
        case F::Upper:
        case F::Lower: {
          std::string r(t);
          for (char& c : r) {
            c = static_cast<char>(id == F::Upper ? std::toupper(static_cast<unsigned char>(c))
                                                 : std::tolower(static_cast<unsigned char>(c)));
          }
          return one(Item::owned_string(std::move(r)));
        }
        case F::Replace: {
          auto pat = string_arg(ev, n, 0, env, h0);
          auto rep = string_arg(ev, n, 1, env, h1);
          if (!pat || !rep) return {};
          std::string r;
          if (pat->empty()) {
            // insert the substitution around every character
            r += *rep;
            for (std::size_t k = 0; k < t.size();) {
              const std::size_t next = utf8_offset(t.substr(k), 1) + k;
              r += t.substr(k, next - k);
              r += *rep;
              k = next;
            }
            return one(Item::owned_string(std::move(r)));
          }
          std::size_t pos = 0;
          while (true) {
            auto f = t.find(*pat, pos);
            if (f == std::string_view::npos) break;
            r += t.substr(pos, f - pos);
            r += *rep;
            pos = f + pat->size();
          }
          r += t.substr(pos);
          return one(Item::owned_string(std::move(r)));
        }
        case F::Matches:
        case F::ReplaceMatches: {
          auto pat = string_arg(ev, n, 0, env, h0);
          if (!pat) return {};
          std::shared_ptr<const Regex> re = n.regex;
          std::string error;
          if (re == nullptr) {
            re = compile_regex(*pat, &error);
            if (re == nullptr) Evaluator::fail(n, error);
          }
          // std::regex matches recursively: bound the subject so hostile data cannot exhaust the stack.
          if (t.size() > kMaxRegexSubject) {
            Evaluator::fail(n, "string of " + std::to_string(t.size()) + " bytes is too long for '" + n.name + "'");
          }
          if (id == F::Matches) {
            auto m = regex_search(*re, t, &error);
            if (!m) Evaluator::fail(n, error);
            return boolean(*m);
          }
          auto rep = string_arg(ev, n, 1, env, h1);
          if (!rep) return {};
          auto r = regex_replace_all(*re, t, *rep, &error);
          if (!r) Evaluator::fail(n, error);
          return one(Item::owned_string(std::move(*r)));
        }
        case F::Length: return one(Item::integer(static_cast<std::int64_t>(utf8_length(t))));
        case F::ToChars: {
          Collection out;
          for (std::size_t k = 0; k < t.size();) {
            const std::size_t next = utf8_offset(t.substr(k), 1) + k;
            out.push_back(Item::owned_string(std::string(t.substr(k, next - k))));
            k = next;
          }
          return out;
        }
        case F::Trim: {
          auto b = t.find_first_not_of(" \t\r\n");
          if (b == std::string_view::npos) return one(Item::string(""));
          auto e = t.find_last_not_of(" \t\r\n");
          return one(Item::owned_string(std::string(t.substr(b, e - b + 1))));
        }
        default: {  // split
          auto sep = string_arg(ev, n, 0, env, h0);
          if (!sep) return {};
          Collection out;
          if (sep->empty()) {
            out.push_back(Item::owned_string(std::string(t)));
            return out;
          }
          std::size_t pos = 0;
          while (true) {
            auto f = t.find(*sep, pos);
            out.push_back(Item::owned_string(std::string(t.substr(pos, f == std::string_view::npos ? f : f - pos))));
            if (f == std::string_view::npos) break;
            pos = f + sep->size();
          }
          return out;
        }
      }
    }
    case F::Join: {
      std::string sep;
      Collection h0;
      if (!n.args.empty()) {
        auto s = string_arg(ev, n, 0, env, h0);
        if (s) sep = *s;
      }
      std::string r;
      for (std::size_t i = 0; i < input.size(); ++i) {
        auto v = string_value(input[i]);
        if (!v) Evaluator::fail(n, "join() needs strings");
        if (i) r += sep;
        r += *v;
      }
      return one(Item::owned_string(std::move(r)));
    }
    // --- math ---
    case F::Sqrt:
    case F::Exp:
    case F::Ln:
    case F::Log:
    case F::Power: {
      const Item* i = Evaluator::singleton(input, n);
      if (i == nullptr) return {};
      auto s = system_value(*i);
      if (!s || !is_numeric(*s)) Evaluator::fail(n, "'" + n.name + "' needs a number");
      std::optional<Item> other;
      if (id == F::Log || id == F::Power) {
        Collection a = arg(ev, n, 0, env);
        const Item* x = Evaluator::singleton(a, *n.args[0]);
        if (x == nullptr) return {};
        other = system_value(*x);
        if (!other || !is_numeric(*other)) Evaluator::fail(*n.args[0], "'" + n.name + "' needs a number argument");
      }
      if (id == F::Power && s->kind() == ValueKind::Integer && other->kind() == ValueKind::Integer &&
          other->int_value() >= 0) {
        std::int64_t r = 1;
        for (std::int64_t k = 0; k < other->int_value(); ++k) {
          if (__builtin_mul_overflow(r, s->int_value(), &r)) Evaluator::fail(n, "integer overflow");
        }
        return one(Item::integer(r));
      }
      const long double x = decimal_to_long_double(numeric_value(*s));
      const long double y = other ? decimal_to_long_double(numeric_value(*other)) : 0;
      long double r = 0;
      switch (id) {
        case F::Sqrt: r = std::sqrt(x); break;
        case F::Exp: r = std::exp(x); break;
        case F::Ln: r = std::log(x); break;
        case F::Log: r = std::log(x) / std::log(y); break;
        default: r = std::pow(x, y); break;
      }
      if (!std::isfinite(r)) return {};
      char buf[80];
      std::snprintf(buf, sizeof buf, "%.8Lf", r);
      Decimal d;
      parse_decimal(buf, d);
      d.scale = 0;  // 8 digits of precision, trailing zeros dropped
      return one(Item::owned_decimal(decimal_to_string(d)));
    }
    case F::Abs:
    case F::Ceiling:
    case F::Floor:
    case F::Truncate:
    case F::Round: {
      std::optional<std::int64_t> p;
      if (id == F::Round && !n.args.empty()) p = int_arg(ev, n, 0, env);
      return math(n, id, input, p);
    }
    // --- tree navigation ---
    case F::Children: {
      Collection out;
      for (const Item& i : input) ev.nav().children(i, out);
      return out;
    }
    case F::Descendants: {
      Collection out;
      for (const Item& i : input) ev.nav().descendants(i, out);
      return out;
    }
    // --- utility ---
    case F::Trace: {
      if (ev.context().trace) {
        Collection h0;
        auto name = string_arg(ev, n, 0, env, h0);
        if (n.args.size() > 1) {
          Collection projected;
          for_each_lambda(ev, *n.args[1], input, env, [&](std::size_t, const Collection& r) {
            projected.insert(projected.end(), r.begin(), r.end());
            return true;
          });
          ev.context().trace(name.value_or(""), projected);
        } else {
          ev.context().trace(name.value_or(""), input);
        }
      }
      return input;
    }
    case F::Now: return one(Item::temporal(ValueKind::DateTime, now_text(ValueKind::DateTime), true));
    case F::Today: return one(Item::temporal(ValueKind::Date, now_text(ValueKind::Date), true));
    case F::TimeOfDay: return one(Item::temporal(ValueKind::Time, now_text(ValueKind::Time), true));
    case F::Not: {
      if (input.size() == 1) {
        auto s = system_value(input.front());
        if (s && s->kind() == ValueKind::Integer && (s->int_value() == 0 || s->int_value() == 1)) {
          return boolean(s->int_value() == 0);
        }
      }
      auto b = Evaluator::boolean_of(input, n);
      if (!b) return {};
      return boolean(!*b);
    }
    case F::Type: {
      Collection out;
      for (const Item& i : input) {
        Collection t = type_info(i);
        out.insert(out.end(), t.begin(), t.end());
      }
      return out;
    }
    case F::Aggregate: {
      Collection total = n.args.size() > 1 ? arg(ev, n, 1, env) : Collection{};
      Collection focus(1);
      for (std::size_t i = 0; i < input.size(); ++i) {
        focus[0] = input[i];
        Env e;
        e.focus = &focus;
        e.this_item = &focus[0];
        e.index = static_cast<std::int64_t>(i);
        e.total = &total;
        total = ev.eval(*n.args[0], e);
      }
      return total;
    }
    // --- FHIR additions ---
    case F::HasValue: {
      if (input.size() != 1) return boolean(false);
      const Item& i = input.front();
      if (!i.is_element()) return boolean(true);
      return boolean(i.node() != nullptr && i.node()->is_primitive());
    }
    case F::Resolve: {
      Collection out;
      for (const Item& i : input) {
        std::string_view ref;
        if (i.is_element() && i.node() != nullptr && i.node()->is_object()) {
          const json::Node* r = i.node()->find("reference");
          if (r == nullptr || !r->is_string()) continue;
          ref = r->text();
        } else {
          auto s = system_value(i);
          if (!s || s->kind() != ValueKind::String) continue;
          ref = s->text();
        }
        if (const json::Node* target = resolve_reference(ev, ref)) out.push_back(ev.nav().resource(*target));
      }
      return out;
    }
    case F::Extension:
    case F::HasExtension: {
      Collection h0;
      auto url = string_arg(ev, n, 0, env, h0);
      if (!url) return id == F::HasExtension ? boolean(false) : Collection{};
      Collection exts, out;
      for (const Item& i : input) ev.nav().child(i, "extension", exts);
      for (const Item& e : exts) {
        const json::Node* u = e.node() != nullptr ? e.node()->find("url") : nullptr;
        if (u != nullptr && u->is_string() && u->text() == *url) out.push_back(e);
      }
      if (id == F::HasExtension) return boolean(!out.empty());
      return out;
    }
    case F::HtmlChecks: {
      const Item* i = Evaluator::singleton(input, n);
      if (i == nullptr) return {};
      auto s = system_value(*i);
      if (!s || s->kind() != ValueKind::String) return boolean(false);
      return boolean(check_narrative_xhtml(s->text()).ok);
    }
    case F::MemberOf: {
      Collection h0;
      auto url = string_arg(ev, n, 0, env, h0);
      if (!url) return {};
      return member_of(ev, n, input, *url);
    }
    default: break;
  }
  Evaluator::unsupported(n, "function '" + n.name + "' is not supported");
}

}  // namespace fhir::fhirpath::detail
