// Every Bundle produced from the contract validates with zero errors against R4 core with the project's
// validator (issue 3 section 3).
#include <gtest/gtest.h>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/mappings/to_fhir.h"
#include "fhir/validation/validator.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

std::string errors_of(const validation::Outcome& o) {
  std::string s;
  for (const auto& i : o.issues())
    if (i.severity == validation::Severity::Error || i.severity == validation::Severity::Fatal)
      s += i.expression + ": " + i.diagnostics + "\n";
  return s;
}

void expect_valid_bundle(const std::string& ndjson, BundleType type) {
  auto result = records_to_fhir(ndjson, Tables::builtin(), ToFhirOptions{type, false});
  ASSERT_TRUE(result.bundle.is_object());
  // Validate the written text, as a receiver would see it.
  const std::string text = json::to_string(result.bundle);
  static const validation::Validator validator;
  const auto outcome = validator.validate_text(text);
  EXPECT_EQ(errors_of(outcome), "") << "bundle type " << bundle_type_code(type);
}

TEST(Conformance, DemoCaseTransactionBundleHasNoErrorsAgainstR4Core) {
  expect_valid_bundle(testing::demo_case(), BundleType::Transaction);
}
TEST(Conformance, DemoCaseBatchBundleHasNoErrorsAgainstR4Core) {
  expect_valid_bundle(testing::demo_case(), BundleType::Batch);
}
TEST(Conformance, DemoCaseCollectionBundleHasNoErrorsAgainstR4Core) {
  expect_valid_bundle(testing::demo_case(), BundleType::Collection);
}
TEST(Conformance, GoldenRecordsOfEveryTypeHaveNoErrorsAgainstR4Core) {
  for (const char* type : {"patient", "diagnosis", "drug_administration", "lab_result", "tumor_assessment",
                           "clinical_score", "surgery", "pathology", "adverse_event"}) {
    SCOPED_TRACE(type);
    expect_valid_bundle(testing::read_file(std::string(FHIRGW_MAPPINGS_GOLDEN_DIR) + "/" + type + ".ndjson"),
                        BundleType::Transaction);
  }
}

}  // namespace
}  // namespace fhir::mappings
