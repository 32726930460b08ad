// The small FHIRPath subset that R4 SearchParameter expressions use, compiled once per parameter:
// unions (`a | b`), paths, choice types (`value as Quantity`, `.as(Age)`, `.ofType(Period)`),
// `.where(resolve() is Patient)`, `.where(field='value')` and `.extension('url')`. Parts with other
// functions are skipped (they do not index anything) rather than guessed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/node.h"

namespace fhirgw::search {

struct PathStep {
  enum class Kind { Child, AsType, WhereResolveIs, WhereEquals, ExtensionUrl };
  Kind kind = Kind::Child;
  std::string name;   // Child: element name; AsType/WhereResolveIs: type; WhereEquals: field; ExtensionUrl: url
  std::string value;  // WhereEquals: the literal
};

struct PathPart {
  std::string root;  // "Observation", "Resource", ...
  std::vector<PathStep> steps;
};

struct MatchedNode {
  const fhir::json::Node* node;
  std::string_view type_hint;  // "Quantity" for valueQuantity (in the member's key); empty when not a choice
};

// The vectors evaluate() works in, kept by its caller across calls (build_index evaluates every parameter of
// a resource): no allocation per call once they have grown.
struct PathScratch {
  std::vector<MatchedNode> result;
  std::vector<MatchedNode> current;
  std::vector<MatchedNode> next;
};

class PathExpression {
 public:
  // Parses `expression`; unsupported parts are dropped (supported() tells whether anything is left).
  explicit PathExpression(std::string_view expression);
  bool supported() const { return !parts_.empty(); }

  // The nodes the expression selects in `resource` of type `resource_type`: scratch.result, valid until the
  // next call with `scratch`.
  const std::vector<MatchedNode>& evaluate(const fhir::json::Node& resource, std::string_view resource_type,
                                           PathScratch& scratch) const;
  const std::vector<PathPart>& parts() const { return parts_; }

 private:
  std::vector<PathPart> parts_;
};

}  // namespace fhirgw::search
