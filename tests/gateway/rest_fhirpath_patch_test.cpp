// FHIRPath Patch (R4 fhirpatch.html) on the project's JSON tree with the embedded R4 registry: each
// operation type, primitive extensions kept in step, anonymous (backbone) values from nested parts, and the
// failure kinds (400 malformed, 422 not applicable) leaving the resource unchanged.
#include <gtest/gtest.h>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "rest/fhirpath_patch.h"

namespace fhirgw::rest {
namespace {

using Kind = PatchFailure::Kind;

const char* kPatient = R"({"resourceType":"Patient","id":"p1","active":true,
  "identifier":[{"system":"urn:mrn","value":"1"},{"system":"urn:other","value":"2"}],
  "name":[{"family":"Doe","given":["Ann","Beth","Cleo"],"_given":[null,{"extension":[{"url":"urn:x","valueString":"b"}]},null]}],
  "birthDate":"1970-01-01","_birthDate":{"extension":[{"url":"urn:y","valueString":"y"}]}})";

std::string op(const std::string& type, const std::string& path, const std::string& more = {}) {
  return R"({"name":"operation","part":[{"name":"type","valueCode":")" + type + R"("},{"name":"path","valueString":")" +
         path + "\"}" + more + "]}";
}

std::string params(const std::vector<std::string>& ops) {
  std::string out = R"({"resourceType":"Parameters","parameter":[)";
  for (std::size_t i = 0; i < ops.size(); ++i) out += (i ? "," : "") + ops[i];
  return out + "]}";
}

struct Applied {
  std::optional<PatchFailure> failure;
  std::string result;
};

Applied apply(const std::string& patch, const std::string& doc = kPatient) {
  auto target = fhir::json::parse(doc);
  auto p = fhir::json::parse(patch);
  EXPECT_TRUE(target && p) << "test input must be JSON";
  Applied a;
  a.failure = apply_fhirpath_patch(target.document->root(), p.document->root(), fhir::model::Registry::r4());
  a.result = fhir::json::to_string(target.document->root());
  return a;
}

std::string applied_ok(const std::string& patch) {
  const Applied a = apply(patch);
  EXPECT_FALSE(a.failure) << a.failure->reason;
  return a.result;
}

void expect_failure(const std::string& patch, Kind kind, std::size_t operation) {
  const Applied a = apply(patch);
  ASSERT_TRUE(a.failure) << "patch applied: " << a.result;
  EXPECT_EQ(a.failure->kind, kind) << a.failure->reason;
  EXPECT_EQ(a.failure->operation, operation) << a.failure->reason;
  auto before = fhir::json::parse(std::string(kPatient));
  auto after = fhir::json::parse(a.result);
  EXPECT_EQ(before.document->root(), after.document->root()) << "a failed patch must change nothing";
}

TEST(FhirPathPatch, ReplaceKeepsPrimitiveExtensions) {
  const std::string r =
      applied_ok(params({op("replace", "Patient.birthDate", R"(,{"name":"value","valueDate":"1971-02-03"})")}));
  EXPECT_NE(r.find(R"("birthDate":"1971-02-03")"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("_birthDate")"), std::string::npos) << r;
}

TEST(FhirPathPatch, DeleteRemovesValueAndItsExtensions) {
  std::string r = applied_ok(params({op("delete", "Patient.birthDate")}));
  EXPECT_EQ(r.find("birthDate"), std::string::npos) << r;
  // Deleting a list item keeps the parallel _given array in step.
  r = applied_ok(params({op("delete", "Patient.name.given[1]")}));
  EXPECT_NE(r.find(R"("given":["Ann","Cleo"],"_given":[null,null])"), std::string::npos) << r;
  // A path that matches nothing: delete succeeds without change.
  auto before = fhir::json::parse(std::string(kPatient));
  auto after = fhir::json::parse(applied_ok(params({op("delete", "Patient.deceased")})));
  EXPECT_EQ(before.document->root(), after.document->root());
  // where() selects one identifier.
  r = applied_ok(params({op("delete", "Patient.identifier.where(system='urn:other')")}));
  EXPECT_EQ(r.find("urn:other"), std::string::npos) << r;
  EXPECT_NE(r.find("urn:mrn"), std::string::npos) << r;
}

TEST(FhirPathPatch, AddUsesTheDefinitionForLists) {
  // telecom repeats (array); gender does not (single value); deceased[x] is a choice.
  const std::string r = applied_ok(params(
      {op("add", "Patient",
          R"(,{"name":"name","valueString":"telecom"},{"name":"value","valueContactPoint":{"system":"phone","value":"1"}})"),
       op("add", "Patient", R"(,{"name":"name","valueString":"gender"},{"name":"value","valueCode":"female"})"),
       op("add", "Patient", R"(,{"name":"name","valueString":"deceased"},{"name":"value","valueBoolean":false})"),
       op("add", "Patient.name", R"(,{"name":"name","valueString":"prefix"},{"name":"value","valueString":"Dr"})")}));
  EXPECT_NE(r.find(R"("telecom":[{"system":"phone","value":"1"}])"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("gender":"female")"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("deceasedBoolean":false)"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("prefix":["Dr"])"), std::string::npos) << r;
}

TEST(FhirPathPatch, AddBuildsAnonymousTypesFromParts) {
  const std::string r = applied_ok(params({op("add", "Patient",
                                              R"(,{"name":"name","valueString":"contact"},{"name":"value","part":[
         {"name":"name","valueHumanName":{"family":"Roe"}},{"name":"gender","valueCode":"male"}]})")}));
  EXPECT_NE(r.find(R"("contact":[{"name":{"family":"Roe"},"gender":"male"}])"), std::string::npos) << r;
}

TEST(FhirPathPatch, InsertAndMoveInsideOneList) {
  std::string r = applied_ok(params({op(
      "insert", "Patient.name.given", R"(,{"name":"index","valueInteger":0},{"name":"value","valueString":"Zoe"})")}));
  EXPECT_NE(r.find(R"("given":["Zoe","Ann","Beth","Cleo"],"_given":[null,null,{)"), std::string::npos) << r;
  r = applied_ok(params({op("move", "Patient.name.given",
                            R"(,{"name":"source","valueInteger":0},{"name":"destination","valueInteger":2})")}));
  EXPECT_NE(r.find(R"("given":["Beth","Cleo","Ann"])"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("_given":[{"extension")"), std::string::npos) << "the extension moves with Beth: " << r;
}

TEST(FhirPathPatch, FailuresChangeNothing) {
  // Second operation fails: the first is not kept.
  expect_failure(params({op("delete", "Patient.birthDate"),
                         op("replace", "Patient.gender", R"(,{"name":"value","valueCode":"male"})")}),
                 Kind::NotApplicable, 1);
  expect_failure(params({op("replace", "Patient.identifier", R"(,{"name":"value","valueIdentifier":{"value":"x"}})")}),
                 Kind::NotApplicable, 0);  // two matches
  expect_failure(params({op("add", "Patient",
                            R"(,{"name":"name","valueString":"birthDate"},{"name":"value","valueDate":"2000"})")}),
                 Kind::NotApplicable, 0);  // exists already
  expect_failure(
      params({op("add", "Patient", R"(,{"name":"name","valueString":"nonsense"},{"name":"value","valueString":"x"})")}),
      Kind::NotApplicable, 0);
  expect_failure(params({op("insert", "Patient.name.given",
                            R"(,{"name":"index","valueInteger":9},{"name":"value","valueString":"x"})")}),
                 Kind::NotApplicable, 0);
  expect_failure(params({op("move", "Patient.identifier",
                            R"(,{"name":"source","valueInteger":0},{"name":"destination","valueInteger":5})")}),
                 Kind::NotApplicable, 0);
}

TEST(FhirPathPatch, MalformedPatches) {
  expect_failure(R"({"resourceType":"Bundle"})", Kind::Malformed, 0);
  expect_failure(R"({"resourceType":"Parameters"})", Kind::Malformed, 0);
  expect_failure(params({op("frobnicate", "Patient.active")}), Kind::Malformed, 0);
  expect_failure(params({op("replace", "Patient.active")}), Kind::Malformed, 0);  // no value
  expect_failure(params({op("delete", "Patient.name.where((")}), Kind::Malformed, 0);
  expect_failure(params({op("insert", "Patient.name.given",
                            R"(,{"name":"index","valueInteger":-1},{"name":"value","valueString":"x"})")}),
                 Kind::Malformed, 0);
  expect_failure(R"({"resourceType":"Parameters","parameter":[{"name":"other","valueString":"x"}]})", Kind::Malformed,
                 0);
}

}  // namespace
}  // namespace fhirgw::rest
