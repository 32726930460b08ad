// Navigation of the JSON tree with FHIR type information: child elements by FHIRPath name (choice types,
// primitive `_name` extension siblings paired by index, contentReference, resources typed by resourceType),
// children() and descendants().
#pragma once

#include <string_view>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/model/metadata.h"

namespace fhir::fhirpath::detail {

// Items below a computed node (the TypeInfo object of type()) keep that node alive.
struct ItemAccess {
  static void inherit_owner(Item& child, const Item& parent) { child.storage_ = parent.storage_; }
  static bool owns(const Item& item) { return item.storage_ != nullptr; }
};

class Navigator {
 public:
  explicit Navigator(const model::Registry* registry) : registry_(registry) {}

  const model::Registry* registry() const noexcept { return registry_; }

  // Appends the items named `name` below `parent` (FHIRPath member invocation). Returns false when the
  // parent's type is known and has no element of that name, true otherwise.
  bool child(const Item& parent, std::string_view name, Collection& out) const;
  // Appends all direct child items in document order.
  void children(const Item& parent, Collection& out) const;
  // Appends all descendants (depth first, document order).
  void descendants(const Item& parent, Collection& out) const;

  // A resource node typed by its resourceType.
  Item resource(const json::Node& node) const;
  // The type for a type code used in a definition ("Quantity", "string", System.String, ...).
  ElementType type_for_code(std::string_view code) const;
  // True if the item's type is `type_name` or derives from it (FHIR types; "FHIR." prefix optional).
  bool is_type(const Item& item, std::string_view type_name) const;

 private:
  struct ChildDef;  // the element definition matched for a JSON key
  bool child_of(const Item& parent, std::string_view name, Collection& out) const;
  void children_of(const Item& parent, const json::Node* obj, Collection& out) const;
  bool find_child_def(const ElementType& parent, std::string_view name, bool by_json_key, ChildDef& out) const;
  void collect(const json::Node* obj, std::string_view key, const ElementType& type, Collection& out) const;
  Item make_item(const json::Node* value, const json::Node* ext, const ElementType& type) const;
  // The type of element `index` of `def` as `ref` (one of its types; nullptr for a backbone element) gives it.
  ElementType element_type(const model::TypeDef& def, std::uint32_t index, const model::TypeRef* ref) const;
  ElementType type_for_ref(const model::TypeRef& ref) const;

  const model::Registry* registry_;
};

}  // namespace fhir::fhirpath::detail
