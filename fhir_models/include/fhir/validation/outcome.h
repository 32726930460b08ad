// Validation results and their FHIR OperationOutcome form.
#pragma once

#include <string>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/json/parser.h"

namespace fhir::validation {

enum class Severity { Fatal, Error, Warning, Information };

struct Issue {
  Severity severity = Severity::Error;
  std::string code;         // IssueType code: structure, required, value, invariant, code-invalid, ...
  std::string diagnostics;  // human-readable reason
  std::string expression;   // FHIRPath-style location: "Bundle.entry[3].resource.component[1].valueQuantity.value"
  json::SourceLocation location;  // line/column in the source (0 = unknown)
};

class Outcome {
 public:
  void add(Issue issue) { issues_.push_back(std::move(issue)); }
  void add(Severity s, std::string code, std::string diagnostics, std::string expression = {},
           json::SourceLocation loc = {});
  const std::vector<Issue>& issues() const noexcept { return issues_; }
  std::vector<Issue>& issues() noexcept { return issues_; }
  bool has_errors() const noexcept;  // any Fatal or Error
  std::size_t count(Severity s) const noexcept;
  void append(const Outcome& other);

  // R4 OperationOutcome. Line/column go into the standard extensions
  // http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line / -col.
  // An outcome without issues gets one "information"/"informational" issue ("All OK"), as R4 requires 1..*.
  json::Node to_operation_outcome() const;

 private:
  std::vector<Issue> issues_;
};

const char* severity_code(Severity s) noexcept;  // "fatal", "error", "warning", "information"

}  // namespace fhir::validation
