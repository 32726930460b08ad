#include "rest/fhirpath_patch.h"

#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/fhirpath.h"

namespace fhirgw::rest {

using fhir::json::Node;
namespace fp = fhir::fhirpath;

namespace {

using patch_detail::malformed;
using patch_detail::not_applicable;

// One `operation` parameter, read from its parts.
struct Operation {
  std::string type, path, name;
  const Node* value = nullptr;  // the `value` part (holds value[x] or nested parts)
  std::optional<std::int64_t> index, source, destination;
};

std::optional<std::int64_t> integer_of(const Node& part, std::string_view name) {
  const Node* v = part.find("valueInteger");
  if (!v || !v->is_number()) malformed("part '" + std::string(name) + "' needs a valueInteger");
  const std::string text(v->text());
  if (text.find_first_not_of("0123456789") != std::string::npos) {
    malformed("part '" + std::string(name) + "' must be a non-negative integer");
  }
  return std::stoll(text);
}

std::string string_of(const Node& part, std::string_view name) {
  for (const char* key : {"valueString", "valueCode", "valueUri"}) {
    if (const Node* v = part.find(key); v && v->is_string()) return std::string(v->text());
  }
  malformed("part '" + std::string(name) + "' needs a string value");
}

Operation read_operation(const Node& parameter) {
  const Node* parts = parameter.find("part");
  if (!parts || !parts->is_array()) malformed("an 'operation' parameter needs parts");
  Operation op;
  for (const Node& part : parts->items()) {
    const Node* name = part.is_object() ? part.find("name") : nullptr;
    if (!name || !name->is_string()) malformed("every part needs a name");
    const std::string_view n = name->text();
    if (n == "type")
      op.type = string_of(part, n);
    else if (n == "path")
      op.path = string_of(part, n);
    else if (n == "name")
      op.name = string_of(part, n);
    else if (n == "value")
      op.value = &part;
    else if (n == "index")
      op.index = integer_of(part, n);
    else if (n == "source")
      op.source = integer_of(part, n);
    else if (n == "destination")
      op.destination = integer_of(part, n);
    else
      malformed("unknown part '" + std::string(n) + "'");
  }
  if (op.path.empty()) malformed("the operation has no path");
  return op;
}

// The JSON for a `value` part: value[x] as given, or an object built from nested parts (anonymous types
// such as a BackboneElement). `type_suffix` receives X of value[x] ("Quantity"), empty for nested parts.
Node value_json(const Node& value_part, const Node::allocator_type& alloc, std::string& type_suffix) {
  for (const auto& m : value_part.members()) {
    if (m.key.size() > 5 && m.key.starts_with("value")) {
      type_suffix = std::string(std::string_view(m.key).substr(5));
      return Node(m.value, alloc);
    }
  }
  const Node* parts = value_part.find("part");
  if (!parts || !parts->is_array()) malformed("the 'value' part needs a value[x] or parts");
  Node object = Node::object(alloc);
  for (const Node& part : parts->items()) {
    const Node* name = part.find("name");
    if (!name || !name->is_string()) malformed("every nested part of 'value' needs a name");
    std::string ignored;
    Node child = value_json(part, alloc, ignored);
    if (Node* existing = object.find(name->text())) {  // a repeated name makes a list
      if (!existing->is_array()) {
        Node list = Node::array(alloc);
        list.push_back(std::move(*existing));
        *existing = std::move(list);
      }
      existing->push_back(std::move(child));
    } else {
      object.append_member(name->text(), std::move(child));
    }
  }
  type_suffix.clear();
  return object;
}

// Where a node sits: member `key` of `object`, and item `index` of it when that member is an array;
// `object` is nullptr for the resource itself.
struct Location {
  Node* object = nullptr;
  std::string key;
  std::optional<std::size_t> index;
};

bool find_location(Node& at, const Node* target, Location& out) {
  if (at.is_object()) {
    for (auto& m : at.members()) {
      if (&m.value == target) {
        out = {&at, std::string(m.key), std::nullopt};
        return true;
      }
      if (m.value.is_array()) {
        for (std::size_t i = 0; i < m.value.items().size(); ++i) {
          if (&m.value.items()[i] == target) {
            out = {&at, std::string(m.key), i};
            return true;
          }
        }
      }
      if (find_location(m.value, target, out)) return true;
    }
  } else if (at.is_array()) {
    for (auto& item : at.items()) {
      if (find_location(item, target, out)) return true;
    }
  }
  return false;
}

struct Selection {
  fp::Collection items;
  std::vector<Location> locations;
};

Selection select(Node& resource, const std::string& path, const fhir::model::Registry& registry) {
  const auto compiled = fp::compile(path);
  if (!compiled) malformed("path '" + path + "' is not FHIRPath: " + compiled.error);
  fp::EvalContext ctx;
  ctx.registry = &registry;
  ctx.resource = &resource;
  ctx.context = fp::resource_item(&registry, resource);
  auto result = fp::evaluate(*compiled.expression, ctx);
  if (!result.ok()) not_applicable("path '" + path + "' could not be evaluated: " + result.message);
  Selection s;
  for (const auto& item : result.items) {
    if (!item.is_element() || !item.node())
      not_applicable("path '" + path + "' selects something that is not an element");
    Location loc;  // stays empty (object == nullptr) for the resource itself
    if (item.node() != &resource && !find_location(resource, item.node(), loc)) {
      not_applicable("path '" + path + "' selects a value outside the resource");
    }
    s.locations.push_back(std::move(loc));
  }
  s.items = std::move(result.items);
  return s;
}

const Location& single(const Selection& s, const std::string& path) {
  if (s.locations.size() != 1) {
    not_applicable("path '" + path + "' matches " + std::to_string(s.locations.size()) + " elements; one is needed");
  }
  return s.locations.front();
}

// A single element below the resource (delete and replace cannot touch the resource itself).
const Location& single_element(const Selection& s, const std::string& path) {
  const Location& loc = single(s, path);
  if (!loc.object) not_applicable("path '" + path + "' selects the whole resource");
  return loc;
}

// The `_key` sibling of a primitive member (its extensions), if present.
Node* extension_sibling(const Location& loc) { return loc.object->find("_" + loc.key); }

void do_delete(Node& resource, const Operation& op, const fhir::model::Registry& registry) {
  const Selection s = select(resource, op.path, registry);
  if (s.locations.empty()) return;  // "delete ... (if found)"
  const Location& loc = single_element(s, op.path);
  Node& member = *loc.object->find(loc.key);
  Node* ext = extension_sibling(loc);
  if (loc.index) {
    erase_item(member, *loc.index);
    if (ext && ext->is_array() && *loc.index < ext->items().size()) erase_item(*ext, *loc.index);
    if (!member.items().empty()) return;
  }
  loc.object->erase("_" + loc.key);
  loc.object->erase(loc.key);
}

void do_replace(Node& resource, const Operation& op, const fhir::model::Registry& registry) {
  if (!op.value) malformed("replace needs a value");
  const Selection s = select(resource, op.path, registry);
  const Location& loc = single_element(s, op.path);
  std::string suffix;
  Node value = value_json(*op.value, resource.get_allocator(), suffix);
  Node& member = *loc.object->find(loc.key);
  if (loc.index)
    member.items()[*loc.index] = std::move(value);
  else
    member = std::move(value);
}

// The key under which `name` is stored in the selected object, and whether that element repeats.
std::pair<std::string, bool> element_for_add(const fp::Item& parent, const std::string& name, const std::string& suffix,
                                             const Node& object) {
  const fp::ElementType& t = parent.type();
  if (t.def) {
    const auto& source = t.def->children_source(t.def->elements[t.element]);
    const std::uint32_t source_index = t.def->index_of(source);
    if (!suffix.empty()) {
      if (const auto* e = t.def->child(source_index, name + suffix); e && e->is_choice)
        return {name + suffix, e->is_array()};
    }
    if (const auto* e = t.def->child(source_index, name)) return {name, e->is_array()};
    not_applicable("'" + name + "' is not an element of " + std::string(t.name));
  }
  const Node* existing = object.find(name);  // untyped: follow what is there
  return {name, existing && existing->is_array()};
}

void do_add(Node& resource, const Operation& op, const fhir::model::Registry& registry) {
  if (op.name.empty() || !op.value) malformed("add needs a name and a value");
  const Selection s = select(resource, op.path, registry);
  const Location& loc = single(s, op.path);
  Node* target = loc.object ? loc.object->find(loc.key) : &resource;
  Node& object = loc.index ? target->items()[*loc.index] : *target;
  if (!object.is_object()) not_applicable("path '" + op.path + "' does not select a complex element");
  std::string suffix;
  Node value = value_json(*op.value, resource.get_allocator(), suffix);
  const auto [key, repeats] = element_for_add(s.items.front(), op.name, suffix, object);
  Node* existing = object.find(key);
  if (repeats) {
    if (!existing) existing = &object.set(key, Node::array(resource.get_allocator()));
    existing->push_back(std::move(value));
  } else {
    if (existing) not_applicable("'" + key + "' already exists at '" + op.path + "'; use replace");
    object.set(key, std::move(value));
  }
}

// insert and move work on a list: every selected item must sit in the same array.
Node& selected_list(const Selection& s, const std::string& path) {
  if (s.locations.empty()) not_applicable("path '" + path + "' selects no list items (use add for a new list)");
  const Location& first = s.locations.front();
  for (const auto& loc : s.locations) {
    if (!loc.index || loc.object != first.object || loc.key != first.key) {
      not_applicable("path '" + path + "' does not select the items of one list");
    }
  }
  return *first.object->find(first.key);
}

void do_insert(Node& resource, const Operation& op, const fhir::model::Registry& registry) {
  if (!op.value || !op.index) malformed("insert needs a value and an index");
  const Selection s = select(resource, op.path, registry);
  Node& list = selected_list(s, op.path);
  if (static_cast<std::size_t>(*op.index) > list.items().size()) {
    not_applicable("index " + std::to_string(*op.index) + " is past the end of a list of " +
                   std::to_string(list.items().size()));
  }
  std::string suffix;
  insert_item(list, static_cast<std::size_t>(*op.index), value_json(*op.value, resource.get_allocator(), suffix));
  if (Node* ext = extension_sibling(s.locations.front()); ext && ext->is_array()) {
    insert_item(*ext, std::min<std::size_t>(static_cast<std::size_t>(*op.index), ext->items().size()),
                Node::null(resource.get_allocator()));
  }
}

void move_item(Node& list, std::size_t from, std::size_t to) {
  Node item(std::move(list.items()[from]), list.get_allocator());
  erase_item(list, from);
  insert_item(list, to, std::move(item));
}

void do_move(Node& resource, const Operation& op, const fhir::model::Registry& registry) {
  if (!op.source || !op.destination) malformed("move needs source and destination");
  const Selection s = select(resource, op.path, registry);
  Node& list = selected_list(s, op.path);
  const auto size = list.items().size();
  const auto from = static_cast<std::size_t>(*op.source), to = static_cast<std::size_t>(*op.destination);
  if (from >= size || to >= size)
    not_applicable("source and destination must be below the list size " + std::to_string(size));
  move_item(list, from, to);
  if (Node* ext = extension_sibling(s.locations.front()); ext && ext->is_array() && ext->items().size() == size) {
    move_item(*ext, from, to);
  }
}

}  // namespace

std::optional<PatchFailure> apply_fhirpath_patch(Node& resource, const Node& parameters,
                                                 const fhir::model::Registry& registry) {
  const Node* rt = parameters.is_object() ? parameters.find("resourceType") : nullptr;
  if (!rt || !rt->is_string() || rt->text() != "Parameters") {
    return PatchFailure{PatchFailure::Kind::Malformed, 0, "a FHIRPath Patch is a Parameters resource"};
  }
  const Node* params = parameters.find("parameter");
  if (!params || !params->is_array() || params->items().empty()) {
    return PatchFailure{PatchFailure::Kind::Malformed, 0, "the Parameters resource has no operation"};
  }
  Node work(resource, resource.get_allocator());
  std::size_t index = 0;
  try {
    for (const Node& parameter : params->items()) {
      const Node* name = parameter.is_object() ? parameter.find("name") : nullptr;
      if (!name || !name->is_string() || name->text() != "operation")
        malformed("every parameter must be an 'operation'");
      const Operation op = read_operation(parameter);
      if (op.type == "add")
        do_add(work, op, registry);
      else if (op.type == "insert")
        do_insert(work, op, registry);
      else if (op.type == "delete")
        do_delete(work, op, registry);
      else if (op.type == "replace")
        do_replace(work, op, registry);
      else if (op.type == "move")
        do_move(work, op, registry);
      else
        malformed("unknown operation type '" + op.type + "' (add, insert, delete, replace, move)");
      ++index;
    }
  } catch (const patch_detail::OperationFailed& f) {
    return PatchFailure{f.kind, index, f.reason};
  }
  resource = std::move(work);
  return std::nullopt;
}

}  // namespace fhirgw::rest
