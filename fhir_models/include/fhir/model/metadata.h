// Compact FHIR structure metadata, compiled from StructureDefinition snapshots.
//
// The R4 core metadata is generated from the pinned hl7.fhir.r4.examples@4.0.1 package (see
// fhir_models/tools/) and embedded in the library; profiles (e.g. mCODE) are compiled from their
// StructureDefinition JSON at run time with the same code (compile_structure_definition).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/json/node.h"

namespace fhir::model {

// Transparent string hashing: lookups by std::string_view without building a std::string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

inline constexpr std::uint32_t kUnbounded = std::numeric_limits<std::uint32_t>::max();

enum class TypeKind : std::uint8_t { PrimitiveType, ComplexType, Resource, Logical };
enum class BindingStrength : std::uint8_t { Required, Extensible, Preferred, Example };
enum class ConstraintSeverity : std::uint8_t { Error, Warning };

struct TypeDef;

struct TypeRef {
  std::string code;                          // "string", "Reference", "Quantity", "BackboneElement", ...
  std::vector<std::string> profiles;         // type profiles (canonical URLs)
  std::vector<std::string> target_profiles;  // for Reference/canonical: allowed target profiles
  // The base type `code` names, resolved once by the Registry that holds the element (saves a hashed
  // name lookup per value); nullptr when not resolved: use Registry::find_type(code).
  const TypeDef* def = nullptr;
};

struct Binding {
  BindingStrength strength = BindingStrength::Example;
  std::string value_set;  // canonical URL, version suffix ("|4.0.1") stripped
};

struct Constraint {
  std::string key;  // "ele-1", "obs-6"
  ConstraintSeverity severity = ConstraintSeverity::Error;
  std::string human;       // the human description
  std::string expression;  // FHIRPath
};

// Slicing information (profiles only).
struct Discriminator {
  std::string type;  // value | pattern | type | profile | exists
  std::string path;  // FHIRPath-like, "$this", "code", "url", ...
};
struct Slicing {
  std::vector<Discriminator> discriminators;
  bool ordered = false;
  std::string rules;  // open | closed | openAtEnd
};

struct ElementDef {
  std::string path;        // "Observation.value[x]", "Observation.component.code"
  std::string name;        // JSON property name without "[x]": "value", "code"
  std::string slice_name;  // profiles: the slice this element defines ("" if none)
  bool is_choice = false;  // path ends in [x]
  std::uint32_t min = 0;
  std::uint32_t max = kUnbounded;  // 1 = single value (JSON scalar/object), >1 or * = JSON array
  std::vector<TypeRef> types;
  std::optional<Binding> binding;
  std::string content_reference;      // "#Questionnaire.item": children come from that element
  std::optional<json::Node> fixed;    // fixed[x] value, if any
  std::optional<json::Node> pattern;  // pattern[x] value, if any
  std::vector<Constraint> constraints;
  std::optional<Slicing> slicing;
  bool is_modifier = false;
  bool is_summary = false;
  bool must_support = false;

  // Indices (into the owning TypeDef::elements) of the direct children, in specification order.
  std::vector<std::uint32_t> children;
  // Index of the parent element, kNoParent for the root.
  static constexpr std::uint32_t kNoParent = kUnbounded;
  std::uint32_t parent = kNoParent;
  // For content_reference: index of the referenced element in the same TypeDef (kNoParent if none).
  std::uint32_t content_reference_target = kNoParent;

  bool is_array() const noexcept { return max > 1; }
};

struct TypeDef {
  std::string name;      // "Observation", "HumanName", "string"; for profiles the constrained type
  std::string url;       // canonical URL of the StructureDefinition
  std::string id;        // StructureDefinition.id (profiles: e.g. "mcode-tumor-marker-test")
  std::string base_url;  // baseDefinition
  TypeKind kind = TypeKind::ComplexType;
  bool abstract = false;
  bool is_profile = false;           // derivation = constraint
  std::vector<ElementDef> elements;  // elements[0] is the root ("Observation")

  const ElementDef& root() const { return elements.front(); }
  // Finds a direct child of `parent_index` by JSON name; choice elements match their prefix
  // ("valueQuantity" finds "value[x]"; `choice_type` then receives "Quantity"). nullptr if none.
  const ElementDef* child(std::uint32_t parent_index, std::string_view json_name,
                          std::string* choice_type = nullptr) const;
  std::uint32_t index_of(const ElementDef& e) const { return static_cast<std::uint32_t>(&e - elements.data()); }
  // Finds an element by path: exact ElementDefinition path ("Observation.value[x]") or a walk through
  // JSON names and content references ("Observation.valueQuantity", "Questionnaire.item.item.linkId").
  const ElementDef* find_path(std::string_view path) const;
  // The element whose children apply to `e`: the content_reference target, or `e` itself.
  const ElementDef& children_source(const ElementDef& e) const {
    return e.children.empty() && e.content_reference_target != ElementDef::kNoParent
               ? elements[e.content_reference_target]
               : e;
  }
  // Fills ElementDef::children / content_reference_target from `parent` and `content_reference`, and
  // builds child_names.
  void link();

  // JSON-name index built by link(): the unsliced children of every element, choice elements once per
  // allowed type ("valueQuantity"), sorted by (parent, name) for binary search.
  struct ChildName {
    std::uint32_t parent = 0;  // the element whose child this is (a content reference's target, not the referrer)
    std::string name;          // JSON name
    std::uint32_t child = 0;   // index of the child element
    std::uint32_t order = 0;   // position of the child among the parent's children (specification order)
    std::uint32_t choice_type = ElementDef::kNoParent;  // choice names: index into the child's types
    // The element whose children describe the child's value (a backbone element, or a content reference's
    // target), kNoParent when the value's own type does.
    std::uint32_t nested = ElementDef::kNoParent;
  };
  std::vector<ChildName> child_names;
  // Like child(), but returns the index entry (spec order position, choice type). `parent_index` may be
  // an element with a content reference. nullptr if there is no such child.
  const ChildName* lookup_child(std::uint32_t parent_index, std::string_view json_name) const;
};

// One code system's codes (for checking codes against their system where it is known).
struct CodeSystemInfo {
  std::string url;
  std::string content;  // complete | fragment | example | not-present
  bool case_sensitive = true;
  StringMap<std::string> codes;  // code -> display
};

// A value set expanded to (system, code) pairs where the package allows it.
struct ValueSetExpansion {
  std::string url;
  bool complete = false;  // false: it could not be fully expanded (external systems, filters)
  StringMap<std::vector<std::string>> codes_by_system;  // system -> codes (sorted by Registry::add_value_set)
  // Binary search: the code lists must be sorted (Registry::add_value_set sorts them).
  bool contains(std::string_view system, std::string_view code) const;
  bool contains_code(std::string_view code) const;  // any system
};

struct SearchParamDef {
  std::string name;  // "patient", "code", "value-quantity"
  std::string url;
  std::string type;               // token | reference | date | string | quantity | number | uri | composite | special
  std::vector<std::string> base;  // resource types
  std::string expression;         // FHIRPath
  std::vector<std::string> targets;  // reference targets
};

// All metadata the library knows about: core types, profiles, terminology, search parameters.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The embedded FHIR R4 4.0.1 core metadata (loaded once, thread-safe).
  static const Registry& r4();
  // A new, mutable registry holding the embedded core metadata (e.g. to add profiles to). nullptr with
  // `error` set if the embedded metadata cannot be read (a build defect).
  static std::unique_ptr<Registry> load_r4(std::string* error = nullptr);

  // Loads compact metadata JSON produced by the generator. Returns false with `error` set on failure.
  bool load_compact(std::string_view json_text, std::string* error);

  // Base types by name ("Observation", "Quantity", "string").
  const TypeDef* find_type(std::string_view name) const;
  // Any StructureDefinition (core or profile) by canonical URL (version suffix ignored).
  const TypeDef* find_by_url(std::string_view url) const;
  bool is_resource_type(std::string_view name) const;
  const std::vector<std::string>& resource_type_names() const { return resource_names_; }
  // True if `type` equals `ancestor` or derives from it ("Observation" is a "DomainResource").
  bool is_a(std::string_view type, std::string_view ancestor) const;

  const ValueSetExpansion* find_value_set(std::string_view url) const;
  const CodeSystemInfo* find_code_system(std::string_view url) const;
  std::vector<const SearchParamDef*> search_params(std::string_view resource_type) const;

  // Adds a profile compiled at run time (see compile_structure_definition). Not thread-safe: load
  // profiles before sharing the registry between threads.
  void add_type(std::unique_ptr<TypeDef> type);
  void add_value_set(std::unique_ptr<ValueSetExpansion> vs);
  void add_code_system(std::unique_ptr<CodeSystemInfo> cs);
  void add_search_param(std::unique_ptr<SearchParamDef> sp);

 private:
  void resolve_type_refs(TypeDef& type) const;  // sets TypeRef::def from the base types known so far

  std::vector<std::unique_ptr<TypeDef>> types_;
  StringMap<const TypeDef*> by_name_;
  StringMap<const TypeDef*> by_url_;
  std::vector<std::string> resource_names_;
  std::vector<std::unique_ptr<ValueSetExpansion>> value_sets_;
  StringMap<const ValueSetExpansion*> vs_by_url_;
  std::vector<std::unique_ptr<CodeSystemInfo>> code_systems_;
  StringMap<const CodeSystemInfo*> cs_by_url_;
  std::vector<std::unique_ptr<SearchParamDef>> search_params_;
  StringMap<std::vector<const SearchParamDef*>> sp_by_type_;
};

// Compiles a StructureDefinition (with snapshot) into a TypeDef. Returns nullptr and sets `error` when
// the definition has no usable snapshot.
std::unique_ptr<TypeDef> compile_structure_definition(const json::Node& structure_definition, std::string* error);

}  // namespace fhir::model
