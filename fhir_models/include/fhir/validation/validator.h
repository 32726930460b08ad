// Validates FHIR R4 resources (JSON trees) against the core metadata and, on request, profiles.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "fhir/validation/outcome.h"

namespace fhir::validation {

namespace detail {
class InvariantRunner;
}

struct ValidateOptions {
  std::vector<std::string> profiles;  // extra profile canonical URLs to validate against (meta.profile is always used)
  bool check_invariants = true;       // evaluate FHIRPath constraints
  bool check_terminology = true;      // bindings
  // Only Error and Fatal issues are wanted (a caller that shows no warnings): warnings and information issues
  // are not built, and checks that can only warn (codes of non-required bindings) are skipped. The errors and
  // their locations are the same.
  bool errors_only = false;
};

class Validator {
 public:
  explicit Validator(const model::Registry& registry = model::Registry::r4());

  // `lines` (optional) turns node offsets into line/column in the issues.
  Outcome validate(const json::Node& resource, const json::LineIndex* lines = nullptr,
                   const ValidateOptions& options = {}) const;

  // Parses then validates; JSON syntax errors become a single fatal "structure" issue with line/column.
  Outcome validate_text(std::string_view json_text, const ValidateOptions& options = {}) const;

 private:
  const model::Registry& registry_;
  std::shared_ptr<const detail::InvariantRunner> invariants_;  // compiled FHIRPath, cached per constraint
};

}  // namespace fhir::validation
