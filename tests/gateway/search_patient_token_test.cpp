// Token rows per patient (idx_token_patient, schema 8): which types have them (decided from the
// SearchParameter expressions), that the indexer names the resource's patients, that patient + token
// searches answer from them exactly as the probes did (paging, updates, deletes, other clauses), that
// schema step 7 -> 8 fills them for a database's existing resources, and that a start with a catalog of
// other types fills or drops types.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

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
using V = std::vector<std::string>;

std::string observation(const std::string& id, const std::string& subject, const std::string& system,
                        const std::string& code, const std::string& date) {
  return R"({"resourceType":"Observation","id":")" + id + R"(","status":"final","code":{"coding":[{"system":")" +
         system + R"(","code":")" + code + R"("}]},"subject":{"reference":")" + subject +
         R"("},"effectiveDateTime":")" + date + R"("})";
}

constexpr const char* kLoinc = "http://loinc.org";

TEST(PatientTokenRows, DecidedFromThePatientParameter) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  // Observation.subject.where(resolve() is Patient): the subject rows of Patient targets.
  for (const char* type : {"Observation", "Condition", "Procedure", "DiagnosticReport", "MedicationAdministration"}) {
    const storage::IndexSource* rows = catalog.patient_rows(type);
    ASSERT_NE(rows, nullptr) << type;
    EXPECT_EQ(rows->param, "subject") << type;
    EXPECT_EQ(rows->target_type, "Patient") << type;
  }
  // No `patient` parameter, one with rows of its own, or one over two other parameters' rows
  // (AuditEvent: agent | entity, written by the server for every request).
  EXPECT_EQ(catalog.patient_rows("Patient"), nullptr);
  EXPECT_EQ(catalog.patient_rows("AllergyIntolerance"), nullptr);
  EXPECT_EQ(catalog.patient_rows("AuditEvent"), nullptr);
  const auto all = catalog.patient_rows();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; }));
  EXPECT_NE(std::find_if(all.begin(), all.end(), [](const auto& p) { return p.first == "Observation"; }), all.end());
}

TEST(PatientTokenRows, TheIndexerNamesThePatients) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  auto patients = [&](const std::string& subject) {
    const auto doc = fhir::json::parse(observation("o", subject, kLoinc, "2857-1", "2020-01-01"));
    EXPECT_TRUE(doc);
    return search::build_index(catalog, "Observation", doc.document->root()).patients;
  };
  EXPECT_EQ(patients("Patient/p1"), std::vector<std::string>{"p1"});
  EXPECT_TRUE(patients("Group/g1").empty());
  EXPECT_TRUE(patients("urn:uuid:0f0c6c4e-4b8e-4f5e-9d0c-0b1a2c3d4e5f").empty());
}

class PatientTokenSearchTest : public test::SearchServiceTest {
 protected:
  std::int64_t count(const std::string& sql) { return test::query_int((dir_ / "db.sqlite").string(), sql); }

  void seed() {
    put("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})");
    put("Patient", "p2", R"({"resourceType":"Patient","id":"p2"})");
    put("Group", "p1", R"({"resourceType":"Group","id":"p1","type":"person","actual":true})");
    put("Observation", "o1", observation("o1", "Patient/p1", kLoinc, "111-1", "2020-01-01"));
    put("Observation", "o2", observation("o2", "Patient/p1", kLoinc, "222-2", "2020-01-02"));
    put("Observation", "o3", observation("o3", "Patient/p1", kLoinc, "111-1", "2021-06-01"));
    put("Observation", "o4", observation("o4", "Patient/p1", "urn:local", "111-1", "2020-01-03"));
    put("Observation", "o5", observation("o5", "Patient/p2", kLoinc, "111-1", "2020-01-04"));
    put("Observation", "o6", observation("o6", "Group/p1", kLoinc, "111-1", "2020-01-05"));  // same id, not a Patient
  }
};

TEST_F(PatientTokenSearchTest, AnswersAsTheProbesDid) {
  seed();
  EXPECT_EQ(ids("Observation?patient=p1&code=111-1"), (V{"Observation/o1", "Observation/o3", "Observation/o4"}));
  EXPECT_EQ(ids("Observation?patient=Patient/p1&code=http://loinc.org|111-1"), (V{"Observation/o1", "Observation/o3"}));
  EXPECT_EQ(ids("Observation?subject=Patient/p1&code=urn:local|111-1"), V{"Observation/o4"});
  EXPECT_EQ(ids("Observation?code=http://loinc.org|111-1&patient=p2"), V{"Observation/o5"});
  EXPECT_EQ(ids("Observation?patient=p1&status=final&code=222-2"), V{"Observation/o2"});
  EXPECT_EQ(ids("Observation?patient=p1&code=333-3"), V{});
  EXPECT_EQ(ids("Observation?patient=Group/p1&code=111-1"), V{});
  // Not this table's searches: a subject of any type, a Group subject, :not, several codes.
  EXPECT_EQ(ids("Observation?subject=p1&code=http://loinc.org|111-1"),
            (V{"Observation/o1", "Observation/o3", "Observation/o6"}));
  EXPECT_EQ(ids("Observation?subject=Group/p1&code=111-1"), V{"Observation/o6"});
  EXPECT_EQ(ids("Observation?patient=p1&code:not=111-1"), V{"Observation/o2"});
  EXPECT_EQ(ids("Observation?patient=p1&code=111-1,222-2"),
            (V{"Observation/o1", "Observation/o2", "Observation/o3", "Observation/o4"}));
  // Other clauses stay probes of the candidates.
  EXPECT_EQ(ids("Observation?patient=p1&code=111-1&date=ge2021"), V{"Observation/o3"});
  EXPECT_EQ(ids("Observation?patient=p1&code=111-1&_id=o1,o4,o5"), (V{"Observation/o1", "Observation/o4"}));
  // The searches read the table: without its rows they find nothing. (The write through the service
  // ends the readers' snapshots, which may predate the delete.)
  {
    storage::Connection db((dir_ / "db.sqlite").string(), false);
    db.exec("DELETE FROM idx_token_patient WHERE patient = 'p2'");
  }
  put("Patient", "p3", R"({"resourceType":"Patient","id":"p3"})");
  EXPECT_EQ(ids("Observation?patient=p2&code=111-1"), V{});
}

TEST_F(PatientTokenSearchTest, PagesInResourceOrder) {
  seed();
  std::vector<std::string> seen;
  std::string next = "/fhir/Observation?patient=p1&code=http://loinc.org|111-1&_count=1";
  for (int page = 0; page < 5 && !next.empty(); ++page) {
    Response r = call("GET", next);
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = fhir::json::parse(r.body);
    ASSERT_TRUE(doc);
    for (const auto& e : doc.document->root().find("entry")->items()) {
      seen.emplace_back(e.find("resource")->find("id")->text());
    }
    next.clear();
    for (const auto& link : doc.document->root().find("link")->items()) {
      // The links are absolute: drop "http://test".
      if (link.find("relation")->text() == "next") next = std::string(link.find("url")->text()).substr(11);
    }
  }
  EXPECT_EQ(seen, (V{"o1", "o3"}));
}

TEST_F(PatientTokenSearchTest, UpdatesAndDeletesReplaceTheRows) {
  seed();
  // Observation o1..o5 have a Patient subject and two token rows each (code, status).
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient"), 10);
  put("Observation", "o1", observation("o1", "Patient/p2", kLoinc, "222-2", "2020-01-01"));  // new patient and code
  put("Observation", "o6", observation("o6", "Patient/p1", kLoinc, "111-1", "2020-01-05"));  // now a patient's
  EXPECT_EQ(ids("Observation?patient=p1&code=111-1"), (V{"Observation/o3", "Observation/o4", "Observation/o6"}));
  EXPECT_EQ(ids("Observation?patient=p2&code=222-2"), V{"Observation/o1"});
  EXPECT_EQ(ids("Observation?patient=p1&code=222-2"), V{"Observation/o2"});
  ASSERT_EQ(call("DELETE", "/fhir/Observation/o3").status, 200);
  EXPECT_EQ(ids("Observation?patient=p1&code=111-1"), (V{"Observation/o4", "Observation/o6"}));
  put("Observation", "o6", observation("o6", "Group/p1", kLoinc, "111-1", "2020-01-05"));  // no patient again
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient"), 8);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE rid NOT IN (SELECT rid FROM idx_token)"), 0);
}

// Identifier rows are not stored per patient (schema 14): patient + identifier searches read the token index
// and check the patient on its match.
TEST_F(PatientTokenSearchTest, IdentifiersAreNotStoredPerPatient) {
  seed();
  auto with_identifier = [](const std::string& id, const std::string& subject, const std::string& value) {
    std::string body = observation(id, subject, kLoinc, "111-1", "2020-01-01");
    body.insert(body.find(R"("status")"), R"("identifier":[{"system":"urn:lab","value":")" + value + R"("}],)");
    return body;
  };
  put("Observation", "i1", with_identifier("i1", "Patient/p1", "A-1"));
  put("Observation", "i2", with_identifier("i2", "Patient/p2", "A-2"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token WHERE param = 'identifier'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE param = 'identifier'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE rid IN (SELECT rid FROM resources WHERE id = 'i1')"),
            2);  // code and status
  EXPECT_EQ(ids("Observation?patient=p1&identifier=urn:lab|A-1"), V{"Observation/i1"});
  EXPECT_EQ(ids("Observation?patient=p2&identifier=urn:lab|A-1"), V{});
  EXPECT_EQ(ids("Observation?identifier=A-2&patient=Patient/p2&code=111-1"), V{"Observation/i2"});
  EXPECT_EQ(ids("Observation?patient=p1&identifier=A-1&code=222-2"), V{});
  // An update and a delete leave no rows behind.
  put("Observation", "i1", with_identifier("i1", "Patient/p2", "A-3"));
  EXPECT_EQ(ids("Observation?patient=p2&identifier=A-3"), V{"Observation/i1"});
  EXPECT_EQ(ids("Observation?patient=p1&code=111-1"), (V{"Observation/o1", "Observation/o3", "Observation/o4"}));
  ASSERT_EQ(call("DELETE", "/fhir/Observation/i1").status, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE rid IN (SELECT rid FROM resources WHERE id = 'i1')"),
            0);
}

// An Observation stored as a store without token rows per patient wrote it.
void write_without_patients(storage::SqliteStore& store, const search::ParamCatalog& catalog, const std::string& id,
                            const std::string& subject) {
  const std::string body = observation(id, subject, kLoinc, "111-1", "2020-01-01");
  const auto doc = fhir::json::parse(body);
  ASSERT_TRUE(doc);
  storage::NewVersion v{"Observation", id, body, 1000, {}};
  v.index = search::build_index(catalog, "Observation", doc.document->root());
  v.index.patients.clear();
  auto txn = store.begin_write();
  txn->put(v, storage::Method::Create, 1);
  txn->commit();
}

TEST(PatientTokenMigration, StepEightFillsTheRowsOfExistingResources) {
  const auto dir = std::filesystem::temp_directory_path() / ("fhirgw-pt-mig-" + std::to_string(std::random_device{}()));
  const std::string path = (dir / "db.sqlite").string();
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  {
    storage::SqliteStore store({path, false, 1, {}, catalog.shared_params(), catalog.patient_rows()});
    write_without_patients(store, catalog, "o1", "Patient/p1");
    write_without_patients(store, catalog, "o2", "Group/g1");
  }
  auto count = [&](const std::string& sql) { return test::query_int(path, sql); };
  {
    storage::Connection db(path, false);
    db.exec("DROP TABLE idx_token_patient");
    db.exec("PRAGMA user_version = 7");
  }
  { storage::SqliteStore reopened({path, false, 1, {}, catalog.shared_params(), catalog.patient_rows()}); }
  EXPECT_EQ(count("PRAGMA user_version"), storage::kSchemaVersion);
  // o1's code and status under p1; nothing for the Group's o2.
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE type = 'Observation' AND patient = 'p1' AND "
                  "param = 'code' AND code = '111-1' AND system = 'http://loinc.org'"),
            1);
  std::filesystem::remove_all(dir);
}

// Step 13 -> 14 drops the identifier rows an older fhirgw stored per patient; the search still finds them.
TEST(PatientTokenMigration, StepFourteenDropsIdentifierRows) {
  const auto dir = std::filesystem::temp_directory_path() / ("fhirgw-pt-id-" + std::to_string(std::random_device{}()));
  const std::string path = (dir / "db.sqlite").string();
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  {
    storage::SqliteStore store({path, false, 1, {}, catalog.shared_params(), catalog.patient_rows()});
    write_without_patients(store, catalog, "o1", "Patient/p1");
  }
  auto count = [&](const std::string& sql) { return test::query_int(path, sql); };
  {
    storage::Connection db(path, false);
    db.exec(
        "INSERT INTO idx_token_patient SELECT 'Observation', 'p1', 'identifier', 'A-1', 'urn:lab', rid "
        "FROM resources WHERE id = 'o1'");
    db.exec(
        "INSERT INTO idx_token SELECT rid, 'Observation', 'identifier', 'urn:lab', 'A-1', '' "
        "FROM resources WHERE id = 'o1'");
    db.exec("PRAGMA user_version = 13");
  }
  ASSERT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE param = 'identifier'"), 1);
  storage::SqliteStore reopened({path, false, 1, {}, catalog.shared_params(), catalog.patient_rows()});
  EXPECT_EQ(count("PRAGMA user_version"), storage::kSchemaVersion);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE param = 'identifier'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token WHERE param = 'identifier'"), 1);  // the token row stays
  std::filesystem::remove_all(dir);
}

TEST(PatientTokenMigration, AStartWithOtherTypesFillsOrDropsThem) {
  const auto dir = std::filesystem::temp_directory_path() / ("fhirgw-pt-" + std::to_string(std::random_device{}()));
  const std::string path = (dir / "db.sqlite").string();
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  auto count = [&](const std::string& sql) { return test::query_int(path, sql); };
  {
    // A catalog without patient rows for any type (e.g. other packages loaded): none are written.
    storage::SqliteStore store({path, false, 1, {}, catalog.shared_params(), {}});
    write_without_patients(store, catalog, "o1", "Patient/p1");
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient"), 0);
  { storage::SqliteStore store({path, false, 1, {}, catalog.shared_params(), catalog.patient_rows()}); }
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient WHERE type = 'Observation' AND patient = 'p1'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient_sources"),
            static_cast<std::int64_t>(catalog.patient_rows().size()));
  { storage::SqliteStore store({path, false, 1, {}, catalog.shared_params(), {}}); }
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_token_patient_sources"), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fhirgw
