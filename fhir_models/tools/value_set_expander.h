// Expands ValueSets from the CodeSystems of a package (compose.include/exclude: whole systems, concept
// lists, is-a / descendent-of / is-not-a filters on hierarchical systems, imported value sets).
// A value set that draws on a system the package does not define completely (SNOMED CT, LOINC, UCUM,
// ...) through a whole-system include or a filter is marked incomplete.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/model/metadata.h"

namespace fhir::tools {

class ValueSetExpander {
 public:
  // Registers a CodeSystem resource (JSON) / a ValueSet resource (JSON). The nodes must outlive this object.
  void add_code_system(const json::Node& code_system);
  void add_value_set(const json::Node& value_set);

  // The code system's codes with displays, for the registry; nullptr for supplements.
  std::unique_ptr<model::CodeSystemInfo> code_system_info(const std::string& url) const;
  std::vector<std::string> code_system_urls() const;
  std::vector<std::string> value_set_urls() const;

  // Expands `url`; nullptr if the value set is unknown.
  std::unique_ptr<model::ValueSetExpansion> expand(const std::string& url);

 private:
  struct CodeSystem {
    const json::Node* node = nullptr;
    std::string content;
    std::vector<std::string> codes;  // in definition order
    std::map<std::string, std::string> display;
    std::map<std::string, std::vector<std::string>> children;  // code -> direct children
  };
  using CodeSets = std::map<std::string, std::set<std::string>>;  // system -> codes
  struct Expansion {
    bool complete = true;
    CodeSets codes;
  };

  void collect_concepts(CodeSystem& cs, const json::Node& concepts, const std::string* parent);
  void descendants(const CodeSystem& cs, const std::string& code, std::set<std::string>& out) const;
  const CodeSystem* complete_system(const std::string& url) const;
  Expansion expand_internal(const std::string& url, std::set<std::string>& in_progress);
  Expansion expand_include(const json::Node& include, std::set<std::string>& in_progress);

  std::map<std::string, CodeSystem> systems_;
  std::map<std::string, const json::Node*> value_sets_;
  std::map<std::string, Expansion> cache_;
};

}  // namespace fhir::tools
