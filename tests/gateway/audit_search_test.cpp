// AuditEvents indexed by audit_event_version (one entity per target type read by the indexer, the other
// references' rows copied; audit/audit_event.cpp) answer every AuditEvent search as the same events indexed
// from their whole stored body. Each event is stored twice in one real SQLite store: as built ("n-<k>") and
// with the rows of its parsed body ("f-<k>"); every search must find the same k on both sides.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "audit/audit_event.h"
#include "audit_test_records.h"
#include "fhir/json/parser.h"
#include "search/indexer.h"
#include "search_service_fixture.h"

namespace fhirgw {
namespace {

using audit::AuditRecord;
using audit::Entity;

class AuditSearchTest : public test::SearchServiceTest {
 protected:
  // Stores `record` as "n-<k>" (its own rows) and "f-<k>" (the rows of its whole body, parsed).
  void store_both(const AuditRecord& record, int k) {
    const storage::NewVersion built = audit::audit_event_version(record, catalog_);
    auto txn = store_.begin_write();
    txn->put(renamed(built, "n-" + std::to_string(k)), storage::Method::Create, 1);
    storage::NewVersion full = renamed(built, "f-" + std::to_string(k));
    const auto parsed = fhir::json::parse(full.body);
    ASSERT_TRUE(parsed) << full.body;
    full.index = search::build_index(catalog_, "AuditEvent", parsed.document->root());
    txn->put(full, storage::Method::Create, 1);
    txn->commit();
  }

  static storage::NewVersion renamed(const storage::NewVersion& v, const std::string& id) {
    storage::NewVersion out = v;
    const std::string from = "\"id\":\"" + v.id + "\"";
    const auto at = out.body.find(from);
    EXPECT_NE(at, std::string::npos);
    out.body.replace(at, from.size(), "\"id\":\"" + id + "\"");
    out.id = id;
    return out;
  }

  // The events a search finds among those stored as built ("n-") and among the same indexed from their
  // whole body ("f-"), by k.
  std::pair<std::set<std::string>, std::set<std::string>> found(const std::string& query) {
    std::set<std::string> built;
    std::set<std::string> full;
    for (const std::string& id : ids("AuditEvent?" + query + "&_count=500")) {
      const std::string k = id.substr(id.find('/') + 3);
      (id.compare(0, 13, "AuditEvent/n-") == 0 ? built : full).insert(k);
    }
    return {built, full};
  }
};

TEST_F(AuditSearchTest, EverySearchFindsWhatTheWholeBodysRowsFind) {
  // The resources some entities name exist (their entity rows are keyed by the target's rid), others not.
  put("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})");
  put("Observation", "o1", R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"}})");

  std::vector<AuditRecord> records(5);
  records[0].interaction = "transaction";  // an ingest transaction of several types
  records[0].client_id = "lab-feed";
  records[0].network_address = "10.1.2.3";
  records[0].request_id = "req-0";
  records[0].recorded_ms = 1'800'000'000'000;
  for (int i = 0; i < 60; ++i) {
    const char* type = i % 3 == 0 ? "Patient" : i % 3 == 1 ? "Observation" : "Specimen";
    records[0].entities.push_back(Entity::of_version(type, (i % 3 == 0 ? "p" : "o") + std::to_string(i / 3 + 1),
                                                     1 + i % 2, i % 2 ? "update" : "create"));
  }
  records[1].interaction = "transaction";  // a delivery that failed for good
  records[1].client_id = "hospital-a";
  records[1].network_address = "b.example";
  records[1].outcome = audit::Outcome::serious_failure;
  records[1].outcome_text = "forwarding to b gave up after 3 attempts";
  records[1].recorded_ms = 1'800'000'100'000;
  records[1].entities = {Entity::of_version("Observation", "o1", 2, "update"),
                         Entity::of_version("Observation", "o9", 1, "update")};
  records[2] = test::grouped_reads("ward-app", "10.0.0.7", 30, 4, 1, 1'800'000'200'000);
  records[3].interaction = "search-type";  // searches and a read
  records[3].client_id = "ward-app";
  records[3].recorded_ms = 1'800'000'300'000;
  records[3].entities = {Entity::of_query("Observation?patient=Patient/p1&code=*"),
                         Entity::of_query("Condition?patient=Patient/p2"), Entity::of_reference("Patient/p1")};
  records[4].type = audit::EventType::authentication;  // a refused login
  records[4].outcome = audit::Outcome::minor_failure;
  records[4].outcome_text = "token expired";
  records[4].request_id = "req-4";
  records[4].recorded_ms = 1'800'000'400'000;
  for (std::size_t k = 0; k < records.size(); ++k) store_both(records[k], static_cast<int>(k));

  const std::vector<std::string> queries = {
      "entity=Patient/p1",
      "entity=Observation/o1",
      "entity=Observation/o9",
      "entity=Specimen/o3",
      "entity:Patient=p2",
      "entity-type=http://terminology.hl7.org/CodeSystem/audit-entity-type|2",
      "entity-name=X-Request-Id",
      "patient=Patient/p1",
      "agent-name=ward-app",
      "address=b.example",
      "type=http://terminology.hl7.org/CodeSystem/audit-event-type|rest",
      "type=http://dicom.nema.org/resources/ontology/DCM|110114",
      "subtype=http://hl7.org/fhir/restful-interaction|transaction",
      "subtype=read",
      "action=E",
      "outcome=8",
      "outcome=4",
      "date=ge2027-01-15T08:03:00Z",
      "date=lt2027-01-15T08:01:00Z",
  };
  for (const std::string& q : queries) {
    const auto [built, full] = found(q);
    EXPECT_FALSE(full.empty()) << q;
    EXPECT_EQ(built, full) << q;
  }
  // And a search that finds nothing on either side.
  const auto [none_built, none_full] = found("entity=Patient/nobody");
  EXPECT_TRUE(none_built.empty() && none_full.empty());
}

}  // namespace
}  // namespace fhirgw
