// Outcome bookkeeping and the OperationOutcome it produces.
#include <gtest/gtest.h>

#include "fhir/json/writer.h"
#include "fhir/validation/outcome.h"

namespace fv = fhir::validation;

TEST(Outcome, CountsAndErrors) {
  fv::Outcome o;
  EXPECT_FALSE(o.has_errors());
  o.add(fv::Severity::Warning, "code-invalid", "w");
  EXPECT_FALSE(o.has_errors());
  o.add(fv::Severity::Error, "value", "bad", "Patient.birthDate", {3, 17});
  EXPECT_TRUE(o.has_errors());
  EXPECT_EQ(o.count(fv::Severity::Error), 1u);
  fv::Outcome other;
  other.add(fv::Severity::Fatal, "structure", "f");
  o.append(other);
  EXPECT_EQ(o.issues().size(), 3u);
}

TEST(Outcome, OperationOutcomeHasLineColumnExtensions) {
  fv::Outcome o;
  o.add(fv::Severity::Error, "value", "not a real calendar date", "Patient.birthDate", {3, 17});
  auto oo = o.to_operation_outcome();
  ASSERT_NE(oo.find("resourceType"), nullptr);
  EXPECT_EQ(oo.find("resourceType")->text(), "OperationOutcome");
  const auto& issue = oo.find("issue")->items()[0];
  EXPECT_EQ(issue.find("severity")->text(), "error");
  EXPECT_EQ(issue.find("code")->text(), "value");
  EXPECT_EQ(issue.find("expression")->items()[0].text(), "Patient.birthDate");
  const auto& ext = issue.find("extension")->items();
  ASSERT_EQ(ext.size(), 2u);
  EXPECT_EQ(ext[0].find("url")->text(), "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line");
  EXPECT_EQ(ext[0].find("valueInteger")->text(), "3");
  EXPECT_EQ(ext[1].find("valueInteger")->text(), "17");
}

TEST(Outcome, EmptyOutcomeSaysAllOk) {
  fv::Outcome o;
  auto text = fhir::json::to_string(o.to_operation_outcome());
  EXPECT_NE(text.find("\"informational\""), std::string::npos);
  EXPECT_NE(text.find("\"information\""), std::string::npos);
}

#include "fhir/validation/validator.h"

TEST(Outcome, OperationOutcomeIsItselfValid) {
  const fv::Validator validator;
  auto issues = validator.validate_text(R"({"resourceType":"Patient","birthDate":"2020-02-30","colour":"blue"})");
  ASSERT_TRUE(issues.has_errors());
  auto check = validator.validate(issues.to_operation_outcome());
  EXPECT_FALSE(check.has_errors()) << fhir::json::to_string(issues.to_operation_outcome());
  auto empty = validator.validate(fv::Outcome{}.to_operation_outcome());
  EXPECT_FALSE(empty.has_errors());
}
