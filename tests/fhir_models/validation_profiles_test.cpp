// Profile validation: the core vital-signs profiles of R4 (slicing on Observation.category and
// component), and the mCODE STU4 package's profiles against its own examples.
#include <gtest/gtest.h>

#include <filesystem>

#include "fhir/json/parser.h"
#include "fhir/validation/package_loader.h"
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
  auto json =
      replace(example("Observation-blood-pressure.json"), "\"code\": \"vital-signs\"", "\"code\": \"laboratory\"");
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

namespace {

// A mutable copy of the embedded core metadata (Registry::r4() is shared and immutable).
std::unique_ptr<fhir::model::Registry> core_copy() { return fhir::model::Registry::load_r4(); }

std::string mcode_dir() { return fv::testing::package_dir() + "/hl7.fhir.us.mcode-4.0.0/package"; }

struct McodeFixture {
  std::unique_ptr<fhir::model::Registry> registry;
  fv::PackageLoadResult loaded;
};

const McodeFixture& mcode() {
  static const McodeFixture fixture = [] {
    McodeFixture f;
    f.registry = core_copy();
    if (f.registry && fs::exists(mcode_dir())) f.loaded = fv::load_package(*f.registry, mcode_dir());
    return f;
  }();
  return fixture;
}

struct KnownError {
  std::string file, fragment;
};

std::vector<KnownError> mcode_exceptions() {
  std::vector<KnownError> out;
  std::istringstream in(fv::testing::read_file(std::string(FHIRGW_VALIDATION_DATA_DIR) + "/mcode-example-errors.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    if (t1 != std::string::npos && t2 != std::string::npos)
      out.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1)});
  }
  return out;
}

}  // namespace

TEST(ValidateMcode, PackageLoads) {
  if (!fs::exists(mcode_dir())) GTEST_SKIP() << "mCODE package not unpacked under " << mcode_dir();
  const auto& f = mcode();
  ASSERT_TRUE(f.registry);
  EXPECT_TRUE(f.loaded.errors.empty()) << f.loaded.errors.front();
  EXPECT_GE(f.loaded.profiles, 40u);
  EXPECT_GE(f.loaded.value_sets, 50u);
  EXPECT_NE(f.registry->find_by_url("http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test"),
            nullptr);
}

TEST(ValidateMcode, ExamplesConformToTheirProfiles) {
  if (!fs::exists(mcode_dir())) GTEST_SKIP() << "mCODE package not unpacked under " << mcode_dir();
  const auto& f = mcode();
  ASSERT_TRUE(f.registry);
  const fv::Validator validator(*f.registry);
  const auto known = mcode_exceptions();
  std::vector<bool> used(known.size(), false);
  std::size_t files = 0, profiled = 0;
  for (const auto& e : fs::directory_iterator(mcode_dir() + "/example")) {
    if (e.path().extension() != ".json") continue;
    const std::string name = e.path().filename().string();
    const std::string text = fv::testing::read_file(e.path().string());
    ++files;
    if (text.find("\"profile\"") != std::string::npos) ++profiled;
    const auto outcome = validator.validate_text(text);
    std::string unexpected;
    for (const auto& issue : outcome.issues()) {
      if (issue.severity != Severity::Error && issue.severity != Severity::Fatal) continue;
      bool excused = false;
      for (std::size_t k = 0; k < known.size(); ++k)
        if (known[k].file == name && issue.diagnostics.find(known[k].fragment) != std::string::npos)
          excused = used[k] = true;
      if (!excused) unexpected += "  " + issue.expression + ": " + issue.diagnostics + "\n";
    }
    EXPECT_TRUE(unexpected.empty()) << name << ":\n" << unexpected;
  }
  for (std::size_t k = 0; k < known.size(); ++k)
    EXPECT_TRUE(used[k]) << "stale exception in mcode-example-errors.tsv: " << known[k].file << " / "
                         << known[k].fragment;
  std::cout << "validated " << files << " mCODE examples (" << profiled << " claim profiles)\n";
  EXPECT_GE(files, 150u);
}

TEST(ValidateMcode, BrokenTumorMarkerIsCaught) {
  if (!fs::exists(mcode_dir())) GTEST_SKIP() << "mCODE package not unpacked under " << mcode_dir();
  const auto& f = mcode();
  const fv::Validator validator(*f.registry);
  const std::string good =
      fv::testing::read_file(mcode_dir() + "/example/Observation-tumor-marker-test-her2-jenny-m.json");
  ASSERT_FALSE(good.empty());
  auto ok = validator.validate_text(good);
  EXPECT_FALSE(ok.has_errors()) << errors_text(ok);
  // mCODE TumorMarkerTest requires subject (1..1) and effective[x].
  auto parsed = fhir::json::parse(good);
  ASSERT_TRUE(parsed);
  fhir::json::Node broken(parsed.document->root());
  broken.erase("subject");
  auto o = validator.validate(broken);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.subject", "requires at least 1")) << errors_text(o);
}

TEST(ValidateMcode, RequiredBindingOfProfileSliceIsChecked) {
  if (!fs::exists(mcode_dir())) GTEST_SKIP() << "mCODE package not unpacked under " << mcode_dir();
  const auto& f = mcode();
  const fv::Validator validator(*f.registry);
  // TumorSize: component:tumorLongestDimension.valueQuantity is bound (required) to cm/mm.
  std::string json = fv::testing::read_file(mcode_dir() + "/example/Observation-tumor-size-jenny-m.json");
  EXPECT_FALSE(validator.validate_text(json).has_errors());
  const std::string from = "\"code\":\"cm\"", to = "\"code\":\"kg\"";
  const auto at = json.find(from);
  ASSERT_NE(at, std::string::npos);
  json.replace(at, from.size(), to);
  auto o = validator.validate_text(json);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.component[0].valueQuantity", "not in the required value set"))
      << errors_text(o);
}

TEST(ValidateProfiles, BindingRepeatedByProfileIsReportedOnce) {
  // vitalsigns (the base of bp) repeats the core required binding of Observation.status: the wrong
  // code is one error, not one from the core pass and one from the profile pass.
  auto json = replace(example("Observation-blood-pressure.json"), "\"status\": \"final\"", "\"status\": \"done\"");
  auto o = check_with(json, {kBp});
  std::size_t binding_errors = 0;
  for (const auto& issue : o.issues())
    if (issue.severity == Severity::Error && issue.diagnostics.find("required value set") != std::string::npos)
      ++binding_errors;
  EXPECT_EQ(binding_errors, 1u) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.status", "not in the required value set")) << errors_text(o);
}
