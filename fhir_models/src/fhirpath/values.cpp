#include "values.h"

#include <algorithm>
#include <cctype>

namespace fhir::fhirpath::detail {
namespace {

bool is_integer_type(std::string_view t) {
  return t == "integer" || t == "positiveInt" || t == "unsignedInt" || t == "integer64";
}

bool parse_int64(std::string_view s, std::int64_t& out) {
  Decimal d;
  return parse_decimal(s, d) && s.find_first_of(".eE") == std::string_view::npos && decimal_to_int(d, out);
}

std::optional<Item> primitive_value(const Item& item) {
  const json::Node* n = item.node();
  std::string_view t = item.type().name;
  switch (n->kind()) {
    case json::Kind::True:
    case json::Kind::False: return Item::boolean(n->as_bool());
    case json::Kind::Number: {
      std::string_view text = n->text();
      std::int64_t v = 0;
      if (t != "decimal" && (is_integer_type(t) || text.find_first_of(".eE") == std::string_view::npos) &&
          parse_int64(text, v)) {
        return Item::integer(v);
      }
      return Item::decimal(text);
    }
    case json::Kind::String: {
      if (t == "date") return Item::temporal(ValueKind::Date, n->text());
      if (t == "dateTime" || t == "instant") return Item::temporal(ValueKind::DateTime, n->text());
      if (t == "time") return Item::temporal(ValueKind::Time, n->text());
      return Item::string(n->text());
    }
    default: return std::nullopt;
  }
}

bool ascii_iequal_normalized(std::string_view a, std::string_view b) {
  // case-insensitive, runs of whitespace equal a single space, trimmed
  auto norm = [](std::string_view s) {
    std::string r;
    bool space = false;
    for (char c : s) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        space = !r.empty();
        continue;
      }
      if (space) r.push_back(' ');
      space = false;
      r.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return r;
  };
  return norm(a) == norm(b);
}

// Calendar duration words from week down are the same units as their UCUM codes; calendar years and months
// are not the UCUM 'a' and 'mo' (FHIRPath keeps them apart), so they only match themselves.
std::string_view canonical_unit(std::string_view u) {
  static constexpr std::pair<std::string_view, std::string_view> kUnits[] = {
      {"years", "year"}, {"months", "month"}, {"week", "wk"},        {"weeks", "wk"},       {"day", "d"},
      {"days", "d"},     {"hour", "h"},       {"hours", "h"},        {"minute", "min"},     {"minutes", "min"},
      {"second", "s"},   {"seconds", "s"},    {"millisecond", "ms"}, {"milliseconds", "ms"}};
  for (const auto& [word, code] : kUnits) {
    if (u == word) return code;
  }
  if (u.empty()) return "1";
  return u;
}

struct UcumUnit {
  std::string_view code;
  std::string_view dimension;
  std::string_view factor;
};
constexpr UcumUnit kUcumUnits[] = {
#define FHIR_UCUM_UNIT(code, dimension, factor) {code, dimension, factor},
#include "ucum_units.inc"
#undef FHIR_UCUM_UNIT
};

const UcumUnit* find_ucum(std::string_view canonical) {
  for (const auto& u : kUcumUnits) {
    if (u.code == canonical) return &u;
  }
  return nullptr;
}

// The two quantities' values in one unit: as written when the units agree, converted to the base unit
// when both units are known definite units of the same dimension. False when they cannot be compared.
bool comparable_values(const Item& a, const Item& b, Decimal& x, Decimal& y) {
  if (!parse_decimal(a.text(), x) || !parse_decimal(b.text(), y)) return false;
  const std::string_view ua = canonical_unit(a.unit()), ub = canonical_unit(b.unit());
  if (ua == ub) return true;
  const UcumUnit* fa = find_ucum(ua);
  const UcumUnit* fb = find_ucum(ub);
  if (fa == nullptr || fb == nullptr || fa->dimension != fb->dimension) return false;
  Decimal f;
  parse_decimal(fa->factor, f);
  const int scale_x = x.scale;
  x = multiply_decimal(x, f);
  x.scale = scale_x;
  parse_decimal(fb->factor, f);
  const int scale_y = y.scale;
  y = multiply_decimal(y, f);
  y.scale = scale_y;
  return true;
}

std::optional<bool> complex_equal(const Item& a, const Item& b) {
  if (a.node() == b.node()) return true;
  return *a.node() == *b.node();
}

bool is_complex(const Item& i) {
  return i.is_element() && i.node() != nullptr && i.node()->is_object() && !is_quantity_type(i.type().name);
}

}  // namespace

bool is_quantity_type(std::string_view t) {
  return t == "Quantity" || t == "Age" || t == "Count" || t == "Distance" || t == "Duration" || t == "SimpleQuantity" ||
         t == "MoneyQuantity";
}

std::optional<Item> system_value(const Item& item) {
  if (!item.is_element()) return item;
  const json::Node* n = item.node();
  if (n == nullptr) return std::nullopt;
  if (n->is_object()) {
    if (!is_quantity_type(item.type().name)) return std::nullopt;
    const json::Node* v = n->find("value");
    if (v == nullptr || !v->is_number()) return std::nullopt;
    const json::Node* code = n->find("code");
    const json::Node* unit = n->find("unit");
    std::string_view u = code != nullptr && code->is_string()   ? code->text()
                         : unit != nullptr && unit->is_string() ? unit->text()
                                                                : std::string_view();
    return Item::quantity(v->text(), u);
  }
  if (n->is_array()) return std::nullopt;
  return primitive_value(item);
}

bool is_numeric(const Item& s) { return s.kind() == ValueKind::Integer || s.kind() == ValueKind::Decimal; }

Decimal numeric_value(const Item& s) {
  if (s.kind() == ValueKind::Integer) return decimal_from_int(s.int_value());
  Decimal d;
  parse_decimal(s.text(), d);
  return d;
}

bool temporal_value(const Item& s, Temporal& out) {
  if (s.kind() != ValueKind::Date && s.kind() != ValueKind::DateTime && s.kind() != ValueKind::Time) return false;
  if (parse_temporal(s.text(), s.kind(), out)) return true;
  // A FHIR dateTime written with date precision only is still a valid DateTime; other text is not a value.
  return false;
}

namespace {
bool is_temporal(const Item& s) {
  return s.kind() == ValueKind::Date || s.kind() == ValueKind::DateTime || s.kind() == ValueKind::Time;
}

// String compared with a date/time: the string is read as the same kind of value.
bool coerce_temporal(const Item& t, const Item& s, Temporal& a, Temporal& b) {
  if (!temporal_value(t, a)) return false;
  ValueKind k = t.kind() == ValueKind::Time ? ValueKind::Time : ValueKind::DateTime;
  return parse_temporal(s.text(), k, b);
}
}  // namespace

std::optional<bool> items_equal(const Item& a, const Item& b) {
  if (is_complex(a) || is_complex(b)) {
    if (is_complex(a) && is_complex(b)) return complex_equal(a, b);
    return false;
  }
  auto sa = system_value(a);
  auto sb = system_value(b);
  if (!sa || !sb) return std::nullopt;
  if (is_numeric(*sa) && is_numeric(*sb)) {
    if (sa->kind() == ValueKind::Integer && sb->kind() == ValueKind::Integer) return sa->int_value() == sb->int_value();
    return compare_decimal(numeric_value(*sa), numeric_value(*sb)) == 0;
  }
  if (is_temporal(*sa) || is_temporal(*sb)) {
    Temporal ta, tb;
    bool ok = false;
    if (is_temporal(*sa) && is_temporal(*sb)) {
      ok = temporal_value(*sa, ta) && temporal_value(*sb, tb);
    } else if (is_temporal(*sa) && sb->kind() == ValueKind::String) {
      ok = coerce_temporal(*sa, *sb, ta, tb);
    } else if (is_temporal(*sb) && sa->kind() == ValueKind::String) {
      ok = coerce_temporal(*sb, *sa, tb, ta);
    }
    if (!ok) return false;
    // A Time is never equal to a Date or DateTime.
    if ((ta.kind == ValueKind::Time) != (tb.kind == ValueKind::Time)) return false;
    auto c = compare_temporal(ta, tb);
    if (!c) return std::nullopt;
    return *c == 0;
  }
  if (sa->kind() != sb->kind()) return false;
  switch (sa->kind()) {
    case ValueKind::Boolean: return sa->bool_value() == sb->bool_value();
    case ValueKind::String: return sa->text() == sb->text();
    case ValueKind::Quantity: {
      // Units that cannot be converted into each other make the quantities unequal.
      Decimal x, y;
      if (!comparable_values(*sa, *sb, x, y)) return false;
      return compare_decimal(x, y) == 0;
    }
    default: return false;
  }
}

bool items_equivalent(const Item& a, const Item& b) {
  if (is_complex(a) || is_complex(b)) return is_complex(a) && is_complex(b) && *a.node() == *b.node();
  auto sa = system_value(a);
  auto sb = system_value(b);
  if (!sa || !sb) return !sa && !sb;
  if (sa->kind() == ValueKind::String && sb->kind() == ValueKind::String) {
    return ascii_iequal_normalized(sa->text(), sb->text());
  }
  if (is_temporal(*sa) && is_temporal(*sb)) {
    Temporal ta, tb;
    if (!temporal_value(*sa, ta) || !temporal_value(*sb, tb)) return false;
    auto c = compare_temporal(ta, tb);
    return c && *c == 0;
  }
  if (sa->kind() == ValueKind::Quantity && sb->kind() == ValueKind::Quantity) {
    Decimal x, y;
    if (!comparable_values(*sa, *sb, x, y)) return false;
    const int digits = std::min(x.scale, y.scale);
    return compare_decimal(round_decimal(x, digits), round_decimal(y, digits)) == 0;
  }
  if (is_numeric(*sa) && is_numeric(*sb)) {
    // Equivalent decimals agree when rounded to the precision of the less precise one.
    Decimal x = numeric_value(*sa), y = numeric_value(*sb);
    const int digits = std::min(x.scale, y.scale);
    return compare_decimal(round_decimal(x, digits), round_decimal(y, digits)) == 0;
  }
  auto eq = items_equal(*sa, *sb);
  return eq.value_or(false);
}

CompareOutcome compare_items(const Item& a, const Item& b, int& result) {
  auto sa = system_value(a);
  auto sb = system_value(b);
  if (!sa || !sb) return CompareOutcome::Incompatible;
  if (is_numeric(*sa) && is_numeric(*sb)) {
    if (sa->kind() == ValueKind::Integer && sb->kind() == ValueKind::Integer) {
      result = sa->int_value() < sb->int_value() ? -1 : sa->int_value() > sb->int_value() ? 1 : 0;
    } else {
      result = compare_decimal(numeric_value(*sa), numeric_value(*sb));
    }
    return CompareOutcome::Ok;
  }
  if (is_temporal(*sa) || is_temporal(*sb)) {
    Temporal ta, tb;
    bool ok = false;
    if (is_temporal(*sa) && is_temporal(*sb)) {
      ok = temporal_value(*sa, ta) && temporal_value(*sb, tb);
    } else if (is_temporal(*sa) && sb->kind() == ValueKind::String) {
      ok = coerce_temporal(*sa, *sb, ta, tb);
    } else if (is_temporal(*sb) && sa->kind() == ValueKind::String) {
      ok = coerce_temporal(*sb, *sa, tb, ta);
    }
    if (!ok) return CompareOutcome::Incompatible;
    auto c = compare_temporal(ta, tb);
    if (!c) return CompareOutcome::Unknown;
    result = *c;
    return CompareOutcome::Ok;
  }
  if (sa->kind() == ValueKind::String && sb->kind() == ValueKind::String) {
    int c = sa->text().compare(sb->text());
    result = c < 0 ? -1 : c > 0 ? 1 : 0;
    return CompareOutcome::Ok;
  }
  if (sa->kind() == ValueKind::Quantity && sb->kind() == ValueKind::Quantity) {
    Decimal x, y;
    if (!comparable_values(*sa, *sb, x, y)) return CompareOutcome::Unknown;
    result = compare_decimal(x, y);
    return CompareOutcome::Ok;
  }
  return CompareOutcome::Incompatible;
}

std::optional<std::string> string_value(const Item& item) {
  auto s = system_value(item);
  if (!s) return std::nullopt;
  switch (s->kind()) {
    case ValueKind::Boolean: return std::string(s->bool_value() ? "true" : "false");
    case ValueKind::Integer: return std::to_string(s->int_value());
    case ValueKind::Quantity: {
      std::string r(s->text());
      r += " '";
      r += s->unit();
      r += "'";
      return r;
    }
    default: return std::string(s->text());
  }
}

}  // namespace fhir::fhirpath::detail
