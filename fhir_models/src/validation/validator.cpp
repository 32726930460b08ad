// The public entry points: Validator::validate / validate_text.
#include "fhir/validation/validator.h"

#include "invariants.h"
#include "walker.h"

namespace fhir::validation {

Validator::Validator(const model::Registry& registry)
    : registry_(registry), invariants_(std::make_shared<detail::InvariantRunner>(registry)) {}

Outcome Validator::validate(const json::Node& resource, const json::LineIndex* lines,
                            const ValidateOptions& options) const {
  Outcome outcome;
  detail::Walker walker(registry_, options, lines, outcome, invariants_.get());
  walker.validate_root(resource);
  return outcome;
}

Outcome Validator::validate_text(std::string_view json_text, const ValidateOptions& options) const {
  json::ParseResult parsed = json::parse(json_text);
  if (!parsed) {
    Outcome outcome;
    const json::ParseError& e = *parsed.error;
    outcome.add(Severity::Fatal, "structure", "invalid JSON: " + e.message, {}, e.location);
    return outcome;
  }
  return validate(parsed.document->root(), &parsed.document->lines(), options);
}

}  // namespace fhir::validation
