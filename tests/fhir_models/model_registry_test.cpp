// The embedded R4 metadata: types, choice resolution, cardinalities, bindings, terminology, search.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"

namespace fhir::model {
namespace {

const Registry& r4() { return Registry::r4(); }

TEST(Registry, LoadsConcurrentlyOnceAndQuickly) {
  const auto start = std::chrono::steady_clock::now();
  const Registry* seen[4] = {};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&seen, i] { seen[i] = &Registry::r4(); });
  for (auto& t : threads) t.join();
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  for (const Registry* r : seen) EXPECT_EQ(r, seen[0]);
  // Reported, not asserted (no timing asserts in tests).
  RecordProperty("load_ms", std::to_string(ms));
  std::printf("Registry::r4() first load: %.1f ms\n", ms);
}

TEST(Registry, HasEveryConcreteResourceType) {
  // The R4 package defines 146 non-abstract resource StructureDefinitions (plus abstract Resource and
  // DomainResource); the "145" often quoted for R4 undercounts by one.
  const auto& names = r4().resource_type_names();
  EXPECT_EQ(names.size(), 146u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* n : {"Patient", "Observation", "Bundle", "Parameters", "Binary", "AdverseEvent", "BodyStructure",
                        "MedicinalProductUndesirableEffect", "EffectEvidenceSynthesis", "VerificationResult"}) {
    EXPECT_TRUE(r4().is_resource_type(n)) << n;
  }
  EXPECT_FALSE(r4().is_resource_type("Resource"));        // abstract
  EXPECT_FALSE(r4().is_resource_type("DomainResource"));  // abstract
  EXPECT_FALSE(r4().is_resource_type("HumanName"));
  EXPECT_FALSE(r4().is_resource_type("Patients"));
}

TEST(Registry, HasAllDatatypes) {
  for (const char* n : {"boolean",      "integer",  "string",      "decimal",     "uri",  "url",  "canonical",
                        "base64Binary", "instant",  "date",        "dateTime",    "time", "code", "oid",
                        "id",           "markdown", "unsignedInt", "positiveInt", "uuid", "xhtml"}) {
    const TypeDef* t = r4().find_type(n);
    ASSERT_NE(t, nullptr) << n;
    EXPECT_EQ(t->kind, TypeKind::PrimitiveType) << n;
  }
  for (const char* n : {"Address",
                        "Age",
                        "Annotation",
                        "Attachment",
                        "CodeableConcept",
                        "Coding",
                        "ContactPoint",
                        "Count",
                        "Distance",
                        "Duration",
                        "HumanName",
                        "Identifier",
                        "Money",
                        "Period",
                        "Quantity",
                        "Range",
                        "Ratio",
                        "Reference",
                        "SampledData",
                        "Signature",
                        "Timing",
                        "Meta",
                        "Narrative",
                        "Extension",
                        "Dosage",
                        "ElementDefinition",
                        "BackboneElement",
                        "Element",
                        "Expression",
                        "TriggerDefinition",
                        "UsageContext",
                        "DataRequirement",
                        "ParameterDefinition",
                        "RelatedArtifact",
                        "ContactDetail",
                        "Contributor",
                        "MarketingStatus",
                        "Population",
                        "ProdCharacteristic",
                        "ProductShelfLife",
                        "SubstanceAmount"}) {
    const TypeDef* t = r4().find_type(n);
    ASSERT_NE(t, nullptr) << n;
    EXPECT_EQ(t->kind, TypeKind::ComplexType) << n;
  }
}

TEST(Registry, ChoiceTypeResolution) {
  const TypeDef* obs = r4().find_type("Observation");
  ASSERT_NE(obs, nullptr);
  std::string type;
  const ElementDef* e = obs->child(0, "valueQuantity", &type);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->path, "Observation.value[x]");
  EXPECT_TRUE(e->is_choice);
  EXPECT_EQ(e->name, "value");
  EXPECT_EQ(type, "Quantity");
  ASSERT_NE(obs->child(0, "effectiveDateTime", &type), nullptr);
  EXPECT_EQ(type, "dateTime");
  EXPECT_EQ(obs->child(0, "valueMoney", &type), nullptr);  // not an allowed type
  EXPECT_EQ(obs->child(0, "value", &type), nullptr);       // the bare prefix is not a JSON name
  EXPECT_EQ(obs->child(0, "valuequantity", &type), nullptr);
  EXPECT_EQ(obs->child(0, "nonsense"), nullptr);
}

TEST(Registry, CardinalitiesOfKnownElements) {
  const TypeDef* obs = r4().find_type("Observation");
  ASSERT_NE(obs, nullptr);
  const ElementDef* status = obs->find_path("Observation.status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->min, 1u);
  EXPECT_EQ(status->max, 1u);
  EXPECT_TRUE(status->is_modifier);
  EXPECT_TRUE(status->is_summary);
  const ElementDef* code = obs->find_path("Observation.code");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->min, 1u);
  const ElementDef* component = obs->find_path("Observation.component");
  ASSERT_NE(component, nullptr);
  EXPECT_EQ(component->min, 0u);
  EXPECT_EQ(component->max, kUnbounded);
  EXPECT_TRUE(component->is_array());
  ASSERT_EQ(component->types.size(), 1u);
  EXPECT_EQ(component->types[0].code, "BackboneElement");
  const ElementDef* comp_code = obs->find_path("Observation.component.code");
  ASSERT_NE(comp_code, nullptr);
  EXPECT_EQ(comp_code->parent, obs->index_of(*component));

  const TypeDef* patient = r4().find_type("Patient");
  ASSERT_NE(patient, nullptr);
  const ElementDef* link_other = patient->find_path("Patient.link.other");
  ASSERT_NE(link_other, nullptr);
  EXPECT_EQ(link_other->min, 1u);
  ASSERT_EQ(link_other->types.size(), 1u);
  EXPECT_EQ(link_other->types[0].code, "Reference");
  EXPECT_EQ(link_other->types[0].target_profiles.size(), 2u);
}

TEST(Registry, RequiredBindingIsExpanded) {
  const TypeDef* obs = r4().find_type("Observation");
  const ElementDef* status = obs->find_path("Observation.status");
  ASSERT_TRUE(status->binding.has_value());
  EXPECT_EQ(status->binding->strength, BindingStrength::Required);
  EXPECT_EQ(status->binding->value_set, "http://hl7.org/fhir/ValueSet/observation-status");
  const ValueSetExpansion* vs = r4().find_value_set(status->binding->value_set);
  ASSERT_NE(vs, nullptr);
  EXPECT_TRUE(vs->complete);
  for (const char* c :
       {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}) {
    EXPECT_TRUE(vs->contains("http://hl7.org/fhir/observation-status", c)) << c;
  }
  EXPECT_FALSE(vs->contains_code("done"));
  EXPECT_FALSE(vs->contains("http://example.org", "final"));
  EXPECT_NE(r4().find_value_set("http://hl7.org/fhir/ValueSet/observation-status|4.0.1"), nullptr);
}

TEST(Registry, EveryBindingValueSetOfTheCoreIsKnownOrExternal) {
  // Every required binding in the core types points at a value set the package defines.
  int required = 0;
  for (const std::string& name : r4().resource_type_names()) {
    const TypeDef* t = r4().find_type(name);
    for (const ElementDef& e : t->elements) {
      if (!e.binding || e.binding->strength != BindingStrength::Required) continue;
      ++required;
      if (e.binding->value_set.rfind("http://loinc.org/", 0) == 0) continue;  // LOINC answer lists: external
      EXPECT_NE(r4().find_value_set(e.binding->value_set), nullptr) << e.path << " -> " << e.binding->value_set;
    }
  }
  EXPECT_GT(required, 300);
}

TEST(Registry, HierarchicalValueSetFilter) {
  // v3 ActEncounterCode: is-a filters over the hierarchical v3 ActCode system.
  const ValueSetExpansion* vs = r4().find_value_set("http://terminology.hl7.org/ValueSet/v3-ActEncounterCode");
  ASSERT_NE(vs, nullptr);
  EXPECT_TRUE(vs->contains("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"));
  EXPECT_TRUE(vs->contains("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP"));
  EXPECT_FALSE(vs->contains("http://terminology.hl7.org/CodeSystem/v3-ActCode", "_ActAccountCode"));
  // is-a includes _ActEncounterCode, compose.exclude takes the abstract head out again.
  EXPECT_FALSE(vs->contains("http://terminology.hl7.org/CodeSystem/v3-ActCode", "_ActEncounterCode"));
  EXPECT_TRUE(vs->complete);
}

TEST(Registry, ValueSetImportsExcludesAndDescendants) {
  // compose.include.valueSet: the union of two imported value sets.
  const ValueSetExpansion* both = r4().find_value_set("http://hl7.org/fhir/ValueSet/event-or-request-resource-types");
  ASSERT_NE(both, nullptr);
  EXPECT_TRUE(both->complete);
  EXPECT_TRUE(both->contains("http://hl7.org/fhir/event-resource-types", "Observation"));
  EXPECT_TRUE(both->contains("http://hl7.org/fhir/request-resource-types", "ServiceRequest"));
  // descendent-of excludes the concept itself; is-a includes it.
  const ValueSetExpansion* inactive = r4().find_value_set("http://hl7.org/fhir/ValueSet/inactive");
  ASSERT_NE(inactive, nullptr);
  const std::string mood = "http://terminology.hl7.org/CodeSystem/v3-ActMood";
  EXPECT_TRUE(inactive->contains(mood, "EXPEC"));
  EXPECT_TRUE(inactive->contains(mood, "GOL"));  // grandchild
  EXPECT_FALSE(inactive->contains(mood, "_ActMoodPredicate"));
  EXPECT_FALSE(inactive->contains(mood, "EVN"));
  // An import that the package does not define leaves the expansion incomplete.
  const ValueSetExpansion* media = r4().find_value_set("http://hl7.org/fhir/ValueSet/media-modality");
  ASSERT_NE(media, nullptr);
  EXPECT_FALSE(media->complete);
}

TEST(Registry, ExternalSystemsMakeValueSetsIncomplete) {
  const ValueSetExpansion* vs = r4().find_value_set("http://hl7.org/fhir/ValueSet/observation-codes");  // LOINC
  ASSERT_NE(vs, nullptr);
  EXPECT_FALSE(vs->complete);
  const ValueSetExpansion* ucum = r4().find_value_set("http://hl7.org/fhir/ValueSet/ucum-units");
  ASSERT_NE(ucum, nullptr);
  EXPECT_FALSE(ucum->complete);
}

TEST(Registry, CodeSystems) {
  const CodeSystemInfo* cs = r4().find_code_system("http://hl7.org/fhir/administrative-gender");
  ASSERT_NE(cs, nullptr);
  EXPECT_EQ(cs->content, "complete");
  EXPECT_EQ(cs->codes.size(), 4u);
  EXPECT_EQ(cs->codes.at("female"), "Female");
  const CodeSystemInfo* snomed = r4().find_code_system("http://snomed.info/sct");
  ASSERT_NE(snomed, nullptr);  // described in the package, codes not present
  EXPECT_EQ(snomed->content, "not-present");
  EXPECT_TRUE(snomed->codes.empty());
}

TEST(Registry, IsA) {
  EXPECT_TRUE(r4().is_a("Observation", "DomainResource"));
  EXPECT_TRUE(r4().is_a("Observation", "Resource"));
  EXPECT_TRUE(r4().is_a("Bundle", "Resource"));
  EXPECT_FALSE(r4().is_a("Bundle", "DomainResource"));
  EXPECT_TRUE(r4().is_a("Age", "Quantity"));
  EXPECT_TRUE(r4().is_a("Quantity", "Element"));
  EXPECT_FALSE(r4().is_a("Quantity", "Resource"));
  EXPECT_TRUE(r4().is_a("http://hl7.org/fhir/StructureDefinition/vitalsigns", "Observation"));
  EXPECT_TRUE(r4().is_a("Patient", "Patient"));
}

TEST(Registry, ProfilesAndExtensionsByUrl) {
  const TypeDef* vitals = r4().find_by_url("http://hl7.org/fhir/StructureDefinition/vitalsigns");
  ASSERT_NE(vitals, nullptr);
  EXPECT_TRUE(vitals->is_profile);
  EXPECT_EQ(vitals->name, "Observation");
  const TypeDef* ext = r4().find_by_url("http://hl7.org/fhir/StructureDefinition/patient-birthPlace");
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->name, "Extension");
  const ElementDef* url = ext->find_path("Extension.url");
  ASSERT_NE(url, nullptr);
  ASSERT_TRUE(url->fixed.has_value());
  EXPECT_EQ(url->fixed->text(), "http://hl7.org/fhir/StructureDefinition/patient-birthPlace");
  // find_type by name yields the base type, never a profile.
  EXPECT_FALSE(r4().find_type("Extension")->is_profile);
  EXPECT_FALSE(r4().find_type("Observation")->is_profile);
}

TEST(Registry, ContentReference) {
  const TypeDef* q = r4().find_type("Questionnaire");
  ASSERT_NE(q, nullptr);
  const ElementDef* nested = q->find_path("Questionnaire.item.item");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->content_reference, "#Questionnaire.item");
  const ElementDef* link_id = q->child(q->index_of(*nested), "linkId");
  ASSERT_NE(link_id, nullptr);
  EXPECT_EQ(link_id->path, "Questionnaire.item.linkId");
  const ElementDef* deep = q->find_path("Questionnaire.item.item.item.answerOption.valueCoding");
  ASSERT_NE(deep, nullptr);
  EXPECT_EQ(deep->path, "Questionnaire.item.answerOption.value[x]");
}

TEST(Registry, Constraints) {
  const TypeDef* obs = r4().find_type("Observation");
  const auto& cs = obs->root().constraints;
  const auto obs6 = std::find_if(cs.begin(), cs.end(), [](const Constraint& c) { return c.key == "obs-6"; });
  ASSERT_NE(obs6, cs.end());
  EXPECT_EQ(obs6->severity, ConstraintSeverity::Error);
  EXPECT_EQ(obs6->expression, "dataAbsentReason.empty() or value.empty()");
  const ElementDef* meta = obs->find_path("Observation.meta");
  ASSERT_FALSE(meta->constraints.empty());
  EXPECT_EQ(meta->constraints[0].key, "ele-1");
}

TEST(Registry, SearchParameters) {
  const auto params = r4().search_params("Observation");
  auto has = [&](std::string_view name) {
    return std::any_of(params.begin(), params.end(), [&](const SearchParamDef* p) { return p->name == name; });
  };
  EXPECT_TRUE(has("code"));
  EXPECT_TRUE(has("value-quantity"));
  EXPECT_TRUE(has("patient"));
  EXPECT_TRUE(has("_id"));  // from Resource
  const auto it =
      std::find_if(params.begin(), params.end(), [](const SearchParamDef* p) { return p->name == "subject"; });
  ASSERT_NE(it, params.end());
  EXPECT_EQ((*it)->type, "reference");
  EXPECT_FALSE((*it)->targets.empty());
}

TEST(Registry, LoadR4GivesAMutableCopyOfTheCore) {
  std::string error;
  auto copy = Registry::load_r4(&error);
  ASSERT_NE(copy, nullptr) << error;
  EXPECT_NE(copy.get(), &Registry::r4());
  EXPECT_EQ(copy->resource_type_names(), Registry::r4().resource_type_names());
  auto profile = std::make_unique<TypeDef>(*copy->find_type("Observation"));
  profile->url = "http://example.org/StructureDefinition/my-observation";
  profile->is_profile = true;
  copy->add_type(std::move(profile));
  EXPECT_NE(copy->find_by_url("http://example.org/StructureDefinition/my-observation"), nullptr);
  EXPECT_EQ(Registry::r4().find_by_url("http://example.org/StructureDefinition/my-observation"), nullptr);
}

TEST(Registry, LoadCompactRejectsBadInput) {
  Registry r;
  std::string error;
  EXPECT_FALSE(r.load_compact("{", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(r.load_compact(R"({"format":"other"})", &error));
  EXPECT_FALSE(r.load_compact(R"({"format":"fhirgw-metadata/1","types":[{"name":"X","url":"u","kind":"resource",
      "elements":[{"p":"X","c":"0..*"},{"p":"X.a","u":7,"c":"0..1"}]}]})",
                              &error));
  EXPECT_NE(error.find("parent"), std::string::npos);
  EXPECT_EQ(r.find_type("X"), nullptr);  // nothing half-loaded
}

TEST(Registry, CompileStructureDefinitionAtRunTime) {
  const char* sd = R"({"resourceType":"StructureDefinition","url":"http://example.org/sd/p","id":"p",
    "type":"Observation","kind":"resource","derivation":"constraint",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Observation",
    "snapshot":{"element":[
      {"id":"Observation","path":"Observation","min":0,"max":"*"},
      {"id":"Observation.component","path":"Observation.component","min":1,"max":"*",
       "slicing":{"discriminator":[{"type":"pattern","path":"code"}],"rules":"open"},"type":[{"code":"BackboneElement"}]},
      {"id":"Observation.component.code","path":"Observation.component.code","min":1,"max":"1","type":[{"code":"CodeableConcept"}]},
      {"id":"Observation.component:size","path":"Observation.component","sliceName":"size","min":1,"max":"1",
       "type":[{"code":"BackboneElement"}],"mustSupport":true},
      {"id":"Observation.component:size.code","path":"Observation.component.code","min":1,"max":"1",
       "type":[{"code":"CodeableConcept"}],"patternCodeableConcept":{"coding":[{"system":"http://loinc.org","code":"21889-1"}]}},
      {"id":"Observation.value[x]","path":"Observation.value[x]","min":0,"max":"1","type":[{"code":"Quantity"}],
       "fixedDecimal":1.50}]}})";
  auto parsed = json::parse(sd);
  ASSERT_TRUE(parsed);
  std::string error;
  auto t = compile_structure_definition(parsed.document->root(), &error);
  ASSERT_NE(t, nullptr) << error;
  EXPECT_TRUE(t->is_profile);
  EXPECT_EQ(t->name, "Observation");
  ASSERT_EQ(t->elements.size(), 6u);
  EXPECT_EQ(t->elements[2].parent, 1u);
  EXPECT_EQ(t->elements[3].slice_name, "size");
  EXPECT_TRUE(t->elements[3].must_support);
  EXPECT_EQ(t->elements[4].parent, 3u);  // the slice's child belongs to the slice
  ASSERT_TRUE(t->elements[4].pattern.has_value());
  ASSERT_TRUE(t->elements[1].slicing.has_value());
  EXPECT_EQ(t->elements[1].slicing->discriminators[0].type, "pattern");
  ASSERT_TRUE(t->elements[5].fixed.has_value());
  EXPECT_EQ(t->elements[5].fixed->text(), "1.50");
  EXPECT_EQ(t->child(0, "component"), &t->elements[1]);  // the unsliced element

  Registry r;
  r.add_type(std::move(t));
  ASSERT_NE(r.find_by_url("http://example.org/sd/p|1.0"), nullptr);
  EXPECT_EQ(r.find_type("Observation"), nullptr);  // profiles are found by URL only

  json::ParseResult bad = json::parse(R"({"resourceType":"StructureDefinition","url":"x"})");
  EXPECT_EQ(compile_structure_definition(bad.document->root(), &error), nullptr);
  EXPECT_NE(error.find("snapshot"), std::string::npos);
}

}  // namespace
}  // namespace fhir::model
