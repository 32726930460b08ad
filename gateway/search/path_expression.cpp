#include "search/path_expression.h"

#include <cctype>
#include <optional>

namespace fhirgw::search {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits at `sep` outside parentheses and quotes.
std::vector<std::string_view> split_top(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'') quoted = !quoted;
    if (quoted) continue;
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == sep && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

// "(x)" -> "x" when the parentheses enclose everything.
std::string_view strip_parens(std::string_view s) {
  s = trim(s);
  while (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    int depth = 0;
    bool encloses = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '(') ++depth;
      if (s[i] == ')') --depth;
      if (depth == 0 && i + 1 < s.size()) {
        encloses = false;
        break;
      }
    }
    if (!encloses) break;
    s = trim(s.substr(1, s.size() - 2));
  }
  return s;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// One step such as "code", "as(Age)", "where(resolve() is Patient)". nullopt: unsupported.
std::optional<PathStep> parse_step(std::string_view seg) {
  seg = trim(seg);
  if (is_identifier(seg)) return PathStep{PathStep::Kind::Child, std::string(seg), {}};
  const std::size_t open = seg.find('(');
  if (open == std::string_view::npos || seg.back() != ')') return std::nullopt;
  const std::string_view fn = seg.substr(0, open);
  const std::string_view arg = trim(seg.substr(open + 1, seg.size() - open - 2));
  if ((fn == "as" || fn == "ofType") && is_identifier(arg))
    return PathStep{PathStep::Kind::AsType, std::string(arg), {}};
  if (fn == "extension") return PathStep{PathStep::Kind::ExtensionUrl, unquote(arg), {}};
  if (fn == "where") {
    constexpr std::string_view kResolveIs = "resolve() is ";
    if (arg.starts_with(kResolveIs)) {
      return PathStep{PathStep::Kind::WhereResolveIs, std::string(trim(arg.substr(kResolveIs.size()))), {}};
    }
    const std::size_t eq = arg.find('=');
    if (eq != std::string_view::npos && is_identifier(trim(arg.substr(0, eq)))) {
      return PathStep{PathStep::Kind::WhereEquals, std::string(trim(arg.substr(0, eq))), unquote(arg.substr(eq + 1))};
    }
  }
  return std::nullopt;
}

std::optional<PathPart> parse_part(std::string_view text) {
  text = strip_parens(text);
  std::string as_type;
  // "Observation.value as Quantity"
  const std::size_t as_pos = text.rfind(" as ");
  if (as_pos != std::string_view::npos) {
    as_type = std::string(trim(text.substr(as_pos + 4)));
    text = strip_parens(text.substr(0, as_pos));
    if (!is_identifier(as_type)) return std::nullopt;
  }
  const auto segments = split_top(text, '.');
  if (segments.empty() || !is_identifier(trim(segments[0]))) return std::nullopt;
  PathPart part;
  part.root = std::string(trim(segments[0]));
  for (std::size_t i = 1; i < segments.size(); ++i) {
    auto step = parse_step(segments[i]);
    if (!step) return std::nullopt;
    part.steps.push_back(std::move(*step));
  }
  if (!as_type.empty()) part.steps.push_back(PathStep{PathStep::Kind::AsType, as_type, {}});
  return part;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

void push_value(const fhir::json::Node& n, std::string_view hint, std::vector<MatchedNode>& out) {
  if (n.is_array()) {
    for (const auto& item : n.items()) out.push_back({&item, hint});
  } else {
    out.push_back({&n, hint});
  }
}

bool reference_is(const fhir::json::Node& n, std::string_view type) {
  const auto* ref = n.is_object() ? n.find("reference") : nullptr;
  if (!ref || !ref->is_string()) {
    const auto* t = n.is_object() ? n.find("type") : nullptr;
    return t && t->is_string() && t->text() == type;
  }
  const std::string_view r = ref->text();
  const std::string prefix = std::string(type) + "/";
  return r.starts_with(prefix) || r.find("/" + prefix) != std::string_view::npos;
}

}  // namespace

PathExpression::PathExpression(std::string_view expression) {
  for (std::string_view part_text : split_top(expression, '|')) {
    if (auto part = parse_part(part_text)) parts_.push_back(std::move(*part));
  }
}

const std::vector<MatchedNode>& PathExpression::evaluate(const fhir::json::Node& resource,
                                                         std::string_view resource_type, PathScratch& scratch) const {
  std::vector<MatchedNode>& result = scratch.result;
  std::vector<MatchedNode>& current = scratch.current;  // the nodes one step selects
  std::vector<MatchedNode>& next = scratch.next;
  result.clear();
  for (const PathPart& part : parts_) {
    if (part.root != resource_type && part.root != "Resource" && part.root != "DomainResource") continue;
    current.assign(1, MatchedNode{&resource, {}});
    for (const PathStep& step : part.steps) {
      next.clear();
      for (const MatchedNode& m : current) {
        const fhir::json::Node& n = *m.node;
        switch (step.kind) {
          case PathStep::Kind::Child: {
            if (!n.is_object()) break;
            if (const auto* child = n.find(step.name)) {
              push_value(*child, {}, next);
              break;
            }
            // choice element: value -> valueQuantity, valueString, ...
            for (const auto& member : n.members()) {
              const std::string_view key(member.key);
              if (key.size() > step.name.size() && key.starts_with(step.name) &&
                  std::isupper(static_cast<unsigned char>(key[step.name.size()]))) {
                push_value(member.value, key.substr(step.name.size()), next);
              }
            }
            break;
          }
          case PathStep::Kind::AsType:
            if (m.type_hint.empty() || iequals(m.type_hint, step.name)) next.push_back(m);
            break;
          case PathStep::Kind::WhereResolveIs:
            if (reference_is(n, step.name)) next.push_back(m);
            break;
          case PathStep::Kind::WhereEquals: {
            const auto* field = n.is_object() ? n.find(step.name) : nullptr;
            if (field && field->is_primitive() && field->text() == step.value) next.push_back(m);
            break;
          }
          case PathStep::Kind::ExtensionUrl: {
            const auto* ext = n.is_object() ? n.find("extension") : nullptr;
            if (!ext || !ext->is_array()) break;
            for (const auto& e : ext->items()) {
              const auto* url = e.is_object() ? e.find("url") : nullptr;
              if (url && url->text() == step.name) next.push_back({&e, {}});
            }
            break;
          }
        }
      }
      current.swap(next);
      if (current.empty()) break;
    }
    if (!part.steps.empty()) result.insert(result.end(), current.begin(), current.end());
  }
  return result;
}

}  // namespace fhirgw::search
