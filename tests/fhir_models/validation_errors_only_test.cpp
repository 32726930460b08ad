// ValidateOptions::errors_only (a caller that shows no warnings, e.g. a transaction with return=minimal): the same
// errors at the same locations as a full validation, and no other issue, over the official R4 examples and their
// mutants (validation_mutator.h), so the errors are many and of every kind.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/validation/validator.h"
#include "validation_mutator.h"
#include "validation_test_util.h"

namespace fv = fhir::validation;
namespace fs = std::filesystem;

namespace {

bool is_error(const fv::Issue& i) { return i.severity == fv::Severity::Error || i.severity == fv::Severity::Fatal; }

std::string describe(const fv::Issue& i) {
  return std::to_string(static_cast<int>(i.severity)) + " " + i.code + " " + i.expression + " " +
         std::to_string(i.location.line) + ":" + std::to_string(i.location.column) + " " + i.diagnostics;
}

struct Counts {
  std::size_t texts = 0, errors = 0, others = 0;  // others: warnings and information of the full validation
};

void expect_same_errors(const fv::Validator& validator, const std::string& text, const std::string& name,
                        Counts& counts) {
  fv::ValidateOptions errors_only;
  errors_only.errors_only = true;
  const fv::Outcome full = validator.validate_text(text);
  const fv::Outcome only = validator.validate_text(text, errors_only);
  std::vector<std::string> expected;
  for (const fv::Issue& i : full.issues()) {
    if (is_error(i))
      expected.push_back(describe(i));
    else
      ++counts.others;
  }
  std::vector<std::string> got;
  for (const fv::Issue& i : only.issues()) got.push_back(describe(i));
  EXPECT_EQ(got, expected) << name;
  ++counts.texts;
  counts.errors += expected.size();
}

}  // namespace

TEST(ValidateErrorsOnly, SameErrorsAsAFullValidationOverExamplesAndMutants) {
  const auto& registry = fhir::model::Registry::r4();
  const fv::Validator validator(registry);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fv::testing::r4_dir()))
    if (e.path().extension() == ".json" && e.path().filename().string()[0] != '.') files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 5000u) << "package not found under " << fv::testing::r4_dir();

  Counts counts;
  constexpr auto kKinds = static_cast<std::size_t>(fv::testing::Mutation::kCount);
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string text = fv::testing::read_file(files[f].string());
    const std::string name = files[f].filename().string();
    expect_same_errors(validator, text, name, counts);
    if (f % 8 != 0) continue;  // mutants of every eighth file: every kind, a few thousand texts
    auto parsed = fhir::json::parse(text);
    if (!parsed) continue;
    for (std::size_t k = 0; k < kKinds; ++k) {
      std::mt19937 rng(static_cast<std::uint32_t>(f * 31 + k));
      fhir::json::Node mutant(parsed.document->root());
      const auto kind = static_cast<fv::testing::Mutation>(k);
      if (!fv::testing::mutate(registry, mutant, kind, rng)) continue;
      expect_same_errors(validator, fhir::json::to_string(mutant, {.pretty = true}),
                         name + " / " + fv::testing::mutation_name(kind), counts);
    }
  }
  // Not vacuous: errors of many texts, and warnings or information that errors_only left out.
  EXPECT_GT(counts.errors, 1000u);
  EXPECT_GT(counts.others, 100u);
  std::cout << counts.texts << " texts, " << counts.errors << " errors, " << counts.others
            << " warnings and information issues\n";
}

TEST(ValidateErrorsOnly, LeavesOutWhatOnlyWarns) {
  // An unknown profile and an unknown code of a preferred binding warn; the unknown status is an error.
  const std::string text =
      R"({"resourceType":"Observation","meta":{"profile":["http://example.org/StructureDefinition/unknown"]},)"
      R"("status":"bogus","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category",)"
      R"("code":"nonsense"}]}],"code":{"text":"x"}})";
  const fv::Validator validator;
  fv::ValidateOptions errors_only;
  errors_only.errors_only = true;
  const fv::Outcome full = validator.validate_text(text);
  const fv::Outcome only = validator.validate_text(text, errors_only);
  std::size_t warnings = 0;
  for (const fv::Issue& i : full.issues()) warnings += is_error(i) ? 0 : 1;
  EXPECT_GE(warnings, 2u) << "the case must warn twice";
  ASSERT_EQ(only.issues().size(), full.issues().size() - warnings);
  ASSERT_EQ(only.issues().size(), 1u);
  EXPECT_EQ(only.issues()[0].expression, "Observation.status");
}
