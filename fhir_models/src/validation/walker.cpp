// The structural walk: unknown elements, JSON types, arrays vs single values, empty values (ele-1),
// choice types, cardinality and primitive values, guided by the compiled StructureDefinitions.
#include "walker.h"

#include <algorithm>
#include <array>

#include "invariants.h"

namespace fhir::validation::detail {
namespace {

using json::Node;
using model::ElementDef;
using model::TypeDef;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 80;
  std::string out = "'";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out.append("...");
  out.push_back('\'');
  return out;
}

std::string max_text(std::uint32_t max) { return max == model::kUnbounded ? "*" : std::to_string(max); }

// What the walker saw of one child element in one object.
struct Seen {
  std::string_view name;  // JSON name (without '_') that carried it; empty: not seen
  std::uint32_t count = 0;
};

// One Seen per child of the object's element, by the child's position among the element's children
// (Slot::order): no search per member, none in the cardinality pass. Inline for the usual child counts.
class SeenList {
 public:
  explicit SeenList(std::size_t children) : size_(children) {
    if (children > inline_.size())
      overflow_.resize(children);
    else
      std::fill_n(inline_.begin(), children, Seen{});
  }
  Seen& operator[](std::size_t order) { return size_ > inline_.size() ? overflow_[order] : inline_[order]; }

 private:
  std::array<Seen, 48> inline_;  // entries [0, size_) are set; the rest left uninitialized on purpose (hot path)
  std::vector<Seen> overflow_;
  std::size_t size_;
};

bool is_backbone_code(std::string_view code) { return code == "BackboneElement" || code == "Element"; }

}  // namespace

const BundleCtx::Entry* BundleCtx::find(std::string_view full_url) const {
  // entries are sorted by fullUrl (prepare_bundle); a duplicate fullUrl finds one of its entries.
  const auto it = std::lower_bound(entries.begin(), entries.end(), full_url,
                                   [](const Entry& e, std::string_view u) { return e.full_url < u; });
  return it != entries.end() && it->full_url == full_url ? &*it : nullptr;
}

bool lookup_child(const TypeDef& def, std::uint32_t element, std::string_view json_name, Slot& out) {
  const TypeDef::ChildName* c = def.lookup_child(element, json_name);
  if (c == nullptr) return false;
  const ElementDef& e = def.elements[c->child];
  const model::TypeRef* type = nullptr;
  if (c->choice_type != ElementDef::kNoParent) {
    type = &e.types[c->choice_type];
  } else if (!e.is_choice && !e.types.empty()) {
    type = &e.types.front();
  } else if (e.is_choice) {
    return false;  // "value" alone is not a valid JSON name for value[x]
  }
  out = Slot{&def, &e, type, c->order};
  return true;
}

bool is_resource_code(const model::Registry& registry, std::string_view code) {
  return code == "Resource" || code == "DomainResource" || registry.is_resource_type(code);
}

std::string_view type_of_profile(const model::Registry& registry, std::string_view url) {
  constexpr std::string_view kCore = "http://hl7.org/fhir/StructureDefinition/";
  if (starts_with(url, kCore) && url.find('/', kCore.size()) == std::string_view::npos) {
    std::string_view name = url.substr(kCore.size());
    if (const auto bar = name.find('|'); bar != std::string_view::npos) name = name.substr(0, bar);
    if (registry.find_type(name) != nullptr) return registry.find_type(name)->name;
  }
  if (const TypeDef* t = registry.find_by_url(url)) return t->name;
  return {};
}

Walker::Walker(const model::Registry& registry, const ValidateOptions& options, const json::LineIndex* lines,
               Outcome& outcome, const InvariantRunner* invariants)
    : registry_(registry),
      options_(options),
      lines_(lines),
      outcome_(&outcome),
      main_outcome_(&outcome),
      invariants_(invariants) {}

json::SourceLocation Walker::locate(const Node* node) const {
  if (lines_ == nullptr || node == nullptr || node->offset() == Node::kNoOffset) return {};
  return lines_->locate(node->offset());
}

void Walker::report(Severity severity, const char* code, std::string diagnostics, const PathSeg* path,
                    const Node* node) {
  if (options_.errors_only && severity != Severity::Error && severity != Severity::Fatal) return;
  outcome_->add(Issue{severity, code, std::move(diagnostics), path_string(path), locate(node)});
}

void Walker::validate_root(const Node& root) { resource(root, nullptr, nullptr, nullptr, nullptr); }

void Walker::resource(const Node& obj, const PathSeg* path, ResourceCtx* container, BundleCtx* bundle,
                      const Node* outer_bundle) {
  if (!obj.is_object()) {
    report(Severity::Error, "structure", "a resource must be a JSON object", path, &obj);
    return;
  }
  const Node* rt = obj.find("resourceType");
  if (rt == nullptr) {
    report(Severity::Error, "required", "resourceType is missing", path, &obj);
    return;
  }
  if (!rt->is_string()) {
    report(Severity::Error, "structure", "resourceType must be a JSON string", path, rt);
    return;
  }
  const TypeDef* def = registry_.find_type(rt->text());
  if (def == nullptr || def->kind != model::TypeKind::Resource || def->is_profile) {
    report(Severity::Error, "structure", "unknown resourceType " + quoted(rt->text()), path, rt);
    return;
  }
  if (def->abstract) {
    report(Severity::Error, "structure", "resourceType " + quoted(rt->text()) + " is abstract", path, rt);
    return;
  }
  constexpr int kMaxResourceNesting = 32;
  if (depth_ >= kMaxResourceNesting) {
    report(Severity::Error, "too-costly", "resources nested too deeply", path, &obj);
    return;
  }
  const PathSeg root_seg{nullptr, def->name, -1};
  const PathSeg* p = path != nullptr ? path : &root_seg;

  ResourceCtx rc;
  rc.node = &obj;
  rc.type = def;
  rc.container = container;
  rc.path = p;
  rc.bundle = bundle;
  rc.outer_bundle = outer_bundle;
  BundleCtx own_bundle;
  const bool is_bundle = def->name == "Bundle";
  if (is_bundle) {
    prepare_bundle(obj, own_bundle);
    rc.bundle = &own_bundle;
    if (rc.outer_bundle == nullptr) rc.outer_bundle = &obj;
  }
  ++depth_;
  object(obj, *def, 0, p, rc);
  std::vector<std::string_view> seen_keys;
  invariants(&obj, nullptr, *def, 0, def->name, def->root(), p, rc, &seen_keys);
  if (container == nullptr) check_contained(obj, p, rc);
  if (is_bundle) check_bundle(obj, p, own_bundle);
  if (def->name == "CodeSystem") check_code_system(obj, p);
  check_profiles(obj, *def, p, rc);
  --depth_;
}

void Walker::object(const Node& obj, const TypeDef& def, std::uint32_t element, const PathSeg* path, ResourceCtx& rc) {
  const bool resource_root = element == 0 && def.kind == model::TypeKind::Resource;
  if (obj.size() == 0 && !resource_root) {
    report(Severity::Error, "invariant", "ele-1: an element must have a value or children (empty object)", path, &obj);
    return;
  }
  bool has_extensions = false;
  for (const json::Member& m : obj.members()) {
    if (!m.key.empty() && m.key[0] == '_') {
      has_extensions = true;
      break;
    }
  }
  const ElementDef& source = def.children_source(def.elements[element]);
  SeenList seen(source.children.size());
  bool only_id = !resource_root;
  for (const json::Member& m : obj.members()) {
    const std::string_view key = m.key;
    if (resource_root && key == "resourceType") continue;
    const bool underscore = !key.empty() && key[0] == '_';
    const std::string_view name = underscore ? key.substr(1) : key;
    if (name != "id") only_id = false;
    Slot slot;
    if (!lookup_child(def, element, name, slot)) {
      const PathSeg seg{path, key, -1};
      report(Severity::Error, "structure", "unknown element " + quoted(key), &seg, &m.value);
      continue;
    }
    const PathSeg seg{path, name, -1};
    const Node* plain = nullptr;
    if (underscore) plain = obj.find(name);
    // Presence and choice bookkeeping.
    Seen& s = seen[slot.order];
    if (s.name.empty()) {
      s.name = name;
    } else if (s.name != name) {
      report(Severity::Error, "structure",
             "only one type of " + slot.element->name + "[x] may be present (found " + quoted(s.name) + " and " +
                 quoted(name) + ")",
             &seg, &m.value);
    }
    if (!underscore || plain == nullptr) {
      s.count = m.value.is_array() ? static_cast<std::uint32_t>(m.value.size()) : 1;
    }
    if (underscore) {
      primitive_extension(m.value, plain, slot, &seg, rc);
      continue;
    }
    member(obj, m, slot, &seg, rc, has_extensions);
  }
  if (only_id && obj.size() > 0) {
    report(Severity::Error, "invariant", "ele-1: an element must have a value or children other than id", path, &obj);
  }
  // Cardinality of the children.
  for (std::size_t pos = 0; pos < source.children.size(); ++pos) {
    const ElementDef& c = def.elements[source.children[pos]];
    if (!c.slice_name.empty()) continue;
    const std::uint32_t count = seen[pos].count;
    if (count < c.min) {
      const PathSeg seg{path, c.name, -1};
      report(Severity::Error, "required",
             count == 0 ? "missing required element " + quoted(c.name + (c.is_choice ? "[x]" : ""))
                        : quoted(c.name) + " needs at least " + std::to_string(c.min) + " item(s), found " +
                              std::to_string(count),
             &seg, &obj);
    } else if (count > c.max && c.max > 1) {
      const PathSeg seg{path, c.name, -1};
      report(Severity::Error, "structure",
             quoted(c.name) + " allows at most " + max_text(c.max) + " item(s), found " + std::to_string(count), &seg,
             &obj);
    }
  }
}

void Walker::member(const Node& obj, const json::Member& m, const Slot& slot, const PathSeg* path, ResourceCtx& rc,
                    bool has_extensions) {
  const Node& v = m.value;
  const ElementDef& el = *slot.element;
  const bool primitive_type = slot.type != nullptr && primitive_kind(slot.type->code) != PrimitiveKind::NotPrimitive;
  const Node* ext = nullptr;
  if (has_extensions && primitive_type) {
    for (const json::Member& other : obj.members()) {
      const std::string_view k = other.key;
      if (k.size() == m.key.size() + 1 && k[0] == '_' && k.substr(1) == std::string_view(m.key)) {
        ext = &other.value;
        break;
      }
    }
  }
  if (el.is_array()) {
    if (!v.is_array()) {
      report(Severity::Error, "structure", quoted(m.key) + " must be a JSON array", path, &v);
      if (!v.is_null()) value(v, nullptr, slot, path, rc);
      return;
    }
    if (v.size() == 0) {
      report(Severity::Error, "invariant", "ele-1: arrays must not be empty", path, &v);
      return;
    }
    const Node* ext_items = ext != nullptr && ext->is_array() ? ext : nullptr;
    const auto items = v.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const PathSeg item_seg{path->parent, path->name, static_cast<std::int64_t>(i)};
      const Node* item_ext = nullptr;
      if (ext_items != nullptr && i < ext_items->size() && !ext_items->items()[i].is_null())
        item_ext = &ext_items->items()[i];
      if (items[i].is_null()) {
        if (!primitive_type || item_ext == nullptr)
          report(Severity::Error, "structure",
                 "null is only allowed in an array of primitives, as a placeholder for an extension in '_" +
                     std::string(m.key) + "'",
                 &item_seg, &items[i]);
        continue;
      }
      value(items[i], item_ext, slot, &item_seg, rc);
    }
    return;
  }
  if (v.is_array()) {
    report(Severity::Error, "structure", quoted(m.key) + " must be a single value, not an array", path, &v);
    return;
  }
  if (v.is_null()) {
    report(Severity::Error, "structure", quoted(m.key) + " must not be null", path, &v);
    return;
  }
  value(v, ext, slot, path, rc);
}

void Walker::value(const Node& v, const Node* ext, const Slot& slot, const PathSeg* path, ResourceCtx& rc) {
  const ElementDef& el = *slot.element;
  const TypeDef& def = *slot.def;
  const std::uint32_t index = def.index_of(el);
  const bool has_children = !def.children_source(el).children.empty();
  if (has_children && (slot.type == nullptr || is_backbone_code(slot.type->code))) {
    if (!v.is_object()) {
      report(Severity::Error, "structure", quoted(el.name) + " must be a JSON object", path, &v);
      return;
    }
    object(v, def, index, path, rc);
    invariants(&v, nullptr, def, index, "BackboneElement", el, path, rc, nullptr);
    return;
  }
  if (slot.type == nullptr) return;
  const std::string_view code = slot.type->code;
  PrimitiveKind kind = primitive_kind(code);
  if (kind != PrimitiveKind::NotPrimitive) {
    // Resource.id is typed System.String in the snapshots but is an id.
    if (el.parent == 0 && el.name == "id" && def.kind == model::TypeKind::Resource) kind = PrimitiveKind::Id;
    primitive(v, slot, kind, path, rc);
    if (el.constraints.size() > 1) {
      const TypeDef* ptd = registry_.find_type(primitive_name(kind));
      if (ptd != nullptr) invariants(&v, ext, *ptd, 0, ptd->name, el, path, rc, nullptr);
    }
    return;
  }
  const TypeDef* type = slot.type->def != nullptr ? slot.type->def : registry_.find_type(code);
  if (type != nullptr ? type->kind == model::TypeKind::Resource : is_resource_code(registry_, code)) {
    const bool contained = el.name == "contained" && el.parent == 0;
    resource(v, path, contained ? &rc : nullptr, rc.bundle, rc.outer_bundle);
    return;
  }
  if (type == nullptr) {
    report(Severity::Information, "not-supported", "no definition for type " + quoted(code) + "; value not checked",
           path, &v);
    return;
  }
  if (!v.is_object()) {
    report(Severity::Error, "structure", quoted(path->name) + " must be a JSON object (type " + std::string(code) + ")",
           path, &v);
    return;
  }
  object(v, *type, 0, path, rc);
  if (type->name == "Reference") {
    check_reference(v, slot, path, rc);
  } else if (type->name == "Extension") {
    check_extension(v, path);
  }
  if (el.binding.has_value() && options_.check_terminology) {
    if (type->name == "CodeableConcept") {
      check_concept_binding(v, slot, path);
    } else if (type->name == "Coding") {
      check_coding_binding(v, slot, path);
    } else if (type->name == "Quantity" || registry_.is_a(type->name, "Quantity")) {
      check_quantity_binding(v, slot, path);
    }
  }
  std::vector<std::string_view> seen_keys;
  invariants(&v, nullptr, *type, 0, type->name, el, path, rc, &seen_keys);
  invariants(&v, nullptr, *type, 0, type->name, type->root(), path, rc, &seen_keys);
}

void Walker::primitive(const Node& v, const Slot& slot, PrimitiveKind kind, const PathSeg* path, ResourceCtx& rc) {
  if (const char* reason = check_primitive(kind, v)) {
    std::string shown = v.is_string() ? quoted(v.text()) : std::string(v.text());
    report(Severity::Error, "value", "invalid " + std::string(primitive_name(kind)) + " value " + shown + ": " + reason,
           path, &v);
    return;
  }
  if (!v.is_string()) return;
  if (kind == PrimitiveKind::Uri || kind == PrimitiveKind::Canonical || kind == PrimitiveKind::Url) {
    check_canonical_or_uri(v.text(), rc);
  } else if (kind == PrimitiveKind::Code && slot.element->binding.has_value() && options_.check_terminology) {
    check_code_binding(v, slot, path);
  }
}

void Walker::primitive_extension(const Node& ext, const Node* values, const Slot& slot, const PathSeg* path,
                                 ResourceCtx& rc) {
  const PrimitiveKind kind = slot.type != nullptr ? primitive_kind(slot.type->code) : PrimitiveKind::NotPrimitive;
  if (kind == PrimitiveKind::NotPrimitive) {
    report(Severity::Error, "structure", "'_" + std::string(path->name) + "' is only allowed for primitive elements",
           path, &ext);
    return;
  }
  const TypeDef* ptd = registry_.find_type(primitive_name(kind));
  auto check_one = [&](const Node& item, const PathSeg* seg) {
    if (!item.is_object()) {
      report(Severity::Error, "structure", "'_" + std::string(path->name) + "' must hold JSON objects", seg, &item);
      return;
    }
    if (ptd != nullptr) object(item, *ptd, 0, seg, rc);
  };
  if (!slot.element->is_array()) {
    if (ext.is_array()) {
      report(Severity::Error, "structure", "'_" + std::string(path->name) + "' must be a single object", path, &ext);
      return;
    }
    check_one(ext, path);
    return;
  }
  if (!ext.is_array()) {
    report(Severity::Error, "structure", "'_" + std::string(path->name) + "' must be a JSON array", path, &ext);
    return;
  }
  if (values != nullptr && values->is_array() && values->size() != ext.size()) {
    report(Severity::Error, "structure",
           "'_" + std::string(path->name) + "' must have as many items as '" + std::string(path->name) + "'", path,
           &ext);
  }
  const auto items = ext.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const PathSeg seg{path->parent, path->name, static_cast<std::int64_t>(i)};
    if (items[i].is_null()) {
      const bool has_value =
          values != nullptr && values->is_array() && i < values->size() && !values->items()[i].is_null();
      if (!has_value)
        report(Severity::Error, "structure", "value and extension are both null at this index", &seg, &items[i]);
      continue;
    }
    check_one(items[i], &seg);
  }
}

}  // namespace fhir::validation::detail
