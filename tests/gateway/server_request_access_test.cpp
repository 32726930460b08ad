// request_access(): which (type, interaction) pairs a request needs and how it is audited.
#include <gtest/gtest.h>

#include "http/body_json.h"
#include "server/request_access.h"

namespace fhirgw::server {
namespace {

using auth::Interaction;

RequestAccess of(const std::string& method, const std::string& target, const std::string& body = {}) {
  http::Request r;
  r.method = method;
  r.target = target;
  r.body = body;
  EXPECT_TRUE(http::parse_target(target, r.path, r.query));
  return request_access(r);
}

bool needs(const RequestAccess& a, const std::string& type, Interaction i) {
  for (const auto& n : a.needs) {
    if (n.type == type && n.interaction == i) return true;
  }
  return false;
}

TEST(RequestAccess, RestInteractions) {
  EXPECT_EQ(of("GET", "/healthz").area, Area::open);
  EXPECT_EQ(of("GET", "/fhir/metadata").area, Area::open);
  auto a = of("GET", "/fhir/Patient/1");
  EXPECT_EQ(a.area, Area::fhir);
  EXPECT_TRUE(needs(a, "Patient", Interaction::read));
  EXPECT_EQ(a.interaction, "read");
  ASSERT_EQ(a.entities.size(), 1u);
  EXPECT_EQ(a.entities[0].reference, "Patient/1");
  a = of("GET", "/fhir/Patient/1/_history/3");
  EXPECT_TRUE(needs(a, "Patient", Interaction::vread));
  EXPECT_EQ(a.entities[0].reference, "Patient/1/_history/3");
  EXPECT_TRUE(needs(of("GET", "/fhir/Patient/1/_history"), "Patient", Interaction::history));
  EXPECT_TRUE(needs(of("GET", "/fhir/Patient/_history"), "Patient", Interaction::history_type));
  EXPECT_TRUE(needs(of("GET", "/fhir/_history"), "", Interaction::history_type));
  EXPECT_TRUE(needs(of("POST", "/fhir/Observation/_search"), "Observation", Interaction::search));
  a = of("POST", "/fhir/Observation");
  EXPECT_TRUE(needs(a, "Observation", Interaction::create));
  EXPECT_TRUE(a.single_write);
  a = of("PUT", "/fhir/Observation?identifier=x|1");
  EXPECT_TRUE(needs(a, "Observation", Interaction::update));
  EXPECT_TRUE(needs(a, "Observation", Interaction::search));  // conditional: the match is a search
  EXPECT_TRUE(needs(of("DELETE", "/fhir/Observation/9"), "Observation", Interaction::delete_));
  EXPECT_TRUE(needs(of("PATCH", "/fhir/Observation/9"), "Observation", Interaction::patch));
  EXPECT_TRUE(needs(of("POST", "/fhir/Observation/$validate"), "Observation", Interaction::operation));
}

TEST(RequestAccess, BundleEntriesEachCount) {
  const auto a = of("POST", "/fhir", R"({"resourceType":"Bundle","type":"batch","entry":[
      {"request":{"method":"GET","url":"Patient/1"}},
      {"request":{"method":"POST","url":"Observation"}},
      {"request":{"method":"PUT","url":"Condition?identifier=a|b"}},
      {"request":{"method":"DELETE","url":"Encounter/4"}}]})");
  EXPECT_EQ(a.interaction, "batch");
  EXPECT_TRUE(needs(a, "Patient", Interaction::read));
  EXPECT_TRUE(needs(a, "Observation", Interaction::create));
  EXPECT_TRUE(needs(a, "Condition", Interaction::update));
  EXPECT_TRUE(needs(a, "Condition", Interaction::search));
  EXPECT_TRUE(needs(a, "Encounter", Interaction::delete_));
  EXPECT_FALSE(a.single_write);
}

TEST(RequestAccess, InternalRecordsNeedTheMappedTypesAndAdmin) {
  auto a = of("POST", "/internal/records");
  EXPECT_EQ(a.area, Area::internal);
  for (const char* type : {"Patient", "Condition", "Observation", "Specimen", "AdverseEvent"}) {
    EXPECT_TRUE(needs(a, type, Interaction::create)) << type;
    EXPECT_TRUE(needs(a, type, Interaction::update)) << type;
  }
  EXPECT_FALSE(needs(a, "*", Interaction::create));
  EXPECT_FALSE(needs(a, "Encounter", Interaction::create));
  a = of("GET", "/internal/records?patient=MRN-1&type=lab_result");
  EXPECT_TRUE(needs(a, "Observation", Interaction::read));
  EXPECT_TRUE(needs(a, "Observation", Interaction::search));
  EXPECT_TRUE(needs(a, "Patient", Interaction::read));
  EXPECT_FALSE(needs(a, "*", Interaction::read));
  EXPECT_EQ(of("GET", "/admin/dead-letters").area, Area::admin);
}

TEST(RequestAccess, PagesNeedTheSearchOfTheirType) {
  auto a = of("GET", "/fhir?_getpages=Observation.5f0c-11&_offset=10&_count=10");
  ASSERT_EQ(a.needs.size(), 1u);
  EXPECT_TRUE(needs(a, "Observation", Interaction::search));
  EXPECT_EQ(a.interaction, "search-system");
  a = of("GET", "/fhir?_getpages=no-type-here");
  EXPECT_TRUE(needs(a, "", Interaction::search));  // names no type: a "*" scope
  EXPECT_TRUE(needs(of("GET", "/fhir?_type=Patient"), "", Interaction::search));
}

TEST(RequestAccess, IncludesNeedTheRightsOfTheTypesTheyReturn) {
  auto a = of("GET", "/fhir/Observation?_include=Observation:subject:Patient&_revinclude=Provenance:target");
  EXPECT_TRUE(needs(a, "Observation", Interaction::search));
  EXPECT_TRUE(needs(a, "Patient", Interaction::read));
  EXPECT_TRUE(needs(a, "Provenance", Interaction::search));
  a = of("GET", "/fhir/Observation?_include:iterate=Observation:subject");  // target types unknown: every type
  EXPECT_TRUE(needs(a, "", Interaction::read));
  a = of("GET", "/fhir/Patient?_revinclude=*:patient");  // source types unknown: every type
  EXPECT_TRUE(needs(a, "", Interaction::search));
  http::Request post;
  post.method = "POST";
  post.target = "/fhir/Observation/_search";
  post.body = "code=1834-1&_include=Observation:subject:Patient";
  ASSERT_TRUE(http::parse_target(post.target, post.path, post.query));
  EXPECT_TRUE(needs(request_access(post), "Patient", Interaction::read));
  EXPECT_EQ(of("GET", "/fhir/Observation?code=1").needs.size(), 1u);
}

TEST(RequestAccess, BundleNeedsKnowTheirEntry) {
  const auto a = of("POST", "/fhir", R"({"resourceType":"Bundle","type":"batch","entry":[
      {"request":{"method":"GET","url":"Patient/1"}},
      {"request":{"url":"Patient/2"}},
      {"request":{"method":"PUT","url":"Condition?identifier=a|b"}}]})");
  ASSERT_EQ(a.entries.size(), 3u);
  ASSERT_EQ(a.needs.size(), 3u);
  EXPECT_EQ(a.needs[0].entry, 0);
  EXPECT_EQ(a.needs[1].entry, 2);
  EXPECT_EQ(a.needs[2].entry, 2);
  EXPECT_EQ(a.entries[0].interaction, "read");
  ASSERT_EQ(a.entries[0].entities.size(), 1u);
  EXPECT_EQ(a.entries[0].entities[0].reference, "Patient/1");
  EXPECT_EQ(a.entries[2].interaction, "update");
  EXPECT_EQ(of("GET", "/fhir/Patient/1").needs[0].entry, -1);
}

// The access filter parses a Bundle body once; the handler takes that document instead of parsing again.
TEST(RequestAccess, BundleBodyIsParsedOnceForFilterAndHandler) {
  http::Request r;
  r.method = "POST";
  r.target = "/fhir";
  r.body = R"({"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/1"}}]})";
  ASSERT_TRUE(http::parse_target(r.target, r.path, r.query));
  EXPECT_EQ(r.body_json, nullptr);
  const auto a = request_access(r);
  EXPECT_TRUE(needs(a, "Patient", Interaction::read));
  ASSERT_NE(r.body_json, nullptr);
  const fhir::json::ParseResult* cached = r.body_json.get();
  const fhir::json::Node* root_before = &cached->document->root();
  auto taken = http::take_body_json(r);
  ASSERT_TRUE(taken);
  EXPECT_EQ(r.body_json, nullptr);
  EXPECT_EQ(&taken.document->root(), root_before);  // the same tree, moved, not a second parse
  EXPECT_EQ(taken.document->root().find("type")->text(), "batch");
  // Nobody parsed it before: taking parses now, and reports a bad body like a plain parse does.
  http::Request bad;
  bad.body = "{\"resourceType\":";
  auto failed = http::take_body_json(bad);
  ASSERT_FALSE(failed);
  EXPECT_FALSE(failed.error->message.empty());
}

TEST(RequestAccess, MaskedQueryKeepsOnlyIdsAndReferences) {
  const http::QueryParams p = {{"patient", "Patient/7"},
                               {"name", "Smith"},
                               {"birthdate", "1970-01-01"},
                               {"_count", "10"},
                               {"identifier", "urn:mrn|123"}};
  EXPECT_EQ(masked_query("Patient", p),
            "Patient?patient=Patient/7&name=*&birthdate=*&_count=10&identifier=urn:mrn|123");
}

}  // namespace
}  // namespace fhirgw::server
