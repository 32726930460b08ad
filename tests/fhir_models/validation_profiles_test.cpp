// Profile validation: the core vital-signs profiles of R4 (slicing on Observation.category and
// component), and the mCODE STU4 package's profiles against its own examples.
#include <gtest/gtest.h>

#include <filesystem>

#include "embedded_spec.h"
#include "fhir/json/parser.h"
#include "fhir/validation/validator.h"
#include "validation_test_util.h"

namespace fv = fhir::validation;
namespace fs = std::filesystem;
using fv::Severity;
using fv::testing::errors_text;
using fv::testing::has_issue;

namespace {

const std::string kBp = "http://hl7.org/fhir/StructureDefinition/bp";

std::string example(const std::string& name) { return fv::testing::read_file(fv::testing::r4_dir() + "/" + name); }

fv::Outcome check_with(const std::string& json, const std::vector<std::string>& profiles) {
  static const fv::Validator validator;
  fv::ValidateOptions options;
  options.profiles = profiles;
  return validator.validate_text(json, options);
}

// Replaces the first occurrence of `from` (must exist).
std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST(ValidateProfiles, BloodPressureExampleConformsToBp) {
  auto o = check_with(example("Observation-blood-pressure.json"), {kBp});
  EXPECT_FALSE(o.has_errors()) << errors_text(o);
}

TEST(ValidateProfiles, MissingComponentSliceIsAnError) {
  // Turn the systolic component into something else: the SystolicBP slice (min 1) is then empty.
  auto json = replace(example("Observation-blood-pressure.json"), "\"code\": \"8480-6\"", "\"code\": \"9999-9\"");
  auto o = check_with(json, {kBp});
  EXPECT_TRUE(has_issue(o, Severity::Error, "", "slice SystolicBP")) << errors_text(o);
}

TEST(ValidateProfiles, CategorySlicePatternIsChecked) {
  auto json = replace(example("Observation-blood-pressure.json"), "\"code\": \"vital-signs\"", "\"code\": \"laboratory\"");
  auto o = check_with(json, {kBp});
  EXPECT_TRUE(has_issue(o, Severity::Error, "", "slice VSCat")) << errors_text(o);
}

TEST(ValidateProfiles, FixedCodeOfProfileIsChecked) {
  // bp requires a coding LOINC 85354-9 in Observation.code (slice BPCode, fixed system and code).
  auto json = replace(example("Observation-blood-pressure.json"), "\"code\": \"85354-9\"", "\"code\": \"85353-1\"");
  auto o = check_with(json, {kBp});
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.code.coding", "slice BPCode")) << errors_text(o);
}

TEST(ValidateProfiles, TightenedCardinality) {
  // vitalsigns requires subject (1..1) and effective[x] (1..1).
  auto json = replace(example("Observation-blood-pressure.json"), "\"subject\"", "\"focus\"");
  json = replace(json, "\"reference\": \"Patient/example\"", "\"reference\": \"Patient/example\"");
  auto o = check_with(json, {});
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.subject", "requires at least 1")) << errors_text(o);
}

TEST(ValidateProfiles, UnknownProfileIsReportedNotSilentlySkipped) {
  auto o = check_with(example("Observation-blood-pressure.json"), {"http://example.org/StructureDefinition/nope"});
  EXPECT_FALSE(o.has_errors()) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Warning, "Observation", "is not known")) << errors_text(o);
}

TEST(ValidateProfiles, ProfileForAnotherTypeIsAnError) {
  auto o = check_with(example("Patient-example.json"), {kBp});
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient", "constrains Observation")) << errors_text(o);
}
