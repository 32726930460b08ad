// The stored form of a version (rest::stamped_json): written straight from the request's resource.
#include <gtest/gtest.h>

#include <string>

#include "fhir/json/parser.h"
#include "rest/resource_body.h"

namespace fhirgw::rest {
namespace {

std::string stamped(const std::string& json, std::string_view id, std::int64_t version) {
  auto parsed = fhir::json::parse(json);
  EXPECT_TRUE(parsed) << json;
  return stamped_json(parsed.document->root(), id, version, 1'796'081'683'007);
}

TEST(StampedJson, SetsIdAndMetaAndKeepsEverythingElseInOrder) {
  EXPECT_EQ(stamped(R"({"status":"final","resourceType":"Observation","id":"client","meta":{"versionId":"9",)"
                    R"("tag":[{"code":"a\"b"}],"lastUpdated":"2001-01-01T00:00:00Z"},"valueQuantity":{"value":12.50}})",
                    "server-id", 3),
            R"({"resourceType":"Observation","id":"server-id","meta":{"versionId":"3",)"
            R"("lastUpdated":"2026-11-30T23:34:43.007Z","tag":[{"code":"a\"b"}]},"status":"final",)"
            R"("valueQuantity":{"value":12.50}})");
}

TEST(StampedJson, AddsMetaWhenThereIsNoneOrItIsNotAnObject) {
  EXPECT_EQ(
      stamped(R"({"resourceType":"Patient"})", "p1", 1),
      R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"1","lastUpdated":"2026-11-30T23:34:43.007Z"}})");
  EXPECT_EQ(stamped(R"({"resourceType":"Patient","meta":"x","active":true})", "p1", 2),
            R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2","lastUpdated":"2026-11-30T23:34:43.007Z"},)"
            R"("active":true})");
}

}  // namespace
}  // namespace fhirgw::rest
