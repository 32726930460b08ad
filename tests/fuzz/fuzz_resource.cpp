// libFuzzer target: parse -> validate -> OperationOutcome -> canonical write -> re-parse.
// Properties checked beyond "no crash, no sanitizer report":
//   * what we write parses again, into an equal tree (the writer is lossless);
//   * writing the re-parsed tree gives the same bytes (the canonical form is a fixed point).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/model/canonical_writer.h"
#include "fhir/validation/validator.h"

namespace {

void write_canonical(const fhir::json::Node& node, std::string& out) { fhir::model::write_resource(node, out); }

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_resource: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fhir::json::ParseResult parsed = fhir::json::parse(text);
  if (!parsed) return 0;

  static const fhir::validation::Validator validator;
  const fhir::validation::Outcome outcome = validator.validate(parsed.document->root(), &parsed.document->lines());
  const std::string outcome_json = fhir::json::to_string(outcome.to_operation_outcome());
  if (!fhir::json::parse(outcome_json)) fail("OperationOutcome is not valid JSON", outcome_json);

  std::string written;
  write_canonical(parsed.document->root(), written);
  const fhir::json::ParseResult reparsed = fhir::json::parse(written);
  if (!reparsed) fail("written JSON does not parse", written);
  if (!(reparsed.document->root() == parsed.document->root())) fail("round trip changed the tree", written);

  std::string again;
  write_canonical(reparsed.document->root(), again);
  if (again != written) fail("canonical form is not a fixed point", again);
  return 0;
}
