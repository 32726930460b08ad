// The FHIR patch interaction on the real `fhirgw serve`: JSON Patch by id and by search criteria,
// FHIRPath Patch (Parameters), versions and ETags, If-Match, failed tests (422), malformed patches (400),
// wrong media type (415),
// patches that would change the resource's identity, and strict validation of the patched result.
#include <gtest/gtest.h>

#include "server_harness.h"

namespace fhirgw::testing {
namespace {

const std::map<std::string, std::string> kJsonPatch = {{"Content-Type", "application/json-patch+json"}};

const std::string kObservation =
    R"({"resourceType":"Observation","status":"preliminary","identifier":[{"system":"urn:lab","value":"afp-1"}],)"
    R"("code":{"coding":[{"system":"http://loinc.org","code":"1834-1"}]},)"
    R"("valueQuantity":{"value":1.0,"unit":"ng/mL","system":"http://unitsofmeasure.org","code":"ng/mL"}})";

std::map<std::string, std::string> with_if_match(const std::string& etag) {
  auto h = kJsonPatch;
  h["If-Match"] = etag;
  return h;
}

class PatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(dir_.path());
    client_.emplace(server_->port());
    auto created = client_->request("POST", "/fhir/Observation", kObservation);
    ASSERT_EQ(created.status, 201) << created.body;
    id_ = json_member(created.body, "id");
  }
  Client& c() { return *client_; }

  TempDir dir_;
  std::optional<ServerProcess> server_;
  std::optional<Client> client_;
  std::string id_;
};

TEST_F(PatchTest, ReplacesAndAddsMakingANewVersion) {
  const std::string patch =
      R"([{"op":"test","path":"/status","value":"preliminary"},{"op":"replace","path":"/status","value":"final"},)"
      R"({"op":"replace","path":"/valueQuantity/value","value":12.50},)"
      R"({"op":"add","path":"/identifier/-","value":{"system":"urn:other","value":"x"}}])";
  auto r = c().request("PATCH", "/fhir/Observation/" + id_, patch, with_if_match("W/\"1\""));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("etag"), "W/\"2\"");
  auto read = c().request("GET", "/fhir/Observation/" + id_);
  EXPECT_NE(read.body.find(R"("status":"final")"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find(R"("value":12.50)"), std::string::npos) << "decimal text must survive: " << read.body;
  EXPECT_NE(read.body.find("urn:other"), std::string::npos);
  EXPECT_EQ(c().request("GET", "/fhir/Observation/" + id_ + "/_history/1").status, 200);
}

TEST_F(PatchTest, ConditionalPatchBySearchCriteria) {
  auto r = c().request("PATCH", "/fhir/Observation?identifier=urn:lab|afp-1",
                       R"([{"op":"replace","path":"/status","value":"amended"}])", kJsonPatch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(c().request("GET", "/fhir/Observation/" + id_).body.find("amended"), std::string::npos);
  EXPECT_EQ(c().request("PATCH", "/fhir/Observation?identifier=urn:lab|none",
                        R"([{"op":"replace","path":"/status","value":"final"}])", kJsonPatch)
                .status,
            404);
  ASSERT_EQ(c().request("POST", "/fhir/Observation", kObservation).status, 201);  // a second match
  EXPECT_EQ(c().request("PATCH", "/fhir/Observation?identifier=urn:lab|afp-1",
                        R"([{"op":"replace","path":"/status","value":"final"}])", kJsonPatch)
                .status,
            412);
}

TEST_F(PatchTest, RefusalsLeaveTheResourceUnchanged) {
  const std::string target = "/fhir/Observation/" + id_;
  // A failed test op, a path that is not there, a change of identity: 422.
  EXPECT_EQ(c().request("PATCH", target, R"([{"op":"test","path":"/status","value":"final"}])", kJsonPatch).status,
            422);
  auto missing = c().request("PATCH", target, R"([{"op":"remove","path":"/note"}])", kJsonPatch);
  EXPECT_EQ(missing.status, 422);
  EXPECT_NE(missing.body.find("OperationOutcome"), std::string::npos);
  EXPECT_NE(missing.body.find("/note"), std::string::npos) << missing.body;
  EXPECT_EQ(c().request("PATCH", target, R"([{"op":"replace","path":"/id","value":"other"}])", kJsonPatch).status, 422);
  EXPECT_EQ(
      c().request("PATCH", target, R"([{"op":"replace","path":"/resourceType","value":"Patient"}])", kJsonPatch).status,
      422);
  // Malformed patches: 400.
  EXPECT_EQ(c().request("PATCH", target, R"({"op":"remove"})", kJsonPatch).status, 400);
  EXPECT_EQ(c().request("PATCH", target, R"([{"op":"frobnicate","path":"/status"}])", kJsonPatch).status, 400);
  EXPECT_EQ(c().request("PATCH", target, "[{", kJsonPatch).status, 400);
  // Wrong media type, an empty FHIRPath Patch, stale version, unknown resource.
  EXPECT_EQ(c().request("PATCH", target, "status=final", {{"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(
      c().request("PATCH", target, R"({"resourceType":"Parameters"})", {{"Content-Type", "application/fhir+json"}})
          .status,
      400);
  EXPECT_EQ(
      c().request("PATCH", target, R"([{"op":"replace","path":"/status","value":"final"}])", with_if_match("W/\"7\""))
          .status,
      412);
  EXPECT_EQ(c().request("PATCH", "/fhir/Observation/nope", R"([{"op":"remove","path":"/status"}])", kJsonPatch).status,
            404);

  auto read = c().request("GET", target);
  EXPECT_EQ(read.header("etag"), "W/\"1\"") << "no refused patch may create a version";
}

TEST_F(PatchTest, FhirPathPatchReplacesAndAdds) {
  const std::string patch = R"json({"resourceType":"Parameters","parameter":[
    {"name":"operation","part":[{"name":"type","valueCode":"replace"},{"name":"path","valueString":"Observation.status"},
                                {"name":"value","valueCode":"final"}]},
    {"name":"operation","part":[{"name":"type","valueCode":"add"},{"name":"path","valueString":"Observation"},
                                {"name":"name","valueString":"note"},
                                {"name":"value","valueAnnotation":{"text":"checked twice"}}]},
    {"name":"operation","part":[{"name":"type","valueCode":"delete"},
                                {"name":"path","valueString":"Observation.identifier.where(system='urn:lab')"}]}]})json";
  auto r = c().request("PATCH", "/fhir/Observation/" + id_, patch, {{"Content-Type", "application/fhir+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto read = c().request("GET", "/fhir/Observation/" + id_);
  EXPECT_NE(read.body.find(R"("status":"final")"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find(R"("note":[{"text":"checked twice"}])"), std::string::npos) << read.body;
  EXPECT_EQ(read.body.find("urn:lab"), std::string::npos) << read.body;
  // A path that matches nothing cannot be replaced: 422, and nothing changes.
  const std::string missing = R"({"resourceType":"Parameters","parameter":[{"name":"operation","part":[
    {"name":"type","valueCode":"replace"},{"name":"path","valueString":"Observation.issued"},
    {"name":"value","valueInstant":"2026-01-01T00:00:00Z"}]}]})";
  auto refused = c().request("PATCH", "/fhir/Observation/" + id_, missing, {{"Content-Type", "application/fhir+json"}});
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("Parameters.parameter[0]"), std::string::npos) << refused.body;
  EXPECT_EQ(c().request("GET", "/fhir/Observation/" + id_).header("etag"), "W/\"2\"");
}

TEST_F(PatchTest, DeletedResourceIsGone) {
  ASSERT_EQ(c().request("DELETE", "/fhir/Observation/" + id_).status, 200);
  EXPECT_EQ(
      c().request("PATCH", "/fhir/Observation/" + id_, R"([{"op":"remove","path":"/status"}])", kJsonPatch).status,
      410);
}

TEST(PatchStrict, InvalidResultIsRejectedWith422) {
  TempDir dir;
  ServerProcess server(dir.path() + "/data", {"--config", write_config(dir, R"({"fhir":{"validation":"strict"}})")});
  Client c(server.port());
  auto created = c.request("POST", "/fhir/Observation", kObservation);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json_member(created.body, "id");
  // status is required (1..1) and its code must come from the required ValueSet.
  auto removed = c.request("PATCH", "/fhir/Observation/" + id, R"([{"op":"remove","path":"/status"}])", kJsonPatch);
  EXPECT_EQ(removed.status, 422) << removed.body;
  auto bad_code = c.request("PATCH", "/fhir/Observation/" + id, R"([{"op":"replace","path":"/status","value":"done"}])",
                            kJsonPatch);
  EXPECT_EQ(bad_code.status, 422) << bad_code.body;
  EXPECT_EQ(c.request("GET", "/fhir/Observation/" + id).header("etag"), "W/\"1\"");
}

TEST(PatchCapability, MetadataAnnouncesPatch) {
  TempDir dir;
  ServerProcess server(dir.path());
  Client c(server.port());
  auto cs = c.request("GET", "/fhir/metadata");
  ASSERT_EQ(cs.status, 200);
  EXPECT_NE(cs.body.find(R"("patchFormat":["application/json-patch+json","application/fhir+json"])"),
            std::string::npos);
  EXPECT_NE(cs.body.find(R"({"code":"patch"})"), std::string::npos);
}

}  // namespace
}  // namespace fhirgw::testing
