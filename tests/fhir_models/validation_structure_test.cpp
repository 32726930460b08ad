// The validator on small hand-written resources: one rule per test, with the expected location.
#include <gtest/gtest.h>

#include "fhir/validation/validator.h"
#include "validation_test_util.h"

namespace fv = fhir::validation;
using fv::Severity;
using fv::testing::errors_text;
using fv::testing::has_issue;

namespace {

fv::Outcome check(const std::string& json) {
  static const fv::Validator validator;
  return validator.validate_text(json);
}

}  // namespace

TEST(ValidateStructure, ValidPatientHasNoErrors) {
  auto o = check(
      R"({"resourceType":"Patient","id":"p1","active":true,"name":[{"family":"Chalmers","given":["Peter","James"]}],
    "gender":"male","birthDate":"1974-12-25","telecom":[{"system":"phone","value":"(03) 5555 6473"}]})");
  EXPECT_FALSE(o.has_errors()) << errors_text(o);
}

TEST(ValidateStructure, UnknownElementWithLineAndColumn) {
  auto o = check("{\"resourceType\":\"Patient\",\n  \"colour\":\"blue\"}");
  ASSERT_TRUE(has_issue(o, Severity::Error, "Patient.colour", "unknown element")) << errors_text(o);
  for (const auto& i : o.issues())
    if (i.expression == "Patient.colour") {
      EXPECT_EQ(i.location.line, 2u);
      EXPECT_EQ(i.location.column, 12u);
    }
}

TEST(ValidateStructure, WrongJsonTypes) {
  auto o = check(R"({"resourceType":"Patient","active":"true","multipleBirthInteger":"2","name":[{"family":12}]})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.active", "boolean")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.multipleBirthInteger", "JSON number")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.name[0].family", "JSON string")) << errors_text(o);
}

TEST(ValidateStructure, ArrayVersusSingle) {
  auto o = check(R"({"resourceType":"Patient","gender":["male"],"name":{"family":"X"}})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.gender", "not an array")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.name", "must be a JSON array")) << errors_text(o);
}

TEST(ValidateStructure, EmptyValuesViolateEle1) {
  auto o = check(R"({"resourceType":"Patient","name":[{}],"identifier":[],"gender":"","maritalStatus":{"id":"x"}})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.name[0]", "empty object")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.identifier", "arrays must not be empty")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.gender", "must not be empty")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.maritalStatus", "other than id")) << errors_text(o);
}

TEST(ValidateStructure, SeveralChoiceTypes) {
  auto o = check(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
     "effectiveDateTime":"2020-01-01","effectivePeriod":{"start":"2020-01-01"}})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.effectivePeriod", "only one type of effective[x]"))
      << errors_text(o);
}

TEST(ValidateStructure, MissingRequiredAndTooMany) {
  auto o = check(R"({"resourceType":"Observation","code":{"text":"x"}})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.status", "missing required element")) << errors_text(o);
}

TEST(ValidateStructure, ResourceTypeMissingOrUnknown) {
  EXPECT_TRUE(has_issue(check(R"({"id":"x"})"), Severity::Error, "", "resourceType is missing"));
  EXPECT_TRUE(has_issue(check(R"({"resourceType":"Patientx"})"), Severity::Error, "", "unknown resourceType"));
  EXPECT_TRUE(has_issue(check(R"({"resourceType":"DomainResource"})"), Severity::Error, "", "abstract"));
}

TEST(ValidateStructure, PrimitiveExtensions) {
  auto good = check(R"({"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,{"extension":[
      {"url":"http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier","valueCode":"CL"}]}]}],
      "_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}})");
  EXPECT_FALSE(good.has_errors()) << errors_text(good);
  auto bad =
      check(R"({"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,null]}],"_birthDate":[{"id":"a"}],
      "_name":{"id":"x"}})");
  EXPECT_TRUE(has_issue(bad, Severity::Error, "Patient.name[0].given[1]", "null")) << errors_text(bad);
  EXPECT_TRUE(has_issue(bad, Severity::Error, "Patient.birthDate", "single object")) << errors_text(bad);
  EXPECT_TRUE(has_issue(bad, Severity::Error, "Patient.name", "only allowed for primitive")) << errors_text(bad);
}

TEST(ValidateStructure, PrimitiveValues) {
  auto o = check(
      R"({"resourceType":"Patient","id":"bad id","birthDate":"2020-02-30","deceasedDateTime":"2020-01-01T10:00:00",
     "multipleBirthInteger":1.5})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.id", "invalid id")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.birthDate", "not a real calendar date")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.deceasedDateTime", "time zone")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.multipleBirthInteger", "integer")) << errors_text(o);
}

TEST(ValidateStructure, DecimalWrittenAsStringInBundleHasFullPath) {
  auto o = check(R"({"resourceType":"Bundle","type":"collection","entry":[
     {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Patient"}},
     {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0b","resource":{"resourceType":"Observation","status":"final",
      "code":{"text":"bp"},"component":[{"code":{"text":"sys"},"valueQuantity":{"value":"120.5"}}]}}]})");
  EXPECT_TRUE(
      has_issue(o, Severity::Error, "Bundle.entry[1].resource.component[0].valueQuantity.value", "not a string"))
      << errors_text(o);
}

TEST(ValidateStructure, RequiredBindingOnCode) {
  auto o = check(R"({"resourceType":"Observation","status":"done","code":{"text":"x"}})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.status", "not in the required value set")) << errors_text(o);
}

TEST(ValidateStructure, References) {
  auto o = check(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
     "subject":{"reference":"Patient 1"},"performer":[{"reference":"Medication/m1"}],"specimen":{"reference":"#nope"}})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.subject.reference", "invalid reference")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.performer[0].reference", "not allowed")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.specimen.reference", "contained")) << errors_text(o);
  auto good = check(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
     "subject":{"reference":"http://example.org/fhir/Patient/1/_history/2"},"performer":[{"reference":"#pr"}],
     "contained":[{"resourceType":"Practitioner","id":"pr"}]})");
  EXPECT_FALSE(good.has_errors()) << errors_text(good);
}

TEST(ValidateStructure, ContainedRules) {
  auto o = check(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
     "contained":[{"resourceType":"Practitioner","id":"pr","meta":{"versionId":"1"},
                   "contained":[{"resourceType":"Patient","id":"x"}]}]})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.contained[0]", "dom-2")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.contained[0]", "dom-3")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation.contained[0]", "dom-4")) << errors_text(o);
}

TEST(ValidateStructure, BundleRules) {
  auto o = check(R"({"resourceType":"Bundle","type":"transaction","total":2,"entry":[
     {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Patient"},
      "request":{"method":"POST","url":"Patient"}},
     {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Observation","status":"final",
      "code":{"text":"x"},"subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0c"}}}]})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Bundle.total", "bdl-1")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Bundle.entry[1]", "bdl-3")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Bundle.entry[1].fullUrl", "bdl-7")) << errors_text(o);
  EXPECT_TRUE(has_issue(o, Severity::Error, "Bundle.entry[1].resource.subject.reference", "does not resolve"))
      << errors_text(o);
  auto doc = check(R"({"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Patient"}}]})");
  EXPECT_TRUE(has_issue(doc, Severity::Error, "Bundle", "bdl-9")) << errors_text(doc);
  EXPECT_TRUE(has_issue(doc, Severity::Error, "Bundle", "bdl-10")) << errors_text(doc);
  EXPECT_TRUE(has_issue(doc, Severity::Error, "Bundle", "bdl-11")) << errors_text(doc);
}

TEST(ValidateStructure, InvariantDataAbsentReasonWithValue) {
  auto o = check(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a",
     "dataAbsentReason":{"text":"unknown"}})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Observation", "obs-6")) << errors_text(o);
}

TEST(ValidateStructure, ExtensionNeedsValueOrExtensions) {
  auto o = check(R"({"resourceType":"Patient","extension":[{"url":"http://example.org/x"}]})");
  EXPECT_TRUE(has_issue(o, Severity::Error, "Patient.extension[0]", "ext-1")) << errors_text(o);
}

TEST(ValidateStructure, SyntaxErrorIsFatalWithLocation) {
  auto o = check("{\"resourceType\":\"Patient\",\n\"active\":true,}");
  ASSERT_EQ(o.issues().size(), 1u);
  EXPECT_EQ(o.issues()[0].severity, Severity::Fatal);
  EXPECT_EQ(o.issues()[0].location.line, 2u);
}
