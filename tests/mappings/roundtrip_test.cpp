// internal -> FHIR -> internal is the identity for every field of the contract.
#include <gtest/gtest.h>

#include <random>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/mappings/from_fhir.h"
#include "fhir/mappings/to_fhir.h"
#include "random_records.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

using json::Node;
using testing::issues_text;

// Maps `ndjson` to a Bundle, writes it as JSON text, parses it again and maps it back; expects every input
// record back unchanged (in input order).
void expect_round_trip(const std::string& ndjson, BundleType type = BundleType::Transaction) {
  const Tables& t = Tables::builtin();
  auto result = records_to_fhir(ndjson, t, ToFhirOptions{type, false});
  ASSERT_EQ(result.records_rejected, 0u) << issues_text(result.outcome);
  const std::string bundle_text = json::to_string(result.bundle);
  auto back = fhir_to_records(bundle_text, t);
  ASSERT_FALSE(back.outcome.has_errors()) << issues_text(back.outcome);
  for (const auto& i : back.outcome.issues()) ADD_FAILURE() << "unexpected issue: " << i.diagnostics;

  std::vector<json::Document> inputs;
  std::size_t start = 0;
  while (start < ndjson.size()) {
    auto end = ndjson.find('\n', start);
    if (end == std::string::npos) end = ndjson.size();
    auto line = std::string_view(ndjson).substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto p = json::parse(line);
    ASSERT_TRUE(p);
    inputs.push_back(std::move(*p.document));
  }
  ASSERT_EQ(back.records.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_TRUE(testing::same_record(inputs[i].root(), back.records[i]))
        << "record " << i << "\n in:  " << json::to_string(inputs[i].root())
        << "\n out: " << json::to_string(back.records[i]);
  }
}

TEST(RoundTrip, DemoCaseIsIdentity) { expect_round_trip(testing::demo_case()); }

TEST(RoundTrip, DemoCaseAsCollectionIsIdentity) { expect_round_trip(testing::demo_case(), BundleType::Collection); }

TEST(RoundTrip, RandomRecordsOfEveryTypeAreIdentity) {
  for (unsigned seed : {1u, 2u, 3u, 42u, 2026u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::RandomRecords gen(seed);
    expect_round_trip(gen.batch(300));
  }
}

TEST(RoundTrip, DecimalTextSurvives) {
  const std::string rec =
      R"({"type":"lab_result","id":"L1","source":"GDPH-LIS","patient":"P1","test":"LDH","value":"12.50","unit":"U/L","status":"final"})";
  auto result = records_to_fhir(rec, Tables::builtin());
  const std::string text = json::to_string(result.bundle);
  EXPECT_NE(text.find("\"value\":12.50"), std::string::npos) << text;
  auto back = fhir_to_records(text, Tables::builtin());
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(back.records[0].find("value")->text(), "12.50");
}

}  // namespace
}  // namespace fhir::mappings
