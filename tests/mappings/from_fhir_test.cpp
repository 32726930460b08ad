// FHIR from other systems: concept-map synonyms, units kept as sent, text-only resources, the mCODE package
// examples, and warnings naming resource and element for what cannot be represented.
#include "fhir/mappings/from_fhir.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fhir/json/writer.h"
#include "fhir/mappings/to_fhir.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

using testing::issues_text;

std::string afp_observation(std::string_view loinc, std::string_view quantity) {
  return std::string(R"({"resourceType":"Observation","id":"afp-1","status":"final",)") +
         R"("category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],)" +
         R"("code":{"coding":[{"system":"http://loinc.org","code":")" + std::string(loinc) + R"("}]},)" +
         R"("subject":{"reference":"Patient/p1"},"effectiveDateTime":"2021-01-02T08:00:00Z","valueQuantity":)" +
         std::string(quantity) + "}";
}

// The records live in the result's arena; a copy lives on its own (the default heap) after the result is gone.
TEST(FromFhir, RecordsCopiedOutOfTheResultOutliveIt) {
  json::Node copy;
  std::size_t moved_size = 0;
  {
    FromFhirResult r =
        fhir_to_records(afp_observation("1834-1", R"({"value":12.50,"unit":"ng/mL"})"), Tables::builtin());
    ASSERT_EQ(r.records.size(), 1u) << issues_text(r.outcome);
    copy = r.records[0];
    FromFhirResult moved = std::move(r);  // moving the result keeps its records valid
    moved_size = moved.records[0].size();
    EXPECT_EQ(moved.records[0].find("value")->text(), "12.50");
  }
  EXPECT_EQ(copy.size(), moved_size);
  EXPECT_EQ(copy.find("value")->text(), "12.50");
  EXPECT_EQ(copy.find("test")->text(), "AFP");
}

struct AfpCase {
  const char* loinc;
  const char* quantity;
  const char* unit;   // expected record unit
  const char* value;  // expected value text
};

class AfpSynonym : public ::testing::TestWithParam<AfpCase> {};

TEST_P(AfpSynonym, MapsToTheLocalTestWithTheUnitAsSent) {
  const auto& c = GetParam();
  auto r = fhir_to_records(afp_observation(c.loinc, c.quantity), Tables::builtin());
  ASSERT_EQ(r.records.size(), 1u) << issues_text(r.outcome);
  const auto& rec = r.records[0];
  EXPECT_EQ(rec.find("type")->text(), "lab_result");
  EXPECT_EQ(rec.find("test")->text(), "AFP");
  EXPECT_EQ(rec.find("unit")->text(), c.unit);
  EXPECT_EQ(rec.find("value")->text(), c.value);  // never converted
  EXPECT_EQ(rec.find("patient")->text(), "p1");
  EXPECT_EQ(rec.find("source")->text(), "fhir-import");
  EXPECT_EQ(rec.find("id")->text(), "afp-1");
}

INSTANTIATE_TEST_SUITE_P(
    ConceptMap, AfpSynonym,
    ::testing::Values(
        AfpCase{"1834-1", R"({"value":8.30,"unit":"ng/mL","system":"http://unitsofmeasure.org","code":"ng/mL"})",
                "ng/mL", "8.30"},
        AfpCase{"19176-7", R"({"value":6.9,"unit":"IU/mL","system":"http://unitsofmeasure.org","code":"[IU]/mL"})",
                "IU/mL", "6.9"},
        AfpCase{"19176-7", R"({"value":6.90,"system":"http://unitsofmeasure.org","code":"[IU]/mL"})", "IU/mL", "6.90"},
        AfpCase{"53962-7", R"({"value":1210,"unit":"ng/mL"})", "ng/mL", "1210"},
        AfpCase{"53961-9", R"({"value":1000.0,"unit":"kIU/L","system":"http://unitsofmeasure.org","code":"k[IU]/L"})",
                "kIU/L", "1000.0"}));

TEST(FromFhir, LdhMethodSpecificCodeMapsToLdh) {
  auto r = fhir_to_records(afp_observation("14805-6", R"({"value":231,"unit":"U/L"})"), Tables::builtin());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].find("test")->text(), "LDH");
}

TEST(FromFhir, TextOnlyConditionMapsWithItsTextAndAWarning) {
  const std::string cond =
      R"({"resourceType":"Condition","id":"c1","code":{"text":"Hepatocellular carcinoma"},"subject":{"reference":"Patient/p1"},"onsetDateTime":"2020-10-09T10:00:00Z"})";
  auto r = fhir_to_records(cond, Tables::builtin());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].find("code")->text(), "Hepatocellular carcinoma");
  EXPECT_EQ(r.records[0].find("diagnosed_on")->text(), "2020-10-09");
  EXPECT_NE(issues_text(r.outcome).find("Condition/c1"), std::string::npos) << issues_text(r.outcome);
}

TEST(FromFhir, StandardCodeMapsToTheLocalCode) {
  const std::string cond =
      R"({"resourceType":"Condition","id":"c2","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"C22.0"}]},"subject":{"reference":"Patient/p1"}})";
  auto r = fhir_to_records(cond, Tables::builtin());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].find("code")->text(), "HCC");
  EXPECT_EQ(r.records[0].find("icd10")->text(), "C22.0");
  EXPECT_TRUE(r.outcome.issues().empty()) << issues_text(r.outcome);
}

TEST(FromFhir, WhatCannotBeRepresentedIsAWarningNamingResourceAndElement) {
  const std::string obs = afp_observation("1834-1", R"({"value":8.3,"unit":"ng/mL"})");
  std::string with_extra = obs;
  with_extra.insert(with_extra.size() - 1, R"(,"method":{"text":"CLIA"},"bodySite":{"text":"arm"})");
  auto r = fhir_to_records(with_extra, Tables::builtin());
  ASSERT_EQ(r.records.size(), 1u);
  const std::string issues = issues_text(r.outcome);
  EXPECT_NE(issues.find("Observation/afp-1: method"), std::string::npos) << issues;
  EXPECT_NE(issues.find("Observation/afp-1: bodySite"), std::string::npos) << issues;
  bool expression = false;
  for (const auto& i : r.outcome.issues()) expression = expression || i.expression == "Observation/afp-1.method";
  EXPECT_TRUE(expression);

  auto enc = fhir_to_records(R"({"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"}})",
                             Tables::builtin());
  EXPECT_TRUE(enc.records.empty());
  EXPECT_NE(issues_text(enc.outcome).find("Encounter/e1"), std::string::npos);
}

TEST(FromFhir, NdjsonOfResourcesAndABundleOfAnyType) {
  const std::string nd = afp_observation("1834-1", R"({"value":1,"unit":"ng/mL"})") + "\n\n" +
                         R"({"resourceType":"Patient","id":"p1","gender":"male"})" + "\n";
  auto r = fhir_to_records(nd, Tables::builtin());
  EXPECT_EQ(r.records.size(), 2u) << issues_text(r.outcome);
  const std::string searchset =
      R"({"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"http://x/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","gender":"female"}}]})";
  auto s = fhir_to_records(searchset, Tables::builtin());
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0].find("sex")->text(), "female");
  auto bad = fhir_to_records("{\"resourceType\":\"Patient\"\n{nope}\n", Tables::builtin());
  EXPECT_TRUE(bad.outcome.has_errors());
}

// Every example of the mCODE package: no crash, every issue names a resource, and the main resource types map.
TEST(FromFhir, McodePackageExamplesMap) {
  const std::filesystem::path dir =
      std::filesystem::path(FHIRGW_PACKAGE_DIR) / "hl7.fhir.us.mcode-4.0.0/package/example";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "unpack hl7.fhir.us.mcode-4.0.0.tgz into " << dir.parent_path();
  std::size_t files = 0, records = 0;
  std::map<std::string, std::size_t> by_type;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    auto r = fhir_to_records(testing::read_file(entry.path().string()), Tables::builtin());
    EXPECT_FALSE(r.outcome.has_errors()) << entry.path() << "\n" << issues_text(r.outcome);
    for (const auto& i : r.outcome.issues()) EXPECT_FALSE(i.diagnostics.empty());
    records += r.records.size();
    std::string ndjson;
    for (const auto& rec : r.records) {
      ++by_type[std::string(rec.find("type")->text())];
      ndjson += json::to_string(rec) + "\n";
    }
    // What comes out is a valid record: it maps to FHIR again without rejection.
    auto again = records_to_fhir(ndjson, Tables::builtin());
    EXPECT_EQ(again.records_rejected, 0u) << entry.path() << "\n" << ndjson << issues_text(again.outcome);
  }
  EXPECT_GE(files, 170u);
  EXPECT_GE(by_type["patient"], 7u);
  EXPECT_GE(by_type["diagnosis"], 10u);
  EXPECT_GE(by_type["drug_administration"], 5u);
  EXPECT_GE(by_type["surgery"], 5u);
  EXPECT_GE(by_type["tumor_assessment"], 2u);
  EXPECT_GE(by_type["clinical_score"], 1u);
  std::string summary;
  for (const auto& [t, n] : by_type) summary += t + "=" + std::to_string(n) + " ";
  RecordProperty("records_by_type", summary);
  std::cout << "mCODE examples: " << files << " files -> " << records << " records: " << summary << "\n";
}

}  // namespace
}  // namespace fhir::mappings
