// Golden record <-> FHIR pairs, one pair per record type: golden/<type>.ndjson maps to exactly
// golden/<type>.json (a transaction Bundle), and that Bundle maps back to exactly the records.
// Regenerate after an intended mapping change: FHIRGW_UPDATE_GOLDEN=1 ./mappings_test --gtest_filter='Golden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/mappings/from_fhir.h"
#include "fhir/mappings/to_fhir.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, RecordsMapToTheGoldenBundleAndBack) {
  const std::string dir = FHIRGW_MAPPINGS_GOLDEN_DIR;
  const std::string records = testing::read_file(dir + "/" + GetParam() + ".ndjson");
  ASSERT_FALSE(records.empty());
  auto result = records_to_fhir(records, Tables::builtin());
  ASSERT_EQ(result.records_rejected, 0u) << testing::issues_text(result.outcome);
  const std::string golden_path = dir + "/" + GetParam() + ".json";
  if (std::getenv("FHIRGW_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path) << json::to_string(result.bundle, {.pretty = true}) << "\n";
  }
  auto golden = json::parse(testing::read_file(golden_path));
  ASSERT_TRUE(golden) << golden_path << " missing or invalid (FHIRGW_UPDATE_GOLDEN=1 writes it)";
  EXPECT_TRUE(golden.document->root() == result.bundle) << "mapping drifted from " << golden_path << "\n"
                                                        << json::to_string(result.bundle, {.pretty = true});

  auto back = fhir_to_records(testing::read_file(golden_path), Tables::builtin());
  EXPECT_TRUE(back.outcome.issues().empty()) << testing::issues_text(back.outcome);
  std::string back_text;
  for (const auto& r : back.records) back_text += json::to_string(r) + "\n";
  auto expected = records_to_fhir(back_text, Tables::builtin());
  EXPECT_TRUE(expected.bundle == result.bundle);
  // Record by record, compared as JSON trees.
  std::size_t i = 0, start = 0;
  while (start < records.size()) {
    auto end = records.find('\n', start);
    if (end == std::string::npos) end = records.size();
    const std::string line = records.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto in = json::parse(line);
    ASSERT_LT(i, back.records.size());
    EXPECT_TRUE(testing::same_record(in.document->root(), back.records[i])) << line << "\n"
                                                                            << json::to_string(back.records[i]);
    ++i;
  }
  EXPECT_EQ(i, back.records.size());
}

INSTANTIATE_TEST_SUITE_P(PerRecordType, Golden,
                         ::testing::Values("patient", "diagnosis", "drug_administration", "lab_result",
                                           "tumor_assessment", "clinical_score", "surgery", "pathology",
                                           "adverse_event"));

}  // namespace
}  // namespace fhir::mappings
