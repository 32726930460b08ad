// ToFhirResult::entries names the record (SOURCE/TYPE/ID) and input line every Bundle entry was mapped from;
// POST /internal/records reports them per stored resource instead of reading the mapped Bundle again.
// Checked against what the Bundle itself says (each resource's gateway record identifier) and the input lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhir/mappings/to_fhir.h"
#include "random_records.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

// SOURCE/TYPE/ID from a resource's gateway record identifier (system <local-base>/record/SOURCE/TYPE, value
// ID or ID/part). Identifier is an array, or one object (AdverseEvent.identifier is 0..1).
std::string record_of(const json::Node& resource) {
  const std::string prefix = Tables::builtin().local_base() + "/record/";
  const json::Node* ids = resource.find("identifier");
  if (!ids) return {};
  std::vector<const json::Node*> all;
  if (ids->is_array()) {
    for (const json::Node& id : ids->items()) all.push_back(&id);
  } else {
    all.push_back(ids);
  }
  for (const json::Node* id : all) {
    const json::Node* system = id->find("system");
    const json::Node* value = id->find("value");
    if (!system || !value || !system->text().starts_with(prefix)) continue;
    const std::string_view v = value->text();
    return std::string(system->text().substr(prefix.size())) + "/" + std::string(v.substr(0, v.find('/')));
  }
  return {};
}

// SOURCE/TYPE/ID of the record on 1-based line `line` of NDJSON `text` ("" when there is none).
std::string record_on_line(const std::string& text, std::uint32_t line) {
  std::size_t start = 0;
  for (std::uint32_t n = 1; n < line && start != std::string::npos; ++n) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return {};
  auto parsed = json::parse(std::string_view(text).substr(start, text.find('\n', start) - start));
  if (!parsed) return {};
  const json::Node& r = parsed.document->root();
  const json::Node* source = r.find("source");
  const json::Node* type = r.find("type");
  const json::Node* id = r.find("id");
  if (!source || !type || !id) return {};
  return std::string(source->text()) + "/" + std::string(type->text()) + "/" + std::string(id->text());
}

// Every entry: named by the record its resource identifies, on the line that record is on.
void expect_entries_name_their_records(const std::string& ndjson) {
  const auto result = records_to_fhir(ndjson, Tables::builtin());
  ASSERT_TRUE(result.bundle.is_object()) << testing::issues_text(result.outcome);
  const json::Node* entries = result.bundle.find("entry");
  ASSERT_NE(entries, nullptr);
  ASSERT_EQ(result.entries.size(), entries->items().size());
  ASSERT_EQ(result.entries.size(), result.resources);
  for (std::size_t i = 0; i < result.entries.size(); ++i) {
    const json::Node& resource = *entries->items()[i].find("resource");
    const std::string expected = record_of(resource);
    ASSERT_FALSE(expected.empty()) << "entry " << i << " has no record identifier";
    EXPECT_EQ(result.entries[i].record, expected) << "entry " << i;
    EXPECT_EQ(record_on_line(ndjson, result.entries[i].line), expected) << "entry " << i;
  }
}

TEST(EntryOrigin, EveryEntryOfTheDemoCaseNamesItsRecordAndLine) {
  expect_entries_name_their_records(testing::demo_case());
}

TEST(EntryOrigin, EveryEntryOfEachGoldenRecordTypeNamesItsRecordAndLine) {
  for (const char* type : {"patient", "diagnosis", "drug_administration", "lab_result", "tumor_assessment",
                           "clinical_score", "surgery", "pathology", "adverse_event"}) {
    SCOPED_TRACE(type);
    expect_entries_name_their_records(
        testing::read_file(std::string(FHIRGW_MAPPINGS_GOLDEN_DIR) + "/" + type + ".ndjson"));
  }
}

TEST(EntryOrigin, RandomRecordsNameTheirRecordAndLine) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    expect_entries_name_their_records(testing::RandomRecords(seed).batch(40));
  }
}

TEST(EntryOrigin, ASupersededRecordIsNamedByTheLineOfTheVersionMapped) {
  const std::string v1 = R"({"type":"patient","id":"MRN-9","source":"GDPH-EMR","sex":"female"})";
  const std::string v2 = R"({"type":"patient","id":"MRN-9","source":"GDPH-EMR","sex":"male"})";
  const auto result = records_to_fhir(v1 + "\n\n{broken\n" + v2 + "\n", Tables::builtin());
  ASSERT_EQ(result.entries.size(), 1u) << testing::issues_text(result.outcome);
  EXPECT_EQ(result.entries[0].record, "GDPH-EMR/patient/MRN-9");
  EXPECT_EQ(result.entries[0].line, 4u);  // blank and unparsable lines count
}

TEST(EntryOrigin, RecordsOfAJsonArrayAreNamedByTheLineTheyStartOn) {
  const std::string array = "[\n  " + testing::demo_case().substr(0, testing::demo_case().find('\n')) + ",\n  " +
                            R"({"type":"patient","id":"MRN-8","source":"GDPH-EMR","sex":"male"})" + "\n]";
  const auto result = records_to_fhir(array, Tables::builtin());
  ASSERT_EQ(result.entries.size(), 2u) << testing::issues_text(result.outcome);
  EXPECT_EQ(result.entries[0].record, "GDPH-EMR/patient/MRN-0001");
  EXPECT_EQ(result.entries[0].line, 2u);
  EXPECT_EQ(result.entries[1].record, "GDPH-EMR/patient/MRN-8");
  EXPECT_EQ(result.entries[1].line, 3u);
}

TEST(EntryOrigin, NothingToSendNamesNoEntry) {
  const auto result =
      records_to_fhir("{\"type\":\"patient\"}\n", Tables::builtin(), ToFhirOptions{BundleType::Transaction, true});
  EXPECT_TRUE(result.entries.empty());
  EXPECT_EQ(result.resources, 0u);
}

}  // namespace
}  // namespace fhir::mappings
