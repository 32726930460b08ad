// The stored form of a version (rest::stamped_json): written straight from the request's resource, members
// copied from the request text when it is already in written form.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/json/written_form.h"
#include "fhir/mappings/tables.h"
#include "fhir/mappings/to_fhir.h"
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

// --- with the request text as source: the same bytes as written from the tree ---

constexpr std::int64_t kWhen = 1'796'081'683'007;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::filesystem::path kTests = std::filesystem::path(FHIRGW_TEST_DATA_DIR).parent_path();

std::vector<const fhir::json::Node*> entry_resources(const fhir::json::Node& bundle) {
  std::vector<const fhir::json::Node*> out;
  if (const auto* entries = bundle.find("entry"))
    for (const auto& e : entries->items())
      if (const auto* r = e.find("resource")) out.push_back(r);
  return out;
}

// Stamps every entry resource of the Bundle `text` with and without `text` as its source; the texts must be
// equal. Returns how many resources were in written form (their whole text copyable).
std::size_t expect_same_with_source(const std::string& text) {
  auto parsed = fhir::json::parse(text);
  EXPECT_TRUE(parsed) << parsed.error->message;
  if (!parsed) return 0;
  std::size_t written = 0;
  for (const fhir::json::Node* r : entry_resources(parsed.document->root())) {
    EXPECT_EQ(stamped_json(*r, "server-id", 7, kWhen, text), stamped_json(*r, "server-id", 7, kWhen));
    if (fhir::json::written_form_end(text, r->offset()) != std::string_view::npos) ++written;
  }
  return written;
}

std::string bundle_of(const std::vector<std::string>& resources) {
  std::string out = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (i > 0) out += ',';
    out += R"({"resource":)" + resources[i] + R"(,"request":{"method":"POST","url":"X"}})";
  }
  return out + "]}";
}

std::string pretty(const std::string& text) {
  return fhir::json::to_string(fhir::json::parse(text).document->root(), {.pretty = true});
}

// Every '/' (only ever inside strings) as the escape "\/", which json::write does not write.
std::string escaped_solidus(std::string text) {
  for (std::size_t at = text.find('/'); at != std::string::npos; at = text.find('/', at + 2)) text.insert(at, 1, '\\');
  return text;
}

// The text as it is sent, written compact, pretty, with escapes the writer does not write, and as a forwarding
// peer sends it (the stored form: meta first, with versionId and lastUpdated): the same stored text each time.
void expect_same_in_every_form(const std::string& bundle_text, std::size_t resources) {
  const std::string compact = fhir::json::to_string(fhir::json::parse(bundle_text).document->root());
  EXPECT_EQ(expect_same_with_source(compact), resources) << "every resource of a compact text is copyable";
  EXPECT_EQ(expect_same_with_source(pretty(compact)), 0u);
  expect_same_with_source(bundle_text);
  expect_same_with_source(escaped_solidus(compact));
  std::vector<std::string> stored;
  for (const auto* r : entry_resources(fhir::json::parse(compact).document->root()))
    stored.push_back(stamped_json(*r, "a-id", 3, kWhen - 1));
  EXPECT_EQ(expect_same_with_source(bundle_of(stored)), resources);
}

TEST(StampedJsonFromSource, DemoCaseAsTheMappingWritesIt) {
  std::string bundle;
  const auto mapped = fhir::mappings::records_to_fhir_json(read_file(kTests.parent_path() / "deploy/demo/case.ndjson"),
                                                           fhir::mappings::Tables::builtin(), {}, bundle);
  ASSERT_GT(mapped.resources, 50u);
  EXPECT_EQ(expect_same_with_source(bundle), mapped.resources) << "the mapping writes every resource in written form";
  expect_same_in_every_form(bundle, mapped.resources);
}

TEST(StampedJsonFromSource, MappingGoldenFiles) {
  std::size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(kTests / "mappings/golden")) {
    if (f.path().extension() != ".json") continue;
    ++files;
    const std::string text = read_file(f.path());
    const std::size_t n = entry_resources(fhir::json::parse(text).document->root()).size();
    ASSERT_GT(n, 0u) << f.path();
    expect_same_in_every_form(text, n);
  }
  EXPECT_GE(files, 9u);
}

TEST(StampedJsonFromSource, MetaAnywhereOrAbsentAndEscapes) {
  const std::vector<std::string> resources = {
      R"({"resourceType":"Observation","status":"final","valueQuantity":{"value":12.50,"unit":"mg","system":"http://unitsofmeasure.org"}})",
      R"({"meta":{"versionId":"4","lastUpdated":"2020-01-01T00:00:00Z","tag":[{"code":"t"}]},"resourceType":"Patient","id":"old","active":true})",
      R"({"resourceType":"Patient","active":false,"id":"old","meta":{"source":"s","lastUpdated":"2020-01-01T00:00:00Z"}})",
      R"({"resourceType":"Patient","meta":{"versionId":"9"},"name":[{"text":"a \"b\" \\ c\n\t\u0001 é 中"}]})",
      R"({"resourceType":"Patient","meta":{},"gender":"other","_gender":{"extension":[{"url":"u","valueDecimal":-0.0}]}})",
      R"({"resourceType":"Basic","meta":"not an object","code":{"text":"\u001f\u000b"}})",
      R"({"id":"only-id","resourceType":"Basic","code":{"text":"x\/y \u00e9 \u000A"}})",
  };
  const std::string text = bundle_of(resources);
  EXPECT_EQ(expect_same_with_source(text), resources.size() - 1) << "all but the one with other escapes";
  expect_same_with_source(pretty(text));
  expect_same_with_source(escaped_solidus(text));
}

TEST(StampedJsonFromSource, ValuesWithoutOffsetAreWrittenFromTheTree) {
  // A value changed after parsing (a rewritten reference) has no offset: the request text is not its text.
  const std::string text = bundle_of({R"({"resourceType":"Observation","subject":{"reference":"urn:uuid:1"}})"});
  auto parsed = fhir::json::parse(text);
  ASSERT_TRUE(parsed);
  auto* entry = parsed.document->root().find("entry");
  auto& subject = *entry->items()[0].find("resource")->find("subject");
  subject.set("reference", fhir::json::Node::string("Patient/p1"));
  subject.set_offset(fhir::json::Node::kNoOffset);
  EXPECT_EQ(
      stamped_json(*entry->items()[0].find("resource"), "o1", 1, kWhen, text),
      R"({"resourceType":"Observation","id":"o1","meta":{"versionId":"1","lastUpdated":"2026-11-30T23:34:43.007Z"},)"
      R"("subject":{"reference":"Patient/p1"}})");
}

}  // namespace
}  // namespace fhirgw::rest
