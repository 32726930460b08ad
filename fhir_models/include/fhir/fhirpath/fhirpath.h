// FHIRPath (N1, as used by FHIR R4) over the lossless JSON tree.
//
// Usage: compile an expression once, evaluate it many times.
//
//   auto compiled = fhir::fhirpath::compile("dataAbsentReason.empty() or value.empty()");
//   if (!compiled) { /* compiled.error, compiled.error_offset */ }
//   fhir::fhirpath::EvalContext ctx;
//   ctx.registry = &fhir::model::Registry::r4();
//   ctx.resource = &observation_node;                      // %resource (and default %rootResource, %context)
//   auto result = fhir::fhirpath::evaluate(*compiled.expression, ctx);
//   if (result.status == Status::Unsupported) { /* result.message names the function */ }
//   std::optional<bool> b = fhir::fhirpath::to_boolean(result.items);   // singleton evaluation of collections
//
// Items that come from the tree reference the JSON nodes and the registry; items that are literals reference
// the compiled Expression. Keep all three alive while you use a result.
//
// Types: every tree item knows its FHIR type (from model::Registry metadata: choice types `value[x]` are found
// by their typed JSON names, contentReference is followed, contained resources and Bundle entries are typed by
// their resourceType). Without a registry navigation still works by JSON names, but untyped.
//
// Semantics worth knowing (tests/fhir_models/fhirpath_r4_suite_skips.txt lists where they differ from the
// published suite):
// - Navigation is dynamic: a name that the item's type lacks gives an empty result, not an error (collections
//   from children()/descendants() mix types). A leading type name filters: `Condition.code` is empty on a
//   Patient, so shared search parameter expressions work.
// - Decimals are exact (digit strings); division rounds to 8 fraction digits. Dates/times keep their precision:
//   comparing values of different precision, or a zoned with an unzoned time where the order depends on the
//   zone, gives empty.
// - Quantities in different units compare after UCUM conversion for definite units (src/fhirpath/ucum_units.inc);
//   other unit pairs are unequal for `=` and unknown (empty) for `<`. Calendar years/months are not 'a'/'mo'.
// - Bare System type names (`Boolean`, `DateTime`) also match the corresponding FHIR primitives, as R4 and
//   US Core constraints (que-7, us-core-1) are written; `System.Boolean` matches System values only.
// - Date/time + or - a time quantity (calendar words or UCUM 'a' 'mo' 'wk' 'd' 'h' 'min' 's' 'ms') keeps the
//   value's precision and zone; years/months clamp the day to the month's end.
// - Not implemented, reported as Status::Unsupported: conformsTo(), quantity multiplication/division (unit
//   algebra), and memberOf() for value sets the registry cannot expand completely.
// - resolve() finds `#id` in %rootResource.contained and Bundle entries (fullUrl, or Type/id) of
//   EvalContext::bundle (or %rootResource when it is a Bundle); anything else resolves to nothing.
// - htmlChecks() implements the R4 narrative rules (txt-1/txt-2): XHTML div root with the XHTML namespace,
//   only the allowed elements and attributes (src/fhirpath/narrative_xhtml_rules.inc), non-empty content.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/small_vector.h"
#include "fhir/json/node.h"
#include "fhir/model/metadata.h"

namespace fhir::fhirpath {

// The FHIR type of a tree item: `def` + `element` locate its definition (element 0 of a datatype or resource,
// or a backbone element inside its resource); `name` is the FHIR type name ("Quantity", "string",
// "BackboneElement", "Observation"). All empty when unknown.
struct ElementType {
  const model::TypeDef* def = nullptr;
  std::uint32_t element = 0;
  std::string_view name;
};

enum class ValueKind : std::uint8_t {
  Element,  // a node of the tree (resource, complex value or FHIR primitive)
  Boolean,  // System.Boolean
  Integer,  // System.Integer
  Decimal,  // System.Decimal, kept as its exact text
  String,   // System.String
  Date,     // System.Date / DateTime / Time, kept as their ISO text (without the '@')
  DateTime,
  Time,
  Quantity,  // System.Quantity: text() is the value, unit() the unit
};

namespace detail {
struct ItemAccess;
}

// One item of a collection. Small and cheap to copy: text is viewed, not owned, unless it was computed.
class Item {
 public:
  Item() = default;

  // A tree element. `value` is the JSON value (nullptr for a primitive that has only its `_name` extension
  // object), `extension` the `_name` sibling object of a primitive (nullptr if none).
  static Item element(const json::Node* value, const json::Node* extension, ElementType type);
  static Item boolean(bool b);
  static Item integer(std::int64_t i);
  static Item decimal(std::string_view text);  // text must stay alive (literal or tree)
  static Item string(std::string_view text);   // text must stay alive (literal or tree)
  static Item owned_string(std::string text);  // computed text
  static Item owned_decimal(std::string text);
  static Item temporal(ValueKind kind, std::string_view iso_text, bool owned = false);
  static Item quantity(std::string_view value, std::string_view unit, bool owned = false);
  // An element node created during evaluation (e.g. the TypeInfo of type()); the item keeps it alive.
  static Item owned_element(std::shared_ptr<const json::Node> node);

  ValueKind kind() const noexcept { return kind_; }
  bool is_element() const noexcept { return kind_ == ValueKind::Element; }
  const json::Node* node() const noexcept { return node_; }
  const json::Node* extension_node() const noexcept { return ext_; }
  const ElementType& type() const noexcept { return type_; }
  bool bool_value() const noexcept { return bool_; }
  std::int64_t int_value() const noexcept { return int_; }
  std::string_view text() const noexcept { return text_; }
  std::string_view unit() const noexcept { return unit_; }

  // True for a FHIR primitive element (value and/or extension, no object value).
  bool is_primitive_element() const noexcept;
  // The type name as FHIRPath reports it: FHIR types for elements, System types otherwise.
  std::string_view type_name() const noexcept;

 private:
  ValueKind kind_ = ValueKind::Boolean;
  bool bool_ = false;
  std::int64_t int_ = 0;
  const json::Node* node_ = nullptr;
  const json::Node* ext_ = nullptr;
  ElementType type_;
  std::string_view text_;
  std::string_view unit_;
  std::shared_ptr<const void> storage_;  // owns text_/unit_ or node_ when computed
  friend struct detail::ItemAccess;
};

// Most intermediate results hold zero or one item: keep one inline.
using Collection = SmallVector<Item, 1>;

// A compiled expression (immutable, thread-safe to evaluate concurrently).
class Expression;

struct CompileResult {
  std::shared_ptr<const Expression> expression;  // set on success
  std::string error;                             // set on failure: "unexpected token ')'"
  std::size_t error_offset = 0;                  // byte offset into the expression text
  explicit operator bool() const noexcept { return expression != nullptr; }
};

struct CompileOptions {
  // Reuse, within one evaluation, the results of subexpressions that cannot change (see
  // src/fhirpath/memo_plan.h). false evaluates every node every time: the reference the tests compare with.
  bool reuse_results = true;
};

CompileResult compile(std::string_view text);
CompileResult compile(std::string_view text, const CompileOptions& options);

// The source text of a compiled expression and the functions it calls that this engine does not implement
// (evaluation returns Status::Unsupported when it reaches one of them).
const std::string& source_text(const Expression& expression);
std::vector<std::string> unsupported_functions(const Expression& expression);

struct EvalContext {
  const model::Registry* registry = nullptr;  // type information; nullptr = untyped navigation
  const json::Node* resource = nullptr;       // %resource
  const json::Node* root_resource =
      nullptr;                         // %rootResource (the container of a contained resource); default: resource
  const json::Node* bundle = nullptr;  // outermost Bundle, for resolve() of entry references; default: root
                                       // resource when it is a Bundle
  // %context and the initial focus; when `context` is unset the resource is the context.
  std::optional<Item> context;
  // Receives trace(name[, projection]) output; trace() is a no-op without it.
  std::function<void(std::string_view name, const Collection& items)> trace;
};

enum class Status : std::uint8_t {
  Ok,
  Error,        // the expression is invalid for this input (e.g. a singleton was required but got many)
  Unsupported,  // the expression uses a function or feature this engine does not implement; see message
};

struct EvalResult {
  Collection items;
  Status status = Status::Ok;
  std::string message;  // Error/Unsupported: what and where
  bool ok() const noexcept { return status == Status::Ok; }
};

EvalResult evaluate(const Expression& expression, const EvalContext& context);

// A typed item for a resource node (type from its resourceType), for use as EvalContext::context.
Item resource_item(const model::Registry* registry, const json::Node& resource);

// FHIRPath singleton evaluation of collections for a boolean: empty -> nullopt, one Boolean -> its value,
// one item of another kind -> true. More than one item -> nullopt and *error set (if given).
std::optional<bool> to_boolean(const Collection& items, bool* error = nullptr);

}  // namespace fhir::fhirpath
