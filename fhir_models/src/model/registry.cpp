// Registry lookups and TypeDef navigation (children, choice types, content references).
#include <algorithm>
#include <cctype>

#include "fhir/model/metadata.h"

namespace fhir::model {
namespace {

// Strips a "|version" suffix from a canonical URL.
std::string_view strip_version(std::string_view url) {
  const auto bar = url.find('|');
  return bar == std::string_view::npos ? url : url.substr(0, bar);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TypeDef

const TypeDef::ChildName* TypeDef::lookup_child(std::uint32_t parent_index, std::string_view json_name) const {
  if (parent_index >= elements.size()) return nullptr;
  const ElementDef& source = children_source(elements[parent_index]);
  const std::uint32_t parent = index_of(source);
  const auto it = std::lower_bound(child_names.begin(), child_names.end(), std::pair{parent, json_name},
                                   [](const ChildName& c, const std::pair<std::uint32_t, std::string_view>& key) {
                                     if (c.parent != key.first) return c.parent < key.first;
                                     // The first byte settles most comparisons without a call to memcmp.
                                     const std::string_view a = c.name, b = key.second;
                                     if (!a.empty() && !b.empty() && a[0] != b[0])
                                       return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
                                     return a < b;
                                   });
  if (it == child_names.end() || it->parent != parent || !json::same_text(it->name, json_name)) return nullptr;
  return &*it;
}

const ElementDef* TypeDef::child(std::uint32_t parent_index, std::string_view json_name,
                                 std::string* choice_type) const {
  const ChildName* c = lookup_child(parent_index, json_name);
  if (c == nullptr) return nullptr;
  const ElementDef& e = elements[c->child];
  if (choice_type != nullptr && c->choice_type != ElementDef::kNoParent) *choice_type = e.types[c->choice_type].code;
  return &e;
}

const ElementDef* TypeDef::find_path(std::string_view path) const {
  for (const ElementDef& e : elements) {
    if (e.slice_name.empty() && e.path == path) return &e;
  }
  // Walk segment by segment through JSON names (choice forms, content references).
  if (elements.empty()) return nullptr;
  const std::string_view root_name = elements.front().path;
  if (path.size() <= root_name.size() || path.substr(0, root_name.size()) != root_name ||
      path[root_name.size()] != '.') {
    return nullptr;
  }
  std::string_view rest = path.substr(root_name.size() + 1);
  std::uint32_t current = 0;
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const std::string_view segment = rest.substr(0, dot);
    const ElementDef* next = child(current, segment);
    if (next == nullptr) {
      // "value[x]" written literally as a segment.
      const ElementDef& parent = children_source(elements[current]);
      for (const std::uint32_t idx : parent.children) {
        const ElementDef& e = elements[idx];
        if (e.slice_name.empty() && e.is_choice && segment.size() == e.name.size() + 3 &&
            segment.substr(0, e.name.size()) == e.name && segment.substr(e.name.size()) == "[x]") {
          next = &e;
          break;
        }
      }
    }
    if (next == nullptr) return nullptr;
    current = index_of(*next);
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  }
  return &elements[current];
}

void TypeDef::link() {
  for (ElementDef& e : elements) {
    e.children.clear();
    e.content_reference_target = ElementDef::kNoParent;
  }
  for (std::uint32_t i = 0; i < elements.size(); ++i) {
    const std::uint32_t parent = elements[i].parent;
    if (parent != ElementDef::kNoParent && parent < elements.size()) elements[parent].children.push_back(i);
  }
  for (ElementDef& e : elements) {
    if (e.content_reference.empty()) continue;
    const auto hash = e.content_reference.find('#');
    const std::string_view target = hash == std::string::npos ? std::string_view(e.content_reference)
                                                              : std::string_view(e.content_reference).substr(hash + 1);
    for (std::uint32_t j = 0; j < elements.size(); ++j) {
      if (elements[j].slice_name.empty() && elements[j].path == target) {
        e.content_reference_target = j;
        break;
      }
    }
  }
  child_names.clear();
  for (std::uint32_t p = 0; p < elements.size(); ++p) {
    const ElementDef& parent = elements[p];
    for (std::uint32_t pos = 0; pos < parent.children.size(); ++pos) {
      const std::uint32_t c = parent.children[pos];
      const ElementDef& e = elements[c];
      // A slice shares its path (and JSON name) with the element it slices: index the unsliced one.
      if (!e.slice_name.empty()) continue;
      if (!e.is_choice) {
        child_names.push_back({p, e.name, c, pos, ElementDef::kNoParent});
        continue;
      }
      for (std::uint32_t t = 0; t < e.types.size(); ++t) {
        const std::string& code = e.types[t].code;
        if (code.empty()) continue;
        std::string json_name = e.name;
        json_name += static_cast<char>(std::toupper(static_cast<unsigned char>(code[0])));
        json_name.append(code, 1);
        child_names.push_back({p, std::move(json_name), c, pos, t});
      }
    }
  }
  std::stable_sort(child_names.begin(), child_names.end(), [](const ChildName& a, const ChildName& b) {
    return a.parent != b.parent ? a.parent < b.parent : a.name < b.name;
  });
  // Profiles may repeat a name (renamed choice + [x] element): keep the first of each.
  child_names.erase(
      std::unique(child_names.begin(), child_names.end(),
                  [](const ChildName& a, const ChildName& b) { return a.parent == b.parent && a.name == b.name; }),
      child_names.end());
  for (ChildName& c : child_names) {
    const ElementDef& source = children_source(elements[c.child]);
    if (!source.children.empty()) c.nested = index_of(source);
  }
}

// ---------------------------------------------------------------------------------------------
// ValueSetExpansion

bool ValueSetExpansion::contains(std::string_view system, std::string_view code) const {
  const auto it = codes_by_system.find(system);
  if (it == codes_by_system.end()) return false;
  // Registry::add_value_set sorts the lists; an expansion used on its own must be sorted by its builder.
  return std::binary_search(it->second.begin(), it->second.end(), code);
}

bool ValueSetExpansion::contains_code(std::string_view code) const {
  for (const auto& [system, codes] : codes_by_system) {
    if (contains(system, code)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Registry

Registry::Registry() = default;
Registry::~Registry() = default;

const TypeDef* Registry::find_type(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const TypeDef* Registry::find_by_url(std::string_view url) const {
  const auto it = by_url_.find(strip_version(url));
  return it == by_url_.end() ? nullptr : it->second;
}

bool Registry::is_resource_type(std::string_view name) const {
  const TypeDef* t = find_type(name);
  return t != nullptr && t->kind == TypeKind::Resource && !t->abstract;
}

bool Registry::is_a(std::string_view type, std::string_view ancestor) const {
  const TypeDef* t = find_type(type);
  if (t == nullptr) t = find_by_url(type);
  if (t == nullptr) return type == ancestor;
  // Bounded walk: guards against a cycle in malformed profiles.
  for (int depth = 0; t != nullptr && depth < 64; ++depth) {
    if ((!t->is_profile && t->name == ancestor) || t->url == ancestor) return true;
    if (t->base_url.empty()) break;
    t = find_by_url(t->base_url);
  }
  return false;
}

const ValueSetExpansion* Registry::find_value_set(std::string_view url) const {
  const auto it = vs_by_url_.find(strip_version(url));
  return it == vs_by_url_.end() ? nullptr : it->second;
}

const CodeSystemInfo* Registry::find_code_system(std::string_view url) const {
  const auto it = cs_by_url_.find(strip_version(url));
  return it == cs_by_url_.end() ? nullptr : it->second;
}

std::vector<const SearchParamDef*> Registry::search_params(std::string_view resource_type) const {
  // Parameters defined on Resource / DomainResource (_id, _lastUpdated, ...) apply to every resource.
  std::vector<const SearchParamDef*> out;
  for (const auto& [base, params] : sp_by_type_) {
    if (base == resource_type || is_a(resource_type, base)) out.insert(out.end(), params.begin(), params.end());
  }
  std::sort(out.begin(), out.end(), [](const SearchParamDef* a, const SearchParamDef* b) {
    return a->name != b->name ? a->name < b->name : a->url < b->url;
  });
  return out;
}

void Registry::resolve_type_refs(TypeDef& type) const {
  for (ElementDef& e : type.elements)
    for (TypeRef& r : e.types)
      if (r.def == nullptr) r.def = find_type(r.code);
}

void Registry::add_type(std::unique_ptr<TypeDef> type) {
  if (!type) return;
  TypeDef* t = type.get();
  if (t->elements.empty() || t->elements.front().children.empty()) t->link();
  types_.push_back(std::move(type));
  if (!t->url.empty()) by_url_[std::string(strip_version(t->url))] = t;
  if (!t->is_profile && !t->name.empty()) {
    by_name_[t->name] = t;
    if (t->kind == TypeKind::Resource && !t->abstract &&
        std::find(resource_names_.begin(), resource_names_.end(), t->name) == resource_names_.end()) {
      resource_names_.insert(std::upper_bound(resource_names_.begin(), resource_names_.end(), t->name), t->name);
    }
  }
  resolve_type_refs(*t);
}

void Registry::add_value_set(std::unique_ptr<ValueSetExpansion> vs) {
  if (!vs) return;
  for (auto& [system, codes] : vs->codes_by_system) std::sort(codes.begin(), codes.end());
  vs_by_url_[std::string(strip_version(vs->url))] = vs.get();
  value_sets_.push_back(std::move(vs));
}

void Registry::add_code_system(std::unique_ptr<CodeSystemInfo> cs) {
  if (!cs) return;
  cs_by_url_[std::string(strip_version(cs->url))] = cs.get();
  code_systems_.push_back(std::move(cs));
}

void Registry::add_search_param(std::unique_ptr<SearchParamDef> sp) {
  if (!sp) return;
  for (const std::string& base : sp->base) sp_by_type_[base].push_back(sp.get());
  search_params_.push_back(std::move(sp));
}

}  // namespace fhir::model
