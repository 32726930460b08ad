// Typed views (fhir/model/r4_views.h) over parsed resources.
#include <gtest/gtest.h>

#include "fhir/json/parser.h"
#include "fhir/model/r4_views.h"

namespace fhir::model {
namespace {

json::Document parse_or_die(std::string_view text) {
  json::ParseResult parsed = json::parse(text);
  EXPECT_TRUE(parsed);
  return std::move(*parsed.document);
}

TEST(Views, ObservationAccessors) {
  const auto doc = parse_or_die(R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"8480-6"},{"system":"s","code":"c"}],"text":"SBP"},
    "subject":{"reference":"Patient/1"},"effectiveDateTime":"2020-01-02",
    "valueQuantity":{"value":120.50,"unit":"mmHg"},
    "component":[{"code":{"text":"a"},"valueString":"x"},{"code":{"text":"b"},"valueInteger":7}]})");
  const r4::Observation obs(&doc.root());
  ASSERT_TRUE(obs.exists());
  EXPECT_EQ(obs.resource_type(), "Observation");
  EXPECT_EQ(obs.status().text(), "final");
  EXPECT_EQ(obs.code().text().text(), "SBP");
  ASSERT_EQ(obs.code().coding().size(), 2u);
  EXPECT_EQ(obs.code().coding()[0].code().text(), "8480-6");
  std::vector<std::string_view> systems;
  for (const r4::Coding c : obs.code().coding()) systems.push_back(c.system().text());
  EXPECT_EQ(systems, (std::vector<std::string_view>{"http://loinc.org", "s"}));
  EXPECT_EQ(obs.subject().reference().text(), "Patient/1");
  EXPECT_EQ(obs.valueQuantity().value().text(), "120.50");  // exact decimal text
  EXPECT_FALSE(obs.valueString().exists());
  const view::Choice value = obs.value();
  EXPECT_EQ(value.type, "Quantity");
  EXPECT_EQ(obs.effective().type, "dateTime");
  ASSERT_EQ(obs.component().size(), 2u);
  EXPECT_EQ(obs.component()[1].valueInteger().as_integer(), 7);
  EXPECT_EQ(obs.component()[0].value().type, "string");
  // Absent things are empty views, never crashes.
  EXPECT_FALSE(obs.encounter().exists());
  EXPECT_EQ(obs.encounter().reference().text(), "");
  EXPECT_FALSE(obs.component()[5].exists());
  EXPECT_TRUE(obs.performer().empty());
}

TEST(Views, BundleEntriesAndResourceCast) {
  const auto doc = parse_or_die(R"({"resourceType":"Bundle","type":"collection","entry":[
    {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p","birthDate":"1970","active":true,
      "name":[{"family":"Lee","given":["Ann","B"]}]}},
    {"resource":{"resourceType":"Condition","clinicalStatus":{"coding":[{"code":"active"}]}}}]})");
  const r4::Bundle bundle(&doc.root());
  EXPECT_EQ(bundle.type().text(), "collection");
  ASSERT_EQ(bundle.entry().size(), 2u);
  const auto patient = bundle.entry()[0].resource().as<r4::Patient>();
  ASSERT_TRUE(patient.exists());
  EXPECT_EQ(patient.birthDate().text(), "1970");
  EXPECT_EQ(patient.active().as_bool(), true);
  EXPECT_EQ(patient.name()[0].given()[1].text(), "B");
  EXPECT_FALSE(bundle.entry()[0].resource().as<r4::Condition>().exists());
  const auto condition = bundle.entry()[1].resource().as<r4::Condition>();
  EXPECT_EQ(condition.clinicalStatus().coding()[0].code().text(), "active");
}

TEST(Views, OtherMappedResourcesExist) {
  // Compile-time presence of the views the mappings use.
  [[maybe_unused]] r4::MedicationAdministration a{nullptr};
  [[maybe_unused]] r4::Procedure b{nullptr};
  [[maybe_unused]] r4::DiagnosticReport c{nullptr};
  [[maybe_unused]] r4::Specimen d{nullptr};
  [[maybe_unused]] r4::BodyStructure e{nullptr};
  [[maybe_unused]] r4::AdverseEvent f{nullptr};
  [[maybe_unused]] r4::OperationOutcome g{nullptr};
  [[maybe_unused]] r4::Provenance h{nullptr};
  [[maybe_unused]] r4::AuditEvent i{nullptr};
  EXPECT_EQ(r4::AuditEvent::kTypeName, "AuditEvent");
  EXPECT_FALSE(h.target().front().exists());
}

TEST(Views, KeywordNamedElementsGetATrailingUnderscore) {
  const auto doc = parse_or_die(R"({"resourceType":"Encounter","status":"finished","class":{"code":"AMB"}})");
  const r4::Encounter enc(&doc.root());
  EXPECT_EQ(enc.class_().code().text(), "AMB");
}

TEST(Views, SingleValueWhereAnArrayBelongsReadsAsOneItem) {
  const auto doc = parse_or_die(R"({"resourceType":"Patient","name":{"family":"Solo"}})");
  const r4::Patient p(&doc.root());
  ASSERT_EQ(p.name().size(), 1u);
  EXPECT_EQ(p.name()[0].family().text(), "Solo");
}

}  // namespace
}  // namespace fhir::model
