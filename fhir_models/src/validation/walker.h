// The validation walk: one Walker per validate() call. It descends the JSON tree guided by the
// metadata (TypeDef/ElementDef), checks structure and primitive values on the way, and hands
// references, bindings, Bundle rules and invariants to the focused checks in the sibling files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "fhir/validation/outcome.h"
#include "fhir/validation/primitives.h"
#include "fhir/validation/validator.h"
#include "path.h"

namespace fhir::validation::detail {

class InvariantRunner;

// The Bundle that encloses the resources being walked (innermost one).
struct BundleCtx {
  const json::Node* node = nullptr;
  std::string_view type;  // Bundle.type
  struct Entry {
    std::string_view full_url;
    std::string_view resource_type;
  };
  std::vector<Entry> entries;  // entries with a fullUrl, sorted by fullUrl
  const Entry* find(std::string_view full_url) const;
};

// The resource being walked.
struct ResourceCtx {
  const json::Node* node = nullptr;
  const model::TypeDef* type = nullptr;
  ResourceCtx* container = nullptr;  // for a contained resource: the resource that contains it
  const PathSeg* path = nullptr;
  BundleCtx* bundle = nullptr;  // innermost enclosing Bundle (nullptr if none)
  const json::Node* outer_bundle = nullptr;
  std::vector<std::string_view> local_refs;            // "#id" references seen (in the resource and its contained)
  std::vector<const json::Node*> refers_to_container;  // contained resources that reference "#" (dom-3)
  ResourceCtx& root() { return container != nullptr ? container->root() : *this; }
};

// A value's place in the metadata: the element, and the type chosen for it.
struct Slot {
  const model::TypeDef* def = nullptr;  // TypeDef owning `element`
  const model::ElementDef* element = nullptr;
  const model::TypeRef* type = nullptr;  // chosen type (choice) or the only type; nullptr: backbone
  std::uint32_t order = 0;               // position of `element` among its parent's children
};

class Walker {
 public:
  Walker(const model::Registry& registry, const ValidateOptions& options, const json::LineIndex* lines,
         Outcome& outcome, const InvariantRunner* invariants);

  void validate_root(const json::Node& root);

  // Reporting (path text and line/column are built here, never on the happy path).
  void report(Severity severity, const char* code, std::string diagnostics, const PathSeg* path,
              const json::Node* node);
  json::SourceLocation locate(const json::Node* node) const;

  const model::Registry& registry() const { return registry_; }
  const ValidateOptions& options() const { return options_; }

 private:
  void resource(const json::Node& obj, const PathSeg* path, ResourceCtx* container, BundleCtx* bundle,
                const json::Node* outer_bundle);
  void object(const json::Node& obj, const model::TypeDef& def, std::uint32_t element, const PathSeg* path,
              ResourceCtx& rc);
  void member(const json::Node& obj, const json::Member& m, const Slot& slot, const PathSeg* path, ResourceCtx& rc,
              bool has_extensions);
  void value(const json::Node& v, const json::Node* ext, const Slot& slot, const PathSeg* path, ResourceCtx& rc);
  void primitive(const json::Node& v, const Slot& slot, PrimitiveKind kind, const PathSeg* path, ResourceCtx& rc);
  void primitive_extension(const json::Node& ext, const json::Node* values, const Slot& slot, const PathSeg* path,
                           ResourceCtx& rc);
  void invariants(const json::Node* v, const json::Node* ext, const model::TypeDef& def, std::uint32_t element,
                  std::string_view type_name, const model::ElementDef& constraints_of, const PathSeg* path,
                  ResourceCtx& rc, std::vector<std::string_view>* seen_keys);

  // Focused checks (references.cpp, bindings.cpp, bundle_rules.cpp, resource_rules.cpp).
  void check_reference(const json::Node& ref, const Slot& slot, const PathSeg* path, ResourceCtx& rc);
  void check_reference_target(const json::Node& ref, const model::TypeRef& type, const std::string& profile_url,
                              const PathSeg* path, ResourceCtx& rc);
  std::string_view reference_target_type(const json::Node& ref, ResourceCtx& rc) const;
  void check_canonical_or_uri(std::string_view text, ResourceCtx& rc);
  void check_code_binding(const json::Node& code, const Slot& slot, const PathSeg* path);
  void check_coding_binding(const json::Node& coding, const Slot& slot, const PathSeg* path);
  void check_concept_binding(const json::Node& cc, const Slot& slot, const PathSeg* path);
  void check_quantity_binding(const json::Node& quantity, const Slot& slot, const PathSeg* path);
  void check_extension(const json::Node& ext, const PathSeg* path);
  void check_code_system(const json::Node& cs, const PathSeg* path);
  void prepare_bundle(const json::Node& bundle, BundleCtx& ctx);
  void check_bundle(const json::Node& bundle, const PathSeg* path, BundleCtx& ctx);
  void check_contained(const json::Node& obj, const PathSeg* path, ResourceCtx& rc);
  void check_profiles(const json::Node& obj, const model::TypeDef& def, const PathSeg* path, ResourceCtx& rc);

  // Profiles (profiles.cpp).
  void profile_resource(const json::Node& obj, const model::TypeDef& profile, const PathSeg* path, ResourceCtx& rc);
  void profile_object(const json::Node& obj, const model::TypeDef& profile, std::uint32_t element, const PathSeg* path,
                      ResourceCtx& rc, int depth);
  struct ProfileValue;
  void profile_value(const ProfileValue& value, const model::TypeDef& profile, const model::ElementDef& el,
                     const PathSeg* path, ResourceCtx& rc, int depth);
  void profile_slices(const std::vector<ProfileValue>& values, const model::TypeDef& profile,
                      const model::ElementDef& sliced, const std::vector<std::uint32_t>& slices, const PathSeg* path,
                      ResourceCtx& rc, int depth);
  int slice_match(const ProfileValue& value, const model::TypeDef& profile, const model::ElementDef& sliced,
                  std::uint32_t slice, ResourceCtx& rc);  // 1 match, 0 no match, -1 cannot tell
  bool conforms_to(const json::Node& v, const model::TypeDef& profile, std::uint32_t element, ResourceCtx& rc);
  void profile_invariants(const json::Node& v, const model::TypeDef& profile, std::uint32_t element,
                          std::string_view type_name, const PathSeg* path, ResourceCtx& rc);
  void note_unknown_profile(std::string_view url, const char* what, const PathSeg* path, const json::Node* node);

  // Binding helpers.
  const model::ValueSetExpansion* required_value_set(const model::Binding& binding, const PathSeg* path,
                                                     const json::Node* node);
  bool code_known_unknown(std::string_view system, std::string_view code) const;  // system complete, code absent
  void report_binding_error(const json::Node& node, std::string_view value_set, std::string diagnostics,
                            const PathSeg* path);

  const model::Registry& registry_;
  const ValidateOptions& options_;
  const json::LineIndex* lines_;
  Outcome* outcome_;  // swapped for a scratch outcome while a slice is tried on a value
  Outcome* const main_outcome_;
  const InvariantRunner* invariants_;
  std::vector<std::string_view> incomplete_value_sets_reported_;
  struct ReportedBinding {
    const json::Node* node;
    std::string_view value_set;
  };
  std::vector<ReportedBinding> binding_errors_reported_;  // required-binding errors in the main outcome
  std::vector<std::string> unknown_profiles_reported_;
  const model::TypeDef* current_profile_ = nullptr;  // for messages
  int depth_ = 0;
};

// Finds the child of `element` named `json_name` in `def`, resolving choice types ("valueQuantity").
// Slices are skipped. Returns false if there is none.
bool lookup_child(const model::TypeDef& def, std::uint32_t element, std::string_view json_name, Slot& out);

// True if `code` names a resource type or the abstract "Resource"/"DomainResource".
bool is_resource_code(const model::Registry& registry, std::string_view code);

// The type name a canonical URL of a StructureDefinition stands for ("…/StructureDefinition/Patient" -> Patient).
std::string_view type_of_profile(const model::Registry& registry, std::string_view url);

}  // namespace fhir::validation::detail
