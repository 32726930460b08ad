#include "search/query_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "search/fhir_date.h"
#include "search/indexer.h"

namespace fhirgw::search {
namespace {

using storage::ParamKind;
using storage::Prefix;
using storage::SearchClause;
using storage::SearchValue;

// Splits on unescaped `sep` and removes the escapes (\, \| \$ \\).
std::vector<std::string> split_escaped(std::string_view s, char sep) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.back() += s[++i];
    } else if (s[i] == sep) {
      out.emplace_back();
    } else {
      out.back() += s[i];
    }
  }
  return out;
}

// Like split_escaped but keeps escapes (so a later split on another separator still sees them).
std::vector<std::string> split_keep(std::string_view s, char sep) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.back() += s[i];
      out.back() += s[++i];
    } else if (s[i] == sep) {
      out.emplace_back();
    } else {
      out.back() += s[i];
    }
  }
  return out;
}

std::string http_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string unescape(std::string_view s) { return split_escaped(s, '\0').front(); }

Prefix take_prefix(std::string& v) {
  static constexpr std::pair<std::string_view, Prefix> kPrefixes[] = {
      {"eq", Prefix::Eq}, {"ne", Prefix::Ne}, {"gt", Prefix::Gt}, {"lt", Prefix::Lt}, {"ge", Prefix::Ge},
      {"le", Prefix::Le}, {"sa", Prefix::Sa}, {"eb", Prefix::Eb}, {"ap", Prefix::Ap}};
  if (v.size() > 2) {
    for (const auto& [text, prefix] : kPrefixes) {
      if (v.compare(0, 2, text) == 0) {
        v.erase(0, 2);
        return prefix;
      }
    }
  }
  return Prefix::Eq;
}

// A number and its implicit precision range: "5.4" -> [5.35, 5.45].
bool parse_number(std::string_view text, SearchValue& v) {
  double d = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return false;
  v.number = d;
  int decimals = 0;
  if (const auto dot = text.find('.'); dot != std::string_view::npos) {
    const auto e = text.find_first_of("eE");
    decimals = static_cast<int>((e == std::string_view::npos ? text.size() : e) - dot - 1);
  }
  const double half = 0.5 * std::pow(10.0, -decimals);
  v.number_low = d - half;
  v.number_high = d + half;
  return true;
}

std::optional<std::string> parse_value(const CompiledParam* param, ParamKind kind, const std::string& modifier,
                                       const std::string& raw, SearchValue& v) {
  switch (kind) {
    case ParamKind::Token:
    case ParamKind::Uri: {
      if (modifier == "text") {
        v.text = normalize_string(unescape(raw));
        return std::nullopt;
      }
      const auto parts = split_escaped(raw, '|');
      if (parts.size() == 1) {
        v.code = parts[0];
      } else if (parts.size() == 2) {
        v.has_system = true;
        v.system = parts[0];
        v.code = parts[1];
      } else {
        return "token value '" + raw + "' has more than one '|'";
      }
      return std::nullopt;
    }
    case ParamKind::Id: v.code = unescape(raw); return std::nullopt;
    case ParamKind::String:
      v.text = modifier == "exact" ? unescape(raw) : normalize_string(unescape(raw));
      return std::nullopt;
    case ParamKind::Date:
    case ParamKind::LastUpdated: {
      std::string text = unescape(raw);
      v.prefix = take_prefix(text);
      const auto range = parse_date_range(text);
      if (!range) return "'" + raw + "' is not a valid date";
      v.low_ms = range->low_ms;
      v.high_ms = range->high_ms;
      return std::nullopt;
    }
    case ParamKind::Number: {
      std::string text = unescape(raw);
      v.prefix = take_prefix(text);
      if (!parse_number(text, v)) return "'" + raw + "' is not a number";
      return std::nullopt;
    }
    case ParamKind::Quantity: {
      const auto parts = split_escaped(raw, '|');
      if (parts.size() != 1 && parts.size() != 3) return "quantity '" + raw + "' must be number or number|system|code";
      std::string number = parts[0];
      v.prefix = take_prefix(number);
      if (!parse_number(number, v)) return "'" + parts[0] + "' is not a number";
      if (parts.size() == 3) {
        v.has_system = !parts[1].empty();
        v.system = parts[1];
        v.code = parts[2];
      }
      return std::nullopt;
    }
    case ParamKind::Reference: {
      const std::string text = unescape(raw);
      if (!modifier.empty()) {  // subject:Patient=123
        v.target_type = modifier;
        v.target_id = text;
        return std::nullopt;
      }
      if (text.find('/') == std::string::npos) {
        v.target_id = text;
        if (param && param->targets.size() == 1) v.target_type = param->targets.front();
        return std::nullopt;
      }
      const auto ref = parse_reference(text);
      v.target_type = ref.target_type;
      v.target_id = ref.target_id;
      v.text = text;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool modifier_allowed(ParamKind kind, const std::string& m, const CompiledParam* param) {
  if (m.empty() || m == "missing") return true;
  switch (kind) {
    case ParamKind::Token: return m == "not" || m == "text";
    case ParamKind::String: return m == "exact" || m == "contains";
    case ParamKind::Reference:
      return param && std::find(param->targets.begin(), param->targets.end(), m) != param->targets.end();
    case ParamKind::Id: return m == "not";
    default: return false;
  }
}

// One "name[:modifier]=value" parameter into a clause (recursing for chains).
std::optional<std::string> build_clause(const ParamCatalog& catalog, const std::string& type, const std::string& key,
                                        const std::string& value, SearchClause& clause, bool& unknown) {
  std::string name = key;
  std::string chain_rest;
  if (const auto dot = name.find('.'); dot != std::string::npos) {
    chain_rest = name.substr(dot + 1);
    name.resize(dot);
  }
  std::string modifier;
  if (const auto colon = name.find(':'); colon != std::string::npos) {
    modifier = name.substr(colon + 1);
    name.resize(colon);
  }
  const CompiledParam* param = nullptr;
  ParamKind kind;
  if (name == "_id") {
    kind = ParamKind::Id;
  } else if (name == "_lastUpdated") {
    kind = ParamKind::LastUpdated;
  } else {
    param = catalog.find(type, name);
    if (!param) {
      unknown = true;
      return std::nullopt;
    }
    kind = param->kind;
    clause.sources = param->sources;
  }
  clause.param = name;
  clause.kind = kind;

  if (!chain_rest.empty()) {
    if (kind != ParamKind::Reference) return "'" + key + "': only reference parameters can be chained";
    std::string target = modifier;
    if (target.empty()) {
      // patient.x -> Patient; otherwise the only target that has the chained parameter.
      std::vector<std::string> candidates;
      for (const std::string& t : param->targets) {
        if (http_lower(t) == name) {
          candidates = {t};
          break;
        }
        const std::string inner_name = chain_rest.substr(0, chain_rest.find_first_of(".:"));
        if (inner_name.starts_with("_") || catalog.find(t, inner_name)) candidates.push_back(t);
      }
      if (candidates.size() != 1) return "'" + key + "': name the target type, e.g. " + name + ":Patient." + chain_rest;
      target = candidates.front();
    }
    auto inner = std::make_unique<SearchClause>();
    bool inner_unknown = false;
    if (auto err = build_clause(catalog, target, chain_rest, value, *inner, inner_unknown)) return err;
    if (inner_unknown) return "'" + key + "': " + target + " has no search parameter '" + chain_rest + "'";
    clause.chain = storage::Chain{target, std::move(inner)};
    return std::nullopt;
  }

  if (!modifier_allowed(kind, modifier, param))
    return "modifier ':" + modifier + "' is not supported for '" + name + "'";
  if (modifier == "missing") {
    if (value != "true" && value != "false") return "':missing' takes true or false";
    clause.modifier = "missing";
    clause.missing = value == "true";
    return std::nullopt;
  }
  const bool type_modifier = kind == ParamKind::Reference && !modifier.empty();
  clause.modifier = type_modifier ? std::string() : modifier;
  for (const std::string& raw : split_keep(value, ',')) {
    SearchValue v;
    if (auto err = parse_value(param, kind, modifier, raw, v)) return "'" + key + "': " + *err;
    clause.any_of.push_back(std::move(v));
  }
  return std::nullopt;
}

std::optional<std::string> parse_include(const std::string& value, IncludeSpec& spec) {
  const auto parts = split_escaped(value, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return "'" + value + "' must be SourceType:param[:TargetType]";
  }
  spec.source_type = parts[0];
  spec.param = parts[1];
  if (parts.size() == 3) spec.target_type = parts[2];
  return std::nullopt;
}

}  // namespace

bool is_transport_param(std::string_view name) {
  return name == "_format" || name == "_pretty" || name == "_getpages" || name == "_offset" || name == "_total" ||
         name == "_page";
}

ParsedSearch parse_search(const ParamCatalog& catalog, const std::string& type,
                          const std::vector<std::pair<std::string, std::string>>& params) {
  ParsedSearch out;
  out.query.type = type;
  if (const storage::IndexSource* rows = catalog.patient_rows(type)) out.query.patient_rows = *rows;
  std::vector<std::string> canonical;
  for (const auto& [key, value] : params) {
    if (is_transport_param(key)) continue;
    if (key == "_count") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size()) {
        out.error = "_count must be a non-negative integer";
        return out;
      }
      out.count = n;
      out.count_given = true;
      continue;
    }
    if (key == "_summary") {
      if (value != "count" && value != "true" && value != "false" && value != "data" && value != "text") {
        out.error = "_summary must be one of true, false, count, data, text";
        return out;
      }
      out.summary = value;
      continue;
    }
    if (key == "_elements") {
      for (auto& e : split_escaped(value, ',')) {
        if (!e.empty()) out.elements.push_back(std::move(e));
      }
      continue;
    }
    if (key == "_include" || key == "_revinclude" || key == "_include:iterate" || key == "_revinclude:iterate") {
      IncludeSpec spec;
      if (auto err = parse_include(value, spec)) {
        out.error = key + ": " + *err;
        return out;
      }
      spec.iterate = key.ends_with(":iterate");
      (key.starts_with("_include") ? out.includes : out.revincludes).push_back(std::move(spec));
      continue;
    }
    if (key == "_sort") {
      for (const std::string& item : split_escaped(value, ',')) {
        if (item.empty()) continue;
        storage::SortKey sk;
        sk.descending = item.front() == '-';
        sk.param = sk.descending ? item.substr(1) : item;
        if (sk.param == "_id") {
          sk.kind = ParamKind::Id;
        } else if (sk.param == "_lastUpdated") {
          sk.kind = ParamKind::LastUpdated;
        } else if (const CompiledParam* p = catalog.find(type, sk.param)) {
          sk.kind = p->kind;
          sk.sources = p->sources;
        } else {
          out.error = "_sort: " + type + " has no search parameter '" + sk.param + "'";
          return out;
        }
        out.query.sort.push_back(std::move(sk));
      }
      continue;
    }
    SearchClause clause;
    bool unknown = false;
    if (auto err = build_clause(catalog, type, key, value, clause, unknown)) {
      out.error = *err;
      return out;
    }
    if (unknown) {
      out.unknown.push_back(key);
      continue;
    }
    out.query.all_of.push_back(std::move(clause));
    canonical.push_back(key + "=" + value);
  }
  std::sort(canonical.begin(), canonical.end());
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    if (i) out.canonical += '&';
    out.canonical += canonical[i];
  }
  return out;
}

}  // namespace fhirgw::search
