// Every Bundle produced from the contract validates with zero errors against R4 core with the project's
// validator (issue 3 section 3).
#include <gtest/gtest.h>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/mappings/to_fhir.h"
#include "fhir/validation/validator.h"
#include "random_records.h"
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

// ---- against the mCODE STU4 profiles (meta.profile) -----------------------------------------------------
#include <filesystem>

#include "fhir/validation/package_loader.h"

namespace fhir::mappings {
namespace {

const model::Registry* mcode_registry() {
  static const std::unique_ptr<model::Registry> registry = []() -> std::unique_ptr<model::Registry> {
    const std::string dir = std::string(FHIRGW_PACKAGE_DIR) + "/hl7.fhir.us.mcode-4.0.0/package";
    if (!std::filesystem::exists(dir)) return nullptr;
    auto r = model::Registry::load_r4();  // a mutable copy of the core (Registry::r4() is shared)
    if (!r) return nullptr;
    validation::load_package(*r, dir);
    return r;
  }();
  return registry.get();
}

void expect_valid_against_mcode(const std::string& ndjson) {
  const model::Registry* registry = mcode_registry();
  if (!registry) GTEST_SKIP() << "unpack hl7.fhir.us.mcode-4.0.0.tgz under FHIRGW_PACKAGE_DIR";
  auto result = records_to_fhir(ndjson, Tables::builtin());
  const validation::Validator validator(*registry);
  const auto outcome = validator.validate_text(json::to_string(result.bundle));
  EXPECT_EQ(errors_of(outcome), "");
}

TEST(McodeConformance, DemoCaseBundleHasNoErrorsAgainstTheMcodeProfiles) {
  expect_valid_against_mcode(testing::demo_case());
}

TEST(McodeConformance, GoldenRecordsHaveNoErrorsAgainstTheMcodeProfiles) {
  for (const char* type : {"patient", "diagnosis", "drug_administration", "lab_result", "tumor_assessment",
                           "clinical_score", "surgery", "pathology", "adverse_event"}) {
    SCOPED_TRACE(type);
    expect_valid_against_mcode(testing::read_file(std::string(FHIRGW_MAPPINGS_GOLDEN_DIR) + "/" + type + ".ndjson"));
  }
}

}  // namespace
}  // namespace fhir::mappings

namespace fhir::mappings {
namespace {

// The check above is only meaningful if the profiles are applied inside the Bundle: a broken ECOG fails.
TEST(McodeConformance, ProfileChecksAreAppliedToBundleEntries) {
  const model::Registry* registry = mcode_registry();
  if (!registry) GTEST_SKIP() << "mCODE package not unpacked";
  auto result = records_to_fhir(testing::read_file(std::string(FHIRGW_MAPPINGS_GOLDEN_DIR) + "/clinical_score.ndjson"),
                                Tables::builtin());
  std::string text = json::to_string(result.bundle);
  const auto pos = text.find("\"valueInteger\":0");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 16, "\"valueString\":\"0\"");
  const validation::Validator validator(*registry);
  EXPECT_NE(errors_of(validator.validate_text(text)), "");
}

}  // namespace
}  // namespace fhir::mappings

namespace fhir::mappings {
namespace {

TEST(McodeConformance, RandomRecordsOfEveryTypeHaveNoErrors) {
  for (unsigned seed : {7u, 8u, 9u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::RandomRecords gen(seed);
    expect_valid_against_mcode(gen.batch(200));
  }
}

TEST(Conformance, RandomRecordsOfEveryTypeHaveNoErrorsAgainstR4Core) {
  for (unsigned seed : {7u, 8u, 9u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::RandomRecords gen(seed);
    expect_valid_bundle(gen.batch(200), BundleType::Transaction);
  }
}

}  // namespace
}  // namespace fhir::mappings
