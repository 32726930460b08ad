// Compiles a StructureDefinition snapshot (JSON) into a TypeDef. Used by the metadata generator for the
// core definitions and at run time for profiles.
#include <charconv>
#include <string>
#include <unordered_map>

#include "definition_codes.h"
#include "fhir/model/metadata.h"

namespace fhir::model {
namespace {

std::string_view str(const json::Node* n) { return n != nullptr && n->is_string() ? n->text() : std::string_view{}; }
std::string_view str(const json::Node& obj, std::string_view key) { return str(obj.find(key)); }
bool flag(const json::Node& obj, std::string_view key) {
  const json::Node* n = obj.find(key);
  return n != nullptr && n->as_bool();
}

std::string strip_version(std::string_view url) {
  const auto bar = url.find('|');
  return std::string(bar == std::string_view::npos ? url : url.substr(0, bar));
}

std::vector<std::string> string_list(const json::Node& obj, std::string_view key) {
  std::vector<std::string> out;
  const json::Node* arr = obj.find(key);
  if (arr == nullptr || !arr->is_array()) return out;
  for (const json::Node& item : arr->items()) {
    if (item.is_string()) out.emplace_back(item.text());
  }
  return out;
}

std::uint32_t parse_max(std::string_view max) {
  if (max == "*" || max.empty()) return kUnbounded;
  std::uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(max.data(), max.data() + max.size(), v);
  return ec == std::errc{} && ptr == max.data() + max.size() ? v : kUnbounded;
}

// The member whose key is `prefix` + an upper-case letter ("fixedUri", "patternCodeableConcept").
const json::Node* prefixed_value(const json::Node& obj, std::string_view prefix) {
  for (const json::Member& m : obj.members()) {
    const std::string_view key = m.key;
    if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix && key[prefix.size()] >= 'A' &&
        key[prefix.size()] <= 'Z') {
      return &m.value;
    }
  }
  return nullptr;
}

ElementDef compile_element(const json::Node& ed) {
  ElementDef e;
  e.path = std::string(str(ed, "path"));
  e.slice_name = std::string(str(ed, "sliceName"));
  const auto dot = e.path.rfind('.');
  std::string_view last =
      dot == std::string::npos ? std::string_view(e.path) : std::string_view(e.path).substr(dot + 1);
  if (last.size() > 3 && last.substr(last.size() - 3) == "[x]") {
    e.is_choice = true;
    last.remove_suffix(3);
  }
  e.name = std::string(last);
  if (const json::Node* min = ed.find("min"); min != nullptr && min->is_number()) {
    std::uint32_t v = 0;
    const std::string_view t = min->text();
    std::from_chars(t.data(), t.data() + t.size(), v);
    e.min = v;
  }
  e.max = ed.find("max") != nullptr ? parse_max(str(ed, "max")) : kUnbounded;
  if (const json::Node* types = ed.find("type"); types != nullptr && types->is_array()) {
    for (const json::Node& t : types->items()) {
      TypeRef ref;
      ref.code = std::string(str(t, "code"));
      ref.profiles = string_list(t, "profile");
      ref.target_profiles = string_list(t, "targetProfile");
      e.types.push_back(std::move(ref));
    }
  }
  if (const json::Node* b = ed.find("binding"); b != nullptr && b->is_object()) {
    Binding binding;
    binding.strength = detail::binding_strength_from_code(str(*b, "strength"));
    binding.value_set = strip_version(str(*b, "valueSet"));
    e.binding = std::move(binding);
  }
  e.content_reference = std::string(str(ed, "contentReference"));
  if (const json::Node* fixed = prefixed_value(ed, "fixed")) e.fixed = json::Node(*fixed);
  if (const json::Node* pattern = prefixed_value(ed, "pattern")) e.pattern = json::Node(*pattern);
  if (const json::Node* cs = ed.find("constraint"); cs != nullptr && cs->is_array()) {
    for (const json::Node& c : cs->items()) {
      Constraint con;
      con.key = std::string(str(c, "key"));
      con.severity = str(c, "severity") == "warning" ? ConstraintSeverity::Warning : ConstraintSeverity::Error;
      con.human = std::string(str(c, "human"));
      con.expression = std::string(str(c, "expression"));
      e.constraints.push_back(std::move(con));
    }
  }
  if (const json::Node* s = ed.find("slicing"); s != nullptr && s->is_object()) {
    Slicing slicing;
    if (const json::Node* ds = s->find("discriminator"); ds != nullptr && ds->is_array()) {
      for (const json::Node& d : ds->items()) {
        slicing.discriminators.push_back({std::string(str(d, "type")), std::string(str(d, "path"))});
      }
    }
    slicing.ordered = flag(*s, "ordered");
    slicing.rules = std::string(str(*s, "rules"));
    e.slicing = std::move(slicing);
  }
  e.is_modifier = flag(ed, "isModifier");
  e.is_summary = flag(ed, "isSummary");
  e.must_support = flag(ed, "mustSupport");
  return e;
}

}  // namespace

std::unique_ptr<TypeDef> compile_structure_definition(const json::Node& sd, std::string* error) {
  auto fail = [&](std::string message) -> std::unique_ptr<TypeDef> {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  if (!sd.is_object() || str(sd, "resourceType") != "StructureDefinition") {
    return fail("not a StructureDefinition");
  }
  const json::Node* snapshot = sd.find("snapshot");
  const json::Node* elements = snapshot != nullptr ? snapshot->find("element") : nullptr;
  if (elements == nullptr || !elements->is_array() || elements->size() == 0) {
    return fail("StructureDefinition '" + std::string(str(sd, "url")) + "' has no snapshot");
  }
  auto type = std::make_unique<TypeDef>();
  type->url = std::string(str(sd, "url"));
  type->id = std::string(str(sd, "id"));
  type->name = std::string(str(sd, "type"));
  if (type->name.empty()) type->name = std::string(str(sd, "name"));
  type->base_url = strip_version(str(sd, "baseDefinition"));
  type->kind = detail::type_kind_from_code(str(sd, "kind"));
  type->abstract = flag(sd, "abstract");
  type->is_profile = str(sd, "derivation") == "constraint";

  type->elements.reserve(elements->size());
  // Parent = the latest element whose path is the longest proper prefix; slices come before the
  // elements they contain, so "the latest" picks the slice when there is one.
  std::unordered_map<std::string, std::uint32_t> latest_by_path;
  for (const json::Node& ed : elements->items()) {
    if (!ed.is_object()) return fail("snapshot element is not an object in '" + type->url + "'");
    ElementDef e = compile_element(ed);
    if (e.path.empty()) return fail("snapshot element without path in '" + type->url + "'");
    const auto index = static_cast<std::uint32_t>(type->elements.size());
    if (index > 0) {
      std::string_view p = e.path;
      for (auto dot = p.rfind('.'); dot != std::string_view::npos; dot = p.rfind('.')) {
        p = p.substr(0, dot);
        if (const auto it = latest_by_path.find(std::string(p)); it != latest_by_path.end()) {
          e.parent = it->second;
          break;
        }
      }
      if (e.parent == ElementDef::kNoParent) e.parent = 0;
    }
    latest_by_path[e.path] = index;
    type->elements.push_back(std::move(e));
  }
  type->link();
  return type;
}

}  // namespace fhir::model
