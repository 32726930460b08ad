// Canonical JSON: specification order, `_x` after `x`, unknown members kept, exact decimals, pretty layout.
#include <gtest/gtest.h>

#include "fhir/json/parser.h"
#include "fhir/model/canonical_writer.h"

namespace fhir::model {
namespace {

std::string canonical(std::string_view text, bool pretty = false) {
  json::ParseResult parsed = json::parse(text);
  EXPECT_TRUE(parsed) << (parsed.error ? parsed.error->message : "");
  if (!parsed) return {};
  return to_canonical_json(parsed.document->root(), json::WriteOptions{pretty});
}

TEST(CanonicalWriter, ResourceTypeFirstThenSpecificationOrder) {
  EXPECT_EQ(canonical(R"({"gender":"female","birthDate":"1970-01-01","id":"p1","resourceType":"Patient",
                         "name":[{"given":["Ann"],"family":"Lee","use":"official"}],"active":true})"),
            R"({"resourceType":"Patient","id":"p1","active":true,"name":[{"use":"official","family":"Lee",)"
            R"("given":["Ann"]}],"gender":"female","birthDate":"1970-01-01"})");
}

TEST(CanonicalWriter, PrimitiveExtensionFollowsItsValue) {
  EXPECT_EQ(
      canonical(R"({"_birthDate":{"extension":[{"valueDateTime":"1970-01-01T10:00:00+01:00",
                         "url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime"}]},
                         "resourceType":"Patient","birthDate":"1970-01-01",
                         "name":[{"_given":[null,{"id":"g2"}],"given":["A","B"]}]})"),
      R"({"resourceType":"Patient","name":[{"given":["A","B"],"_given":[null,{"id":"g2"}]}],)"
      R"("birthDate":"1970-01-01","_birthDate":{"extension":[{"url":)"
      R"("http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1970-01-01T10:00:00+01:00"}]}})");
}

TEST(CanonicalWriter, ChoiceTypesDatatypesAndBackboneElements) {
  EXPECT_EQ(canonical(
                R"({"valueQuantity":{"unit":"mg","value":1.50,"code":"mg","system":"http://unitsofmeasure.org"},
                         "status":"final","resourceType":"Observation","code":{"text":"x"},
                         "component":[{"valueString":"a","code":{"coding":[{"code":"c","system":"s"}]}}]})"),
            R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
            R"("valueQuantity":{"value":1.50,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"},)"
            R"("component":[{"code":{"coding":[{"system":"s","code":"c"}]},"valueString":"a"}]})");
}

TEST(CanonicalWriter, UnknownMembersAreKeptAfterKnownOnesInSourceOrder) {
  EXPECT_EQ(canonical(R"({"zeta":1,"resourceType":"Patient","alpha":{"b":1,"a":2},"id":"x","_unknown":{}})"),
            R"({"resourceType":"Patient","id":"x","zeta":1,"alpha":{"b":1,"a":2},"_unknown":{}})");
}

TEST(CanonicalWriter, ContainedAndBundleResourcesAreOrderedByTheirOwnType) {
  EXPECT_EQ(canonical(R"({"entry":[{"resource":{"recordedDate":"2020","resourceType":"Condition",
                           "contained":[{"name":[{"family":"F"}],"resourceType":"Patient","id":"c"}]},
                           "fullUrl":"urn:uuid:1"}],"type":"collection","resourceType":"Bundle"})"),
            R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":)"
            R"({"resourceType":"Condition","contained":[{"resourceType":"Patient","id":"c","name":[{"family":"F"}]}],)"
            R"("recordedDate":"2020"}}]})");
}

TEST(CanonicalWriter, ContentReferenceRecursion) {
  EXPECT_EQ(canonical(R"({"resourceType":"Questionnaire","status":"draft","item":[{"type":"group","linkId":"1",
                         "item":[{"type":"string","text":"q","linkId":"1.1"}]}]})"),
            R"({"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group",)"
            R"("item":[{"linkId":"1.1","text":"q","type":"string"}]}]})");
}

TEST(CanonicalWriter, ExtensionValueChoice) {
  EXPECT_EQ(canonical(R"({"resourceType":"Patient","extension":[{"valueCodeableConcept":{"text":"t","coding":[]},
                         "url":"u"}]})"),
            R"({"resourceType":"Patient","extension":[{"url":"u","valueCodeableConcept":{"coding":[],"text":"t"}}]})");
}

TEST(CanonicalWriter, DecimalsKeepTheirText) {
  EXPECT_EQ(canonical(R"({"resourceType":"Observation","valueQuantity":{"value":1.000000000000000000E-245}})"),
            R"({"resourceType":"Observation","valueQuantity":{"value":1.000000000000000000E-245}})");
}

TEST(CanonicalWriter, PrettyLayout) {
  EXPECT_EQ(canonical(R"({"id":"x","resourceType":"Patient","name":[{"given":["A"]}],"link":[]})", true),
            "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"x\",\n  \"name\": [\n    {\n      \"given\": [\n"
            "        \"A\"\n      ]\n    }\n  ],\n  \"link\": []\n}");
}

TEST(CanonicalWriter, UnknownResourceTypeAndNonObjectsAreWrittenAsIs) {
  EXPECT_EQ(canonical(R"({"b":1,"resourceType":"NoSuchType","a":[true,null]})"),
            R"({"b":1,"resourceType":"NoSuchType","a":[true,null]})");
  EXPECT_EQ(canonical(R"([1,"x"])"), R"([1,"x"])");
}

TEST(CanonicalWriter, WriteElementOfADatatype) {
  json::ParseResult parsed = json::parse(R"({"value":3,"comparator":"<","unit":"d"})");
  ASSERT_TRUE(parsed);
  std::string out;
  write_element(parsed.document->root(), "Duration", out);
  EXPECT_EQ(out, R"({"value":3,"comparator":"<","unit":"d"})");
  out.clear();
  write_element(parsed.document->root(), "NoSuchType", out);
  EXPECT_EQ(out, R"({"value":3,"comparator":"<","unit":"d"})");
}

}  // namespace
}  // namespace fhir::model

namespace fhir::model {
namespace {

TEST(CanonicalWriter, DeeplyNestedContentReferences) {
  std::string text = R"({"resourceType":"Questionnaire","status":"draft")";
  constexpr int kLevels = 120;  // two JSON levels each: inside the parser's depth cap
  for (int i = 0; i < kLevels; ++i) text += R"(,"item":[{"type":"group","linkId":"x")";
  for (int i = 0; i < kLevels; ++i) text += "}]";
  text += "}";
  json::ParseResult parsed = json::parse(text);
  ASSERT_TRUE(parsed) << parsed.error->message;
  const std::string out = to_canonical_json(parsed.document->root());
  json::ParseResult again = json::parse(out);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again.document->root() == parsed.document->root());
  EXPECT_NE(out.find(R"({"linkId":"x","type":"group","item":)"), std::string::npos);
}

}  // namespace
}  // namespace fhir::model
