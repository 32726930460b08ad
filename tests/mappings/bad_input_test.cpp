// Issue 3 section 4: every bad-input case is rejected with its line number, field and reason; good lines map.
#include <gtest/gtest.h>

#include "fhir/json/writer.h"
#include "fhir/mappings/to_fhir.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

using testing::issues_text;
using validation::Severity;

constexpr std::string_view kGood =
    R"({"type":"lab_result","id":"L1","source":"GDPH-LIS","patient":"P1","test":"AFP","value":12.50,"unit":"ng/mL","status":"final"})";

struct Case {
  const char* name;
  std::string line;
  std::string field;   // expected issue expression
  std::string reason;  // a word the diagnostics must contain
};

class BadLine : public ::testing::TestWithParam<Case> {};

TEST_P(BadLine, IsRejectedWithLineFieldAndReasonWhileGoodLinesMap) {
  const Case& c = GetParam();
  const std::string input =
      std::string(kGood) + "\n" + c.line + "\n\n" + std::string(kGood).replace(46, 2, "L2") + "\n";
  auto r = records_to_fhir(input, Tables::builtin());
  EXPECT_EQ(r.records_read, 3u);
  EXPECT_EQ(r.records_rejected, 1u) << issues_text(r.outcome);
  EXPECT_EQ(r.records_mapped, 2u);
  ASSERT_TRUE(r.bundle.is_object());
  EXPECT_EQ(r.bundle.find("entry")->size(), 2u);
  bool found = false;
  for (const auto& i : r.outcome.issues()) {
    if (i.severity != Severity::Error) continue;
    found = true;
    EXPECT_EQ(i.location.line, 2u) << i.diagnostics;
    EXPECT_EQ(i.expression, c.field) << i.diagnostics;
    EXPECT_NE(i.diagnostics.find("line 2"), std::string::npos) << i.diagnostics;
    EXPECT_NE(i.diagnostics.find(c.reason), std::string::npos) << i.diagnostics;
  }
  EXPECT_TRUE(found) << issues_text(r.outcome);
  // The OperationOutcome carries the line in the standard issue-line extension.
  const std::string oo = json::to_string(r.outcome.to_operation_outcome());
  EXPECT_NE(oo.find("operationoutcome-issue-line"), std::string::npos) << oo;
}

const Case kCases[] = {
    {"not_json", R"({"type":"lab_result",)", "", "not valid JSON"},
    {"not_an_object", R"(["lab_result"])", "", "must be a JSON object"},
    {"two_values_on_one_line", R"({"type":"x_ray"},{"type":"x_ray"})", "", "not valid JSON"},
    {"unknown_type", R"({"type":"x_ray","id":"X1","source":"S"})", "type", "unknown record type"},
    {"missing_required",
     R"({"type":"lab_result","id":"L9","source":"GDPH-LIS","patient":"P1","value":1,"status":"final"})", "test",
     "missing required field"},
    {"missing_patient", R"({"type":"surgery","id":"S9","source":"OR","procedure":"RFA","status":"not_done"})",
     "patient", "missing required field"},
    {"wrong_type_value",
     R"({"type":"lab_result","id":"L9","source":"S","patient":"P1","test":"AFP","value":true,"status":"final"})",
     "value", "expected a decimal"},
    {"wrong_type_cycle",
     R"({"type":"drug_administration","id":"D9","source":"S","patient":"P1","drug":"LENVATINIB","start":"2020-10-10","cycle":"three","status":"completed"})",
     "cycle", "expected an integer"},
    {"wrong_type_decimal_text",
     R"({"type":"lab_result","id":"L9","source":"S","patient":"P1","test":"AFP","value":"12,5","status":"final"})",
     "value", "not a decimal"},
    {"impossible_date",
     R"({"type":"adverse_event","id":"A9","source":"S","patient":"P1","event":"HFSR","onset":"2021-02-30"})", "onset",
     "not a valid date"},
    {"impossible_datetime",
     R"({"type":"lab_result","id":"L9","source":"S","patient":"P1","test":"AFP","value":1,"collected_at":"2021-13-01T25:00:00+08:00","status":"final"})",
     "collected_at", "not a valid dateTime"},
    {"end_before_start",
     R"({"type":"drug_administration","id":"D9","source":"S","patient":"P1","drug":"LENVATINIB","start":"2021-04-14T09:00:00+08:00","end":"2020-10-10T09:00:00+08:00","status":"completed"})",
     "end", "before start"},
    {"resolved_before_onset",
     R"({"type":"adverse_event","id":"A9","source":"S","patient":"P1","event":"HFSR","onset":"2021-02-03","resolved":"2021-01-01"})",
     "resolved", "before onset"},
    {"liver_segment_outside",
     R"({"type":"surgery","id":"S9","source":"S","patient":"P1","procedure":"SEGMENTECTOMY","start":"2021-04-21T08:00:00+08:00","body_sites":["S5","S9"],"status":"completed"})",
     "body_sites[1]", "not one of S1|S2"},
    {"illegal_id",
     R"({"type":"lab_result","id":"L 9/x","source":"S","patient":"P1","test":"AFP","value":1,"status":"final"})", "id",
     "not a valid id"},
    {"illegal_source",
     R"({"type":"lab_result","id":"L9","source":"GDPH:LIS","patient":"P1","test":"AFP","value":1,"status":"final"})",
     "source", "not a valid source"},
    {"bad_enum",
     R"({"type":"drug_administration","id":"D9","source":"S","patient":"P1","drug":"LENVATINIB","route":"ORAL","start":"2020-10-10","status":"completed"})",
     "route", "not one of"},
    {"ecog_out_of_range",
     R"({"type":"clinical_score","id":"C9","source":"S","patient":"P1","scale":"ECOG","value":7,"assessed_on":"2020-10-09"})",
     "value", "outside 0..5"},
    {"grade_out_of_range", R"({"type":"pathology","id":"P9","source":"S","patient":"P1","grade":5,"status":"final"})",
     "grade", "outside"},
    {"completed_surgery_without_start",
     R"({"type":"surgery","id":"S9","source":"S","patient":"P1","procedure":"RFA","status":"completed"})", "start",
     "required"},
};

INSTANTIATE_TEST_SUITE_P(Section4, BadLine, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(BadInput, UnknownLocalCodeMapsWithTheLocalCodingAloneAndAWarning) {
  const std::string line =
      R"({"type":"lab_result","id":"L1","source":"S","patient":"P1","test":"IL6","value":7.1,"unit":"pg/mL","status":"final"})";
  auto r = records_to_fhir(line, Tables::builtin());
  EXPECT_EQ(r.records_rejected, 0u);
  EXPECT_FALSE(r.outcome.has_errors());
  EXPECT_GE(testing::count_severity(r.outcome, Severity::Warning), 1u);
  EXPECT_NE(issues_text(r.outcome).find("unknown local code 'IL6'"), std::string::npos) << issues_text(r.outcome);
  const auto& obs = r.bundle.find("entry")->items()[0].find("resource")[0];
  const auto& codings = obs.find("code")->find("coding")->items();
  ASSERT_EQ(codings.size(), 1u);
  EXPECT_EQ(codings[0].find("system")->text(), Tables::builtin().local_system("lab_test"));
  EXPECT_EQ(codings[0].find("code")->text(), "IL6");
}

TEST(BadInput, AllOrNothingRejectsTheBatch) {
  const std::string input = std::string(kGood) + "\n{\"type\":\"nope\"}\n";
  auto r = records_to_fhir(input, Tables::builtin(), ToFhirOptions{BundleType::Transaction, true});
  EXPECT_EQ(r.records_rejected, 1u);
  EXPECT_FALSE(r.bundle.is_object());
  EXPECT_TRUE(r.outcome.has_errors());
}

TEST(BadInput, JsonArrayInputReportsTheLineOfEachElement) {
  const std::string input = "[\n" + std::string(kGood) + ",\n{\"type\":\"lab_result\",\"id\":\"bad id\"}\n]";
  auto r = records_to_fhir(input, Tables::builtin());
  EXPECT_EQ(r.records_read, 2u);
  EXPECT_EQ(r.records_rejected, 1u);
  bool line3 = false;
  for (const auto& i : r.outcome.issues()) line3 = line3 || (i.severity == Severity::Error && i.location.line == 3);
  EXPECT_TRUE(line3) << issues_text(r.outcome);
}

// NDJSON is parsed as one joined array when every line holds exactly one value; a value spread over two lines
// must still be two bad lines, even where the joined text would parse.
TEST(BadInput, ValueSpreadOverTwoLinesRejectsBothLines) {
  const std::string input =
      std::string(kGood) + "\n" + R"({"type":"lab_result","note":[1)" + "\n" + R"(2]},{"type":"lab_result"})" + "\n";
  auto r = records_to_fhir(input, Tables::builtin());
  EXPECT_EQ(r.records_read, 3u);
  EXPECT_EQ(r.records_rejected, 2u) << issues_text(r.outcome);
  EXPECT_EQ(r.records_mapped, 1u);
  std::vector<std::uint32_t> lines;
  for (const auto& i : r.outcome.issues()) {
    if (i.severity != Severity::Error) continue;
    lines.push_back(i.location.line);
    EXPECT_NE(i.diagnostics.find("not valid JSON"), std::string::npos) << i.diagnostics;
  }
  EXPECT_EQ(lines, (std::vector<std::uint32_t>{2, 3})) << issues_text(r.outcome);
}

TEST(BadInput, RecordLinesAreReportedAcrossBlankLines) {
  const std::string bad =
      R"({"type":"lab_result","id":"bad id","source":"S","patient":"P1","test":"AFP","value":1,"status":"final"})";
  const std::string input = "\n\n" + std::string(kGood) + "\r\n\n   \n" + bad + "\n";
  auto r = records_to_fhir(input, Tables::builtin());
  EXPECT_EQ(r.records_read, 2u);
  EXPECT_EQ(r.records_rejected, 1u);
  bool line6 = false;
  for (const auto& i : r.outcome.issues()) line6 = line6 || (i.severity == Severity::Error && i.location.line == 6);
  EXPECT_TRUE(line6) << issues_text(r.outcome);
}

TEST(BadInput, UnknownFieldIsAWarningNotARejection) {
  std::string line(kGood);
  line.insert(1, R"("colour":"red",)");
  auto r = records_to_fhir(line, Tables::builtin());
  EXPECT_EQ(r.records_rejected, 0u);
  EXPECT_NE(issues_text(r.outcome).find("colour"), std::string::npos);
}

TEST(Identity, LastVersionOfARecordInABatchWins) {
  const std::string v1 = std::string(kGood);
  std::string v2 = v1;
  v2.replace(v2.find("12.50"), 5, "13.75");
  auto r = records_to_fhir(v1 + "\n" + v2 + "\n", Tables::builtin());
  ASSERT_EQ(r.bundle.find("entry")->size(), 1u);
  const std::string text = json::to_string(r.bundle);
  EXPECT_NE(text.find("13.75"), std::string::npos);
  EXPECT_EQ(text.find("12.50"), std::string::npos);
}

TEST(Identity, SameRecordGivesTheSameResourceIdInEveryBatch) {
  auto a = records_to_fhir(kGood, Tables::builtin());
  auto b = records_to_fhir(std::string(kGood) + "\n" + std::string(kGood).replace(46, 2, "L2"), Tables::builtin());
  const auto id_a = a.bundle.find("entry")->items()[0].find("resource")->find("id")->text();
  const auto id_b = b.bundle.find("entry")->items()[0].find("resource")->find("id")->text();
  EXPECT_EQ(id_a, id_b);
  EXPECT_EQ(id_a.size(), 36u);
  const auto& req = *a.bundle.find("entry")->items()[0].find("request");
  EXPECT_EQ(req.find("method")->text(), "PUT");
  EXPECT_EQ(req.find("url")->text(), "Observation/" + std::string(id_a));
}

TEST(Identity, RetractionSetsEnteredInError) {
  std::string line(kGood);
  line.replace(line.find("\"final\""), 7, "\"entered_in_error\"");
  auto r = records_to_fhir(line, Tables::builtin());
  EXPECT_EQ(r.bundle.find("entry")->items()[0].find("resource")->find("status")->text(), "entered-in-error");
}

TEST(Identity, EmptyInputIsNotAnError) {
  auto r = records_to_fhir("\n\n", Tables::builtin());
  EXPECT_EQ(r.records_read, 0u);
  EXPECT_FALSE(r.outcome.has_errors());
}

}  // namespace
}  // namespace fhir::mappings
