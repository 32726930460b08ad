// One set of index rows where two search parameters index the same elements (search/shared_index.h):
// which parameters share rows (decided from the R4 SearchParameter expressions), that the indexer
// writes them once, that every search form reads them as before (FhirService without sockets, real
// SQLite file), and that schema step 6 deletes the rows a database indexed before.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "search/indexer.h"
#include "search/param_catalog.h"
#include "search_service_fixture.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_migrations.h"
#include "storage/sqlite_store.h"

namespace fhirgw {
namespace {

using http::Response;
using storage::IndexSource;

std::vector<std::pair<std::string, std::string>> sources_of(const search::ParamCatalog& catalog,
                                                            const std::string& type, const std::string& name) {
  const auto* p = catalog.find(type, name);
  EXPECT_NE(p, nullptr) << type << "." << name;
  std::vector<std::pair<std::string, std::string>> out;
  if (p) {
    for (const IndexSource& s : p->sources) out.emplace_back(s.param, s.target_type);
  }
  std::sort(out.begin(), out.end());
  return out;
}

using Sources = std::vector<std::pair<std::string, std::string>>;

TEST(SharedIndex, DecidedFromTheSearchParameterExpressions) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  // Observation.subject.where(resolve() is Patient) = the subject rows of Patient targets.
  EXPECT_EQ(sources_of(catalog, "Observation", "patient"), (Sources{{"subject", "Patient"}}));
  // code | component.code = the rows of code and component-code.
  EXPECT_EQ(sources_of(catalog, "Observation", "combo-code"), (Sources{{"code", ""}, {"component-code", ""}}));
  EXPECT_EQ(sources_of(catalog, "Observation", "combo-value-quantity"),
            (Sources{{"component-value-quantity", ""}, {"value-quantity", ""}}));
  EXPECT_EQ(sources_of(catalog, "Condition", "patient"), (Sources{{"subject", "Patient"}}));
  // Parameters that index something no other parameter does keep their rows.
  for (const char* name : {"subject", "code", "component-code", "value-quantity", "date", "data-absent-reason"}) {
    const auto* p = catalog.find("Observation", name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_TRUE(p->indexed()) << name;
  }
  // AllergyIntolerance.patient has no subject to share with.
  EXPECT_TRUE(catalog.find("AllergyIntolerance", "patient")->indexed());
  const auto shared = catalog.shared_params();
  EXPECT_NE(std::find(shared.begin(), shared.end(), std::pair<std::string, std::string>{"Observation", "patient"}),
            shared.end());
  EXPECT_EQ(std::find(shared.begin(), shared.end(), std::pair<std::string, std::string>{"Observation", "subject"}),
            shared.end());
}

TEST(SharedIndex, TheIndexerWritesSharedRowsOnce) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  const auto doc = fhir::json::parse(R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"2857-1"}]},"subject":{"reference":"Patient/p1"},
    "valueQuantity":{"value":12.50,"unit":"ng/mL","system":"http://unitsofmeasure.org","code":"ng/mL"},
    "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120}}]})");
  ASSERT_TRUE(doc);
  const auto rows = search::build_index(catalog, "Observation", doc.document->root());
  auto count = [](const auto& list, const std::string& param) {
    return std::count_if(list.begin(), list.end(), [&](const auto& r) { return r.param == param; });
  };
  EXPECT_EQ(count(rows.references, "subject"), 1);
  EXPECT_EQ(count(rows.references, "patient"), 0);
  EXPECT_EQ(count(rows.tokens, "code"), 1);
  EXPECT_EQ(count(rows.tokens, "component-code"), 1);
  EXPECT_EQ(count(rows.tokens, "combo-code"), 0);
  EXPECT_EQ(count(rows.quantities, "value-quantity"), 1);
  EXPECT_EQ(count(rows.quantities, "component-value-quantity"), 1);
  EXPECT_EQ(count(rows.quantities, "combo-value-quantity"), 0);
}

using SharedIndexSearchTest = test::SearchServiceTest;

std::string observation(const std::string& id, const std::string& subject, const std::string& code,
                        const std::string& component_code, const std::string& value,
                        const std::string& component_value) {
  std::string o = R"({"resourceType":"Observation","id":")" + id +
                  R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":")" + code +
                  R"("}]},"subject":{"reference":")" + subject + R"("})";
  if (!value.empty())
    o += R"(,"valueQuantity":{"value":)" + value + R"(,"system":"http://unitsofmeasure.org","code":"mg"})";
  if (!component_code.empty()) {
    o += R"(,"component":[{"code":{"coding":[{"system":"http://loinc.org","code":")" + component_code +
         R"("}]},"valueQuantity":{"value":)" + component_value +
         R"(,"system":"http://unitsofmeasure.org","code":"mg"}}])";
  }
  return o + "}";
}

TEST_F(SharedIndexSearchTest, SearchesReadTheSharedRows) {
  put("Patient", "p1", R"({"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:mrn","value":"7"}]})");
  put("Group", "g1", R"({"resourceType":"Group","id":"g1","type":"person","actual":true})");
  put("Observation", "o1", observation("o1", "Patient/p1", "111-1", "", "5", ""));
  put("Observation", "o2", observation("o2", "Patient/p1", "222-2", "111-1", "", "30"));
  // Same id as the patient, but a Group: `patient` must not find it, `subject` must.
  put("Observation", "o3", observation("o3", "Group/p1", "333-3", "", "40", ""));
  put("Observation", "o4", observation("o4", "Group/g1", "444-4", "", "", ""));

  using V = std::vector<std::string>;
  EXPECT_EQ(ids("Observation?patient=p1"), (V{"Observation/o1", "Observation/o2"}));
  EXPECT_EQ(ids("Observation?patient=Patient/p1"), (V{"Observation/o1", "Observation/o2"}));
  EXPECT_EQ(ids("Observation?patient=g1"), V{});
  EXPECT_EQ(ids("Observation?subject=p1"), (V{"Observation/o1", "Observation/o2", "Observation/o3"}));
  EXPECT_EQ(ids("Observation?patient:missing=true"), (V{"Observation/o3", "Observation/o4"}));
  EXPECT_EQ(ids("Observation?patient:missing=false&code=111-1"), V{"Observation/o1"});
  EXPECT_EQ(ids("Observation?patient.identifier=urn:mrn|7"), (V{"Observation/o1", "Observation/o2"}));
  EXPECT_EQ(ids("Observation?code=333-3&patient=p1"), V{});  // as a probe, not the driving clause
  // combo-code = code | component.code, as the driving clause and as a probe.
  EXPECT_EQ(ids("Observation?combo-code=111-1"), (V{"Observation/o1", "Observation/o2"}));
  EXPECT_EQ(ids("Observation?combo-code=http://loinc.org|222-2"), V{"Observation/o2"});
  EXPECT_EQ(ids("Observation?subject=p1&combo-code=111-1"), (V{"Observation/o1", "Observation/o2"}));
  EXPECT_EQ(ids("Observation?combo-code:not=111-1"), (V{"Observation/o3", "Observation/o4"}));
  EXPECT_EQ(ids("Observation?code=111-1"), V{"Observation/o1"});
  // combo-value-quantity = value | component.value.
  EXPECT_EQ(ids("Observation?combo-value-quantity=gt20"), (V{"Observation/o2", "Observation/o3"}));
  EXPECT_EQ(ids("Observation?value-quantity=gt20"), V{"Observation/o3"});
  EXPECT_EQ(ids("Observation?combo-value-quantity=le5|http://unitsofmeasure.org|mg"), V{"Observation/o1"});
  // _include / _revinclude through the shared parameter.
  EXPECT_EQ(ids("Observation?_id=o1,o3&_include=Observation:patient"),
            (V{"Observation/o1", "Observation/o3", "Patient/p1"}));
  EXPECT_EQ(ids("Patient?_id=p1&_revinclude=Observation:patient"),
            (V{"Observation/o1", "Observation/o2", "Patient/p1"}));
  // _sort by a shared parameter reads the union (o2's only quantity is its component's 30).
  Response sorted = call("GET", "/fhir/Observation?combo-value-quantity=ge0&_sort=-combo-value-quantity");
  ASSERT_EQ(sorted.status, 200) << sorted.body;
  const auto o3 = sorted.body.find("\"id\":\"o3\"");
  const auto o2 = sorted.body.find("\"id\":\"o2\"");
  const auto o1 = sorted.body.find("\"id\":\"o1\"");
  ASSERT_NE(o1, std::string::npos);
  EXPECT_LT(o3, o2);
  EXPECT_LT(o2, o1);
  // An update replaces the rows: o1 moves to the Group, so `patient` no longer finds it.
  put("Observation", "o1", observation("o1", "Group/g1", "111-1", "", "5", ""));
  EXPECT_EQ(ids("Observation?patient=p1"), V{"Observation/o2"});
}

TEST(SharedIndexMigration, StepSixDeletesTheRowsOfSharedParameters) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fhirgw-shared-mig-" + std::to_string(std::random_device{}()));
  const std::string path = (dir / "db.sqlite").string();
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  {
    // A database at schema 5 with the rows that version wrote for patient and combo-code.
    storage::SqliteStore store({path, false, 1});
    storage::NewVersion v;
    v.type = "Observation";
    v.id = "o1";
    v.body = R"({"resourceType":"Observation","id":"o1"})";
    v.index.references.push_back({"subject", "Patient", "p1", "Patient/p1"});
    v.index.references.push_back({"patient", "Patient", "p1", "Patient/p1"});
    v.index.tokens.push_back({"code", "http://loinc.org", "1-8", ""});
    v.index.tokens.push_back({"combo-code", "http://loinc.org", "1-8", ""});
    auto txn = store.begin_write();
    txn->put(v, storage::Method::Create, 1);
    txn->commit();
  }
  auto count = [&](const std::string& sql) { return test::query_int(path, sql); };
  {
    storage::Connection db(path, false);
    db.exec("PRAGMA user_version = 5");
  }
  ASSERT_EQ(count("SELECT COUNT(*) FROM idx_reference"), 2);
  { storage::SqliteStore reopened({path, false, 1, {}, catalog.shared_params()}); }
  EXPECT_EQ(count("PRAGMA user_version"), storage::kSchemaVersion);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_reference WHERE param = 'patient'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_reference WHERE param = 'subject'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token WHERE param = 'combo-code'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token WHERE param = 'code'"), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fhirgw
