#include "navigation.h"

#include <cctype>
#include <string>

namespace fhir::fhirpath::detail {

struct Navigator::ChildDef {
  std::uint32_t index = 0;
  const model::ElementDef* elem = nullptr;
  const model::TypeRef* choice_type = nullptr;  // set when matched by a typed JSON key ("valueQuantity" -> Quantity)
};

namespace {

constexpr std::string_view kSystemPrefix = "http://hl7.org/fhirpath/System.";

// "Quantity" == capitalized("quantity")? Compares `rest` with `code` whose first letter is upper-cased.
bool is_capitalized(std::string_view rest, std::string_view code) {
  if (rest.size() != code.size() || rest.empty()) return false;
  if (rest[0] != static_cast<char>(std::toupper(static_cast<unsigned char>(code[0])))) return false;
  return rest.substr(1) == code.substr(1);
}

bool has_resource_type(const json::Node* n) {
  if (n == nullptr || !n->is_object()) return false;
  const json::Node* rt = n->find("resourceType");
  return rt != nullptr && rt->is_string();
}

// The part after '#' of a contentReference ("#Questionnaire.item" or "http://...#Questionnaire.item").
std::string_view content_reference_path(std::string_view ref) {
  auto hash = ref.find('#');
  return hash == std::string_view::npos ? ref : ref.substr(hash + 1);
}

}  // namespace

ElementType Navigator::type_for_ref(const model::TypeRef& ref) const {
  if (ref.def != nullptr) return {ref.def, 0, ref.def->name};
  return type_for_code(ref.code);
}

ElementType Navigator::type_for_code(std::string_view code) const {
  if (code.starts_with(kSystemPrefix)) {
    std::string_view sys = code.substr(kSystemPrefix.size());
    static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
        {"String", "string"}, {"Boolean", "boolean"},   {"Integer", "integer"}, {"Decimal", "decimal"},
        {"Date", "date"},     {"DateTime", "dateTime"}, {"Time", "time"},
    };
    for (const auto& [s, f] : kMap) {
      if (sys == s) {
        code = f;
        break;
      }
    }
  }
  if (registry_ != nullptr) {
    if (const model::TypeDef* def = registry_->find_type(code)) return {def, 0, def->name};
  }
  return {nullptr, 0, code};
}

ElementType Navigator::element_type(const model::TypeDef& def, std::uint32_t index, const model::TypeRef* ref) const {
  const model::ElementDef& e = def.elements[index];
  const std::string_view type_code = ref != nullptr ? std::string_view(ref->code) : std::string_view();
  if (!e.content_reference.empty()) {
    std::string_view path = content_reference_path(e.content_reference);
    for (std::uint32_t i = 0; i < def.elements.size(); ++i) {
      const auto& t = def.elements[i];
      if (t.path == path && t.slice_name.empty()) {
        std::string_view name =
            t.types.empty() ? std::string_view("BackboneElement") : std::string_view(t.types[0].code);
        return {&def, i, name};
      }
    }
    return {};
  }
  if (!e.children.empty() &&
      (type_code.empty() || type_code == "BackboneElement" || type_code == "Element" || e.types.size() == 1)) {
    return {&def, index, type_code.empty() ? std::string_view("BackboneElement") : type_code};
  }
  if (type_code.empty()) return {};
  return type_for_ref(*ref);
}

bool Navigator::find_child_def(const ElementType& parent, std::string_view name, bool by_json_key,
                               ChildDef& out) const {
  if (parent.def == nullptr || parent.element >= parent.def->elements.size()) return false;
  const model::TypeDef& def = *parent.def;
  for (std::uint32_t ci : def.elements[parent.element].children) {
    const model::ElementDef& e = def.elements[ci];
    if (!e.slice_name.empty()) continue;
    if (json::same_text(e.name, name)) {
      out = {ci, &e, {}};
      return true;
    }
    if (by_json_key && e.is_choice && name.size() > e.name.size() && name.starts_with(e.name)) {
      std::string_view rest = name.substr(e.name.size());
      for (const auto& t : e.types) {
        if (is_capitalized(rest, t.code)) {
          out = {ci, &e, &t};
          return true;
        }
      }
    }
  }
  return false;
}

Item Navigator::resource(const json::Node& node) const {
  const json::Node* rt = node.find("resourceType");
  std::string_view name = rt != nullptr && rt->is_string() ? rt->text() : std::string_view();
  ElementType type{nullptr, 0, name};
  if (registry_ != nullptr && !name.empty()) {
    if (const model::TypeDef* def = registry_->find_type(name)) type = {def, 0, def->name};
  }
  return Item::element(&node, nullptr, type);
}

Item Navigator::make_item(const json::Node* value, const json::Node* ext, const ElementType& type) const {
  if (has_resource_type(value) && (type.name.empty() || type.name == "Resource" || type.name == "DomainResource")) {
    return resource(*value);
  }
  return Item::element(value, ext, type);
}

void Navigator::collect(const json::Node* obj, std::string_view key, const ElementType& type, Collection& out) const {
  // One pass over the members finds the value and its '_' sibling (the sibling is usually absent, and a
  // second find() would read every key again to learn that).
  const json::Node* v = nullptr;
  const json::Node* ext = nullptr;
  for (const json::Member& m : obj->members()) {
    const std::string_view k = m.key;
    if (k.size() == key.size()) {
      if (v == nullptr && json::same_text(k, key)) v = &m.value;
    } else if (k.size() == key.size() + 1 && k[0] == '_' && ext == nullptr && k.substr(1) == key) {
      ext = &m.value;
    }
  }
  if (v == nullptr && ext == nullptr) return;
  const bool array = (v != nullptr && v->is_array()) || (ext != nullptr && ext->is_array());
  if (!array) {
    const json::Node* val = v != nullptr && !v->is_null() ? v : nullptr;
    const json::Node* e = ext != nullptr && ext->is_object() ? ext : nullptr;
    if (val != nullptr || e != nullptr) out.push_back(make_item(val, e, type));
    return;
  }
  const std::size_t n = v != nullptr && v->is_array() ? v->items().size() : 0;
  const std::size_t m = ext != nullptr && ext->is_array() ? ext->items().size() : 0;
  for (std::size_t i = 0; i < n || i < m; ++i) {
    const json::Node* val = i < n && !v->items()[i].is_null() ? &v->items()[i] : nullptr;
    const json::Node* e = i < m && ext->items()[i].is_object() ? &ext->items()[i] : nullptr;
    if (val != nullptr || e != nullptr) out.push_back(make_item(val, e, type));
  }
}

namespace {
// The object whose members are an item's children: the value object, or a primitive's extension object.
const json::Node* child_object(const Item& parent) {
  if (!parent.is_element()) return nullptr;
  if (parent.node() != nullptr && parent.node()->is_object()) return parent.node();
  return parent.extension_node();
}
}  // namespace

bool Navigator::child(const Item& parent, std::string_view name, Collection& out) const {
  if (!parent.is_element()) return true;
  if (ItemAccess::owns(parent)) {
    const std::size_t start = out.size();
    const bool known = child_of(parent, name, out);
    for (std::size_t i = start; i < out.size(); ++i) ItemAccess::inherit_owner(out[i], parent);
    return known;
  }
  return child_of(parent, name, out);
}

bool Navigator::child_of(const Item& parent, std::string_view name, Collection& out) const {
  ChildDef cd;
  if (!find_child_def(parent.type(), name, false, cd)) {
    const ElementType& t = parent.type();
    const bool typed =
        t.def != nullptr && t.element < t.def->elements.size() && !t.def->elements[t.element].children.empty();
    if (typed) return false;
    const json::Node* obj = child_object(parent);
    if (obj != nullptr && name != "resourceType") collect(obj, name, {}, out);
    return true;
  }
  const json::Node* obj = child_object(parent);
  if (obj == nullptr) return true;
  const model::TypeDef& def = *parent.type().def;
  if (!cd.elem->is_choice) {
    collect(obj, name, element_type(def, cd.index, cd.elem->types.empty() ? nullptr : &cd.elem->types[0]), out);
    return true;
  }
  for (const json::Member& m : obj->members()) {
    std::string_view key = m.key;
    const bool underscore = key.starts_with('_');
    std::string_view base = underscore ? key.substr(1) : key;
    if (base.size() <= name.size() || !base.starts_with(name)) continue;
    if (underscore && obj->find(base) != nullptr) continue;  // handled with its value
    std::string_view rest = base.substr(name.size());
    for (const auto& t : cd.elem->types) {
      if (is_capitalized(rest, t.code)) {
        collect(obj, base, element_type(def, cd.index, &t), out);
        break;
      }
    }
  }
  return true;
}

void Navigator::children(const Item& parent, Collection& out) const {
  const json::Node* obj = child_object(parent);
  if (obj == nullptr) return;
  const std::size_t start = out.size();
  children_of(parent, obj, out);
  if (ItemAccess::owns(parent)) {
    for (std::size_t i = start; i < out.size(); ++i) ItemAccess::inherit_owner(out[i], parent);
  }
}

void Navigator::children_of(const Item& parent, const json::Node* obj, Collection& out) const {
  for (const json::Member& m : obj->members()) {
    std::string_view key = m.key;
    if (key == "resourceType") continue;
    if (key.starts_with('_')) {
      key = key.substr(1);
      if (obj->find(key) != nullptr) continue;  // paired with its value
    }
    ChildDef cd;
    ElementType type;
    if (find_child_def(parent.type(), key, true, cd)) {
      const model::TypeRef* ref = cd.choice_type != nullptr ? cd.choice_type
                                  : cd.elem->types.empty()  ? nullptr
                                                            : &cd.elem->types[0];
      type = element_type(*parent.type().def, cd.index, ref);
    }
    collect(obj, key, type, out);
  }
}

void Navigator::descendants(const Item& parent, Collection& out) const {
  const std::size_t start = out.size();
  children(parent, out);
  // Breadth first, like repeat(children()).
  for (std::size_t i = start; i < out.size(); ++i) {
    Item copy = out[i];  // `out` may reallocate
    children(copy, out);
  }
}

bool Navigator::is_type(const Item& item, std::string_view type_name) const {
  if (type_name.starts_with("FHIR.")) type_name.remove_prefix(5);
  std::string_view actual = item.type().name;
  if (actual.empty()) return false;
  if (actual == type_name) return true;
  return registry_ != nullptr && registry_->is_a(actual, type_name);
}

}  // namespace fhir::fhirpath::detail
