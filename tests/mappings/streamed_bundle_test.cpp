// A large Bundle (from 1 MB) is mapped to records as a stream, entry by entry (from_fhir.cpp); a smaller one, or
// a text given as a string_view, as one parsed document. Both must give exactly the same records and issues —
// also with references in both directions, several versions of one resource (the last wins), escaped keys and
// texts, resources no record takes, and texts the stream cannot take.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/mappings/from_fhir.h"
#include "fhir/mappings/to_fhir.h"
#include "random_records.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

struct Mapped {
  std::string ndjson;
  std::string issues;
  std::size_t read = 0, skipped = 0;
};

Mapped of_tree(const FromFhirResult& r) {
  Mapped m{{}, testing::issues_text(r.outcome), r.resources_read, r.resources_skipped};
  for (const auto& rec : r.records) {
    json::write(rec, m.ndjson);
    m.ndjson.push_back('\n');
  }
  return m;
}

// The string_view overload never streams; the std::string one does from 1 MB.
Mapped whole_document(const std::string& text) {
  return of_tree(fhir_to_records(std::string_view(text), Tables::builtin()));
}
Mapped as_tree(const std::string& text) { return of_tree(fhir_to_records(text, Tables::builtin())); }

Mapped as_ndjson(const std::string& text) {
  Mapped m;
  m.ndjson = "(kept)";  // fhir_to_ndjson appends
  auto r = fhir_to_ndjson(text, Tables::builtin(), m.ndjson);
  EXPECT_EQ(m.ndjson.substr(0, 6), "(kept)");
  m.ndjson.erase(0, 6);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.records_written, static_cast<std::size_t>(std::count(m.ndjson.begin(), m.ndjson.end(), '\n')));
  m.issues = testing::issues_text(r.outcome);
  m.read = r.resources_read;
  m.skipped = r.resources_skipped;
  return m;
}

void expect_same(const Mapped& a, const Mapped& b) {
  EXPECT_EQ(a.ndjson, b.ndjson);
  EXPECT_EQ(a.issues, b.issues);
  EXPECT_EQ(a.read, b.read);
  EXPECT_EQ(a.skipped, b.skipped);
}

void expect_streamed_equals_whole(const std::string& text) {
  const Mapped whole = whole_document(text);
  expect_same(as_tree(text), whole);
  expect_same(as_ndjson(text), whole);
}

// Random records of every type plus the demo case, `copies` times with distinct ids: a Bundle of ~0.4 MB a copy.
std::string big_bundle(int copies) {
  std::string records;
  for (int k = 0; k < copies; ++k) {
    std::string one = testing::RandomRecords(static_cast<unsigned>(100 + k)).batch(120) + testing::demo_case();
    for (std::size_t p = one.find("\"id\":\""); p != std::string::npos; p = one.find("\"id\":\"", p + 1))
      one.insert(p + 6, "C" + std::to_string(k) + "-");
    records += one;
  }
  std::string bundle;
  auto r = records_to_fhir_json(records, Tables::builtin(), {}, bundle);
  EXPECT_GT(r.records_mapped, 0u);
  return bundle;
}

std::string entries_moved(const std::string& bundle, const std::function<void(json::Node& entries)>& edit) {
  auto doc = json::parse(bundle);
  EXPECT_TRUE(doc);
  json::Node* entries = doc.document->root().find("entry");
  EXPECT_NE(entries, nullptr);
  edit(*entries);
  return json::to_string(doc.document->root());
}

TEST(StreamedBundle, LargeGatewayBundleMapsAsTheWholeDocument) {
  const std::string bundle = big_bundle(4);
  ASSERT_GT(bundle.size(), 1u << 20);  // large enough to be streamed
  const Mapped whole = whole_document(bundle);
  EXPECT_GT(whole.read, 1000u);
  expect_streamed_equals_whole(bundle);
}

TEST(StreamedBundle, ReversedEntriesReferToLaterEntries) {
  // Specimens, stages, lesions and results now come before their records, patients after them.
  const std::string bundle = entries_moved(big_bundle(3), [](json::Node& entries) {
    json::Node reversed = json::Node::array(entries.get_allocator());
    for (std::size_t i = entries.items().size(); i-- > 0;) reversed.push_back(entries.items()[i]);
    entries = std::move(reversed);
  });
  expect_streamed_equals_whole(bundle);
}

TEST(StreamedBundle, LastVersionOfAResourceWins) {
  // Each patient and each specimen again at the end, changed: references resolve to the later version.
  const std::string bundle = entries_moved(big_bundle(3), [](json::Node& entries) {
    const std::size_t n = entries.items().size();
    for (std::size_t i = 0; i < n; ++i) {
      const json::Node& r = *entries.items()[i].find("resource");
      const auto type = r.find("resourceType")->text();
      if (type != "Patient" && type != "Specimen") continue;
      json::Node again = entries.items()[i];
      json::Node& res = *again.find("resource");
      if (type == "Patient") {
        for (json::Node& id : res.find("identifier")->items())
          if (id.find("value")) id.set("value", json::Node::string(std::string(id.find("value")->text()) + "-v2"));
      } else {
        res.erase("type");  // the later specimen has no type: the records then have no specimen
      }
      entries.push_back(std::move(again));
    }
  });
  const Mapped whole = whole_document(bundle);
  std::size_t labs = 0, labs_with_specimen = 0;  // specimens resolve to the later version, which has no type
  for (std::size_t p = 0, e; p < whole.ndjson.size(); p = e + 1) {
    e = whole.ndjson.find('\n', p);
    const std::string_view line(whole.ndjson.data() + p, e - p);
    if (line.find("\"type\":\"lab_result\"") == line.npos) continue;
    ++labs;
    labs_with_specimen += line.find("\"specimen\":") != line.npos;
  }
  EXPECT_GT(labs, 100u);
  EXPECT_EQ(labs_with_specimen, 0u);
  EXPECT_NE(whole.ndjson.find("-v2\""), std::string::npos);
  expect_streamed_equals_whole(bundle);
}

TEST(StreamedBundle, EscapedTextsAndUnmappedResources) {
  std::string bundle = entries_moved(big_bundle(3), [](json::Node& entries) {
    json::Node device = json::Node::object();
    device.set("fullUrl", json::Node::string("urn:uuid:device-1"));
    json::Node res = json::Node::object();
    res.set("resourceType", json::Node::string("Device"));
    res.set("id", json::Node::string("device-1"));
    device.set("resource", std::move(res));
    entries.push_back(std::move(device));
    entries.push_back(json::Node::string("not an entry object"));
  });
  // The first fullUrl and id written with escapes: the index keeps a copy of the decoded texts.
  const auto at = bundle.find("\"fullUrl\":\"urn:uuid:");
  ASSERT_NE(at, std::string::npos);
  bundle.replace(at + 11, 4, "\\u0075rn");
  const auto id_at = bundle.find("\"id\":\"", at);
  bundle.insert(id_at + 6, "\\u0041");  // a different id, "A..."
  expect_streamed_equals_whole(bundle);
  EXPECT_NE(whole_document(bundle).issues.find("Device/device-1"), std::string::npos);
}

TEST(StreamedBundle, TextsTheStreamDoesNotTakeGoToTheWholeDocumentPath) {
  const std::string bundle = big_bundle(3);
  // A duplicate key inside a member the first pass leaves out (meta): found by the second pass.
  std::string duplicate = bundle;
  const auto meta = duplicate.find("\"meta\":{");
  ASSERT_NE(meta, std::string::npos);
  duplicate.insert(meta + 8, "\"source\":\"a\",\"source\":\"b\",");
  // Invalid JSON at the very end, after every entry.
  std::string truncated = bundle.substr(0, bundle.size() - 1);
  // Not a Bundle, though it has entries; and a Bundle inside a Bundle.
  std::string list = bundle;
  list.replace(list.find("\"resourceType\":\"Bundle\""), 23, "\"resourceType\":\"List\"");
  std::string nested = entries_moved(bundle, [](json::Node& entries) {
    json::Node inner = json::Node::object();
    json::Node res = json::Node::object();
    res.set("resourceType", json::Node::string("Bundle"));
    res.set("type", json::Node::string("collection"));
    json::Node inner_entries = json::Node::array();
    inner_entries.push_back(entries.items()[0]);
    res.set("entry", std::move(inner_entries));
    inner.set("resource", std::move(res));
    entries.push_back(std::move(inner));
  });
  // Invalid JSON inside members the first pass only skims (a bad literal, an unclosed bracket, a control
  // character in a string, in the middle of the Bundle): found by the second pass, which checks every byte.
  std::vector<std::string> skimmed_bad(3, bundle);
  const auto status = bundle.find("\"status\":\"", bundle.size() / 2);
  ASSERT_NE(status, std::string::npos);
  skimmed_bad[0].replace(status, 10, "\"status\":tru,\"x\":");
  const auto subject = bundle.find("\"subject\":{", bundle.size() / 2);
  ASSERT_NE(subject, std::string::npos);
  skimmed_bad[1].replace(subject, 11, "\"subject\":[{");
  skimmed_bad[2].insert(status + 10, "\n");
  for (const std::string& bad : skimmed_bad) {
    SCOPED_TRACE(bad.substr(status - 20, 60));
    expect_streamed_equals_whole(bad);
    EXPECT_EQ(whole_document(bad).ndjson, "");
    EXPECT_NE(whole_document(bad).issues.find("not valid JSON"), std::string::npos)
        << whole_document(bad).issues.substr(0, 300);
  }
  for (const std::string* text : {&duplicate, &truncated, &list, &nested}) {
    SCOPED_TRACE(text->substr(0, 40));
    expect_streamed_equals_whole(*text);
  }
  EXPECT_NE(whole_document(duplicate).issues.find("uplicate"), std::string::npos);
  EXPECT_EQ(whole_document(truncated).ndjson, "");
}

}  // namespace
}  // namespace fhir::mappings
