// The access filter and the audit trail through Application (no sockets): /auth/token, 401/403 with
// WWW-Authenticate and OperationOutcome, scope checks per interaction and per Bundle entry, AuditEvent
// access rules, and the AuditEvents each case leaves in the store (writes inside their own transaction,
// the rest through the background AuditLog). Keys are generated at run time (tests/support/pki).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "../support/pki/test_jose.h"
#include "audit/audit_event.h"
#include "audit/audit_log.h"
#include "audit/auditing_store.h"
#include "audit_test_records.h"
#include "auth/security.h"
#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "fhir/validation/validator.h"
#include "rest/fhir_service.h"
#include "search/indexer.h"
#include "search/param_catalog.h"
#include "server/application.h"
#include "server/metrics.h"
#include "storage/sqlite_store.h"

namespace fhirgw {
namespace {

using http::Request;
using http::Response;

constexpr const char* kPatient = R"({"resourceType":"Patient","id":"p1","gender":"female"})";
constexpr const char* kObservation =
    R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}})";

class AuthAuditTest : public ::testing::Test {
 protected:
  AuthAuditTest()
      : dir_(std::filesystem::temp_directory_path() / ("fhirgw-auth-" + std::to_string(std::random_device{}()))),
        store_({(dir_ / "db.sqlite").string(), false, 2}),
        catalog_(fhir::model::Registry::r4()),
        audited_(store_, catalog_),
        log_(store_, catalog_, {std::chrono::milliseconds(5), 500, 1000}),
        service_(audited_, fhir::model::Registry::r4(), catalog_, nullptr, rest_config()),
        app_(service_, audited_, metrics_) {
    auth::SecurityConfig c;
    c.public_base_url = "https://gw.test";
    c.token_signing_key_file = keys_.write("token.key", testpki::key_pem(signing_.key.get()));
    const std::string jwks = keys_.write("clients.jwks", testpki::jwks_of({&client_key_}));
    c.clients.push_back({"reader", jwks, "system/*.rs", {}, false});
    c.clients.push_back({"writer", jwks, "system/Patient.cruds system/Observation.cruds", {}, false});
    c.clients.push_back({"auditor", jwks, "system/AuditEvent.rs", {}, true});
    auto sec = auth::build_security(c, "127.0.0.1", clock_);
    EXPECT_TRUE(sec) << sec.error().reason;
    security_ = std::move(sec).value();
    app_.security = security_.get();
    app_.audit = &log_;
  }
  ~AuthAuditTest() override {
    log_.stop();
    std::filesystem::remove_all(dir_);
  }

  static rest::RestConfig rest_config() {
    rest::RestConfig r;
    r.base_url = "https://gw.test/fhir";
    return r;
  }

  Response call(const std::string& method, const std::string& target, const std::string& token,
                const std::string& body = {}, const std::string& content_type = "application/fhir+json") {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.remote_address = "127.0.0.9";
    if (!body.empty()) r.headers.set("content-type", content_type);
    if (!token.empty()) r.headers.set("authorization", "Bearer " + token);
    return app_.handle(r);
  }

  std::string token_for(const std::string& client, const std::string& scope) {
    auto assertion = auth::make_client_assertion(client, "https://gw.test/auth/token", client_key_.alg,
                                                 client_key_.key.get(), client_key_.kid, clock_.now());
    EXPECT_TRUE(assertion);
    const Response r = call("POST", "/auth/token", {}, auth::token_request_body(*assertion, scope),
                            "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
    auto parsed = fhir::json::parse(r.body);
    if (!parsed) return {};
    return std::string(parsed.document->root().find("access_token")->text());
  }

  // Every stored AuditEvent (after the background writer has committed what is queued).
  std::vector<std::string> audit_events() {
    log_.flush();
    storage::SearchQuery q;
    q.type = "AuditEvent";
    q.limit = 1000;
    q.count_total = false;
    std::vector<std::string> out;
    for (const auto& v : store_.read_many(store_.search(q).matches)) out.push_back(v.body);
    return out;
  }

  static bool has(const std::vector<std::string>& events, const std::string& text) {
    for (const auto& e : events) {
      if (e.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::size_t count(const std::string& type) {
    storage::SearchQuery q;
    q.type = type;
    q.limit = 1000;
    return store_.search(q).matches.size();
  }

  std::filesystem::path dir_;
  testpki::TempDir keys_;
  testpki::SigningKeyPair signing_ = testpki::es384_key("gw-1");
  testpki::SigningKeyPair client_key_ = testpki::es384_key("c-1");
  auth::ManualClock clock_{1'800'000'000};
  storage::SqliteStore store_;
  search::ParamCatalog catalog_;
  audit::AuditingStore audited_;
  audit::AuditLog log_;
  rest::FhirService service_;
  server::Metrics metrics_;
  server::Application app_;
  std::unique_ptr<auth::Security> security_;
};

TEST_F(AuthAuditTest, MissingOrBadTokenIs401WithChallengeAndAudited) {
  Response r = call("GET", "/fhir/Patient/p1", {});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers.get("www-authenticate").value_or(""), "Bearer realm=\"fhirgw\"");
  EXPECT_NE(r.body.find("\"code\":\"login\""), std::string::npos) << r.body;
  r = call("GET", "/fhir/Patient/p1", "not.a.token");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers.get("www-authenticate").value_or("").find("invalid_token"), std::string::npos);
  const auto events = audit_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(has(events, "\"code\":\"110114\""));
  EXPECT_TRUE(has(events, "\"outcome\":\"4\""));
  EXPECT_TRUE(has(events, "127.0.0.9"));
  // Open endpoints need no token.
  EXPECT_EQ(call("GET", "/fhir/metadata", {}).status, 200);
  EXPECT_EQ(call("GET", "/.well-known/smart-configuration", {}).status, 200);
  EXPECT_EQ(call("GET", "/auth/jwks.json", {}).status, 200);
}

TEST_F(AuthAuditTest, TokenIssueIsAudited) {
  const std::string token = token_for("reader", "system/Patient.rs");
  EXPECT_FALSE(token.empty());
  const auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("\"code\":\"110122\""), std::string::npos);
  EXPECT_NE(events[0].find("\"value\":\"reader\""), std::string::npos);
  EXPECT_NE(events[0].find("\"outcome\":\"0\""), std::string::npos);
}

TEST_F(AuthAuditTest, ReadOnlyScopeCannotWriteAndNothingIsStored) {
  const std::string token = token_for("reader", "system/*.rs");
  const Response r = call("POST", "/fhir/Patient", token, kPatient);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.headers.get("www-authenticate").value_or("").find("insufficient_scope"), std::string::npos);
  EXPECT_NE(r.body.find("\"code\":\"forbidden\""), std::string::npos);
  EXPECT_EQ(count("Patient"), 0u);
  const auto events = audit_events();
  EXPECT_TRUE(has(events, "\"code\":\"create\""));
  EXPECT_TRUE(has(events, "\"outcome\":\"4\""));
  // Reading is fine.
  EXPECT_EQ(call("GET", "/fhir/Patient?gender=female", token).status, 200);
}

TEST_F(AuthAuditTest, WriteIsAuditedInItsTransactionAndReadsThroughTheLog) {
  const std::string token = token_for("writer", "system/Patient.cruds system/Observation.cruds");
  ASSERT_EQ(call("PUT", "/fhir/Patient/p1", token, kPatient).status, 201);
  // Before the background writer runs, the write's AuditEvent is already committed with it.
  storage::SearchQuery q;
  q.type = "AuditEvent";
  q.limit = 100;
  bool found = false;
  for (const auto& v : store_.read_many(store_.search(q).matches)) {
    found |= v.body.find("\"reference\":\"Patient/p1/_history/1\"") != std::string::npos &&
             v.body.find("\"code\":\"update\"") == std::string::npos &&
             v.body.find("\"action\":\"C\"") != std::string::npos;
  }
  EXPECT_TRUE(found);
  ASSERT_EQ(call("GET", "/fhir/Patient/p1", token).status, 200);
  ASSERT_EQ(call("GET", "/fhir/Observation?subject=Patient/p1&code=secret-code", token).status, 200);
  const auto events = audit_events();
  EXPECT_TRUE(has(events, "\"code\":\"read\""));
  EXPECT_TRUE(has(events, "\"code\":\"search-type\""));
  // The query keeps the reference and masks the code value (base64 of "Observation?subject=Patient/p1&code=*").
  EXPECT_TRUE(has(events, "T2JzZXJ2YXRpb24/c3ViamVjdD1QYXRpZW50L3AxJmNvZGU9Kg=="));
  for (const auto& e : events) EXPECT_EQ(e.find("secret-code"), std::string::npos);
}

TEST_F(AuthAuditTest, TransactionEntriesAreCheckedOneByOne) {
  const std::string token = token_for("writer", "system/Observation.cruds");
  const std::string bundle = std::string(R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)") +
                             kObservation + R"(,"request":{"method":"POST","url":"Observation"}},{"resource":)" +
                             kPatient + R"(,"request":{"method":"PUT","url":"Patient/p1"}}]})";
  EXPECT_EQ(call("POST", "/fhir", token, bundle).status, 403);
  EXPECT_EQ(count("Observation"), 0u);
  EXPECT_EQ(count("Patient"), 0u);
  const std::string both = token_for("writer", "system/Patient.cruds system/Observation.cruds");
  const Response ok = call("POST", "/fhir", both, bundle);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(count("Observation"), 1u);
  // One AuditEvent of subtype transaction names both versions.
  const auto events = audit_events();
  bool found = false;
  for (const auto& e : events) {
    found |= e.find("\"code\":\"transaction\"") != std::string::npos &&
             e.find("Patient/p1/_history/1") != std::string::npos && e.find("Observation/") != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST_F(AuthAuditTest, AuditEventsNeedANamedScopeAndAreNeverWrittenByClients) {
  const std::string wildcard = token_for("reader", "system/*.rs");
  EXPECT_EQ(call("GET", "/fhir/AuditEvent", wildcard).status, 403);
  EXPECT_EQ(call("GET", "/fhir/_history", wildcard).status, 403);
  const std::string auditor = token_for("auditor", "system/AuditEvent.rs");
  log_.flush();
  const Response r =
      call("GET", "/fhir/AuditEvent?subtype=http://hl7.org/fhir/restful-interaction|search-type", auditor);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"resourceType\":\"AuditEvent\""), std::string::npos);  // the refused search above
  const Response write = call("POST", "/fhir/AuditEvent", auditor, R"({"resourceType":"AuditEvent"})");
  EXPECT_EQ(write.status, 403);
}

// Through the API an auditor reads each AuditEvent the same by read, vread and every history (the store
// keeps an AuditEvent's body in its current row only).
TEST_F(AuthAuditTest, AuditEventsReadTheSameByReadVreadAndHistory) {
  const std::string token = token_for("writer", "system/Patient.cruds system/Observation.cruds");
  ASSERT_EQ(call("PUT", "/fhir/Patient/p1", token, kPatient).status, 201);
  ASSERT_EQ(call("GET", "/fhir/Patient/p1", token).status, 200);
  const auto events = audit_events();
  ASSERT_GE(events.size(), 3u);  // token issue, the write, the read
  const std::string auditor = token_for("auditor", "system/AuditEvent.rs");
  for (const std::string& body : events) {
    auto parsed = fhir::json::parse(body);
    ASSERT_TRUE(parsed);
    const std::string id(parsed.document->root().find("id")->text());
    const Response read = call("GET", "/fhir/AuditEvent/" + id, auditor);
    ASSERT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(read.body, body);
    const Response vread = call("GET", "/fhir/AuditEvent/" + id + "/_history/1", auditor);
    ASSERT_EQ(vread.status, 200) << vread.body;
    EXPECT_EQ(vread.body, body);
    const Response instance = call("GET", "/fhir/AuditEvent/" + id + "/_history", auditor);
    ASSERT_EQ(instance.status, 200) << instance.body;
    EXPECT_NE(instance.body.find(body), std::string::npos);
    const Response type = call("GET", "/fhir/AuditEvent/_history?_count=1000", auditor);
    ASSERT_EQ(type.status, 200) << type.body;
    EXPECT_NE(type.body.find(body), std::string::npos);
  }
}

TEST_F(AuthAuditTest, AdminRoutesNeedAnAdminClient) {
  const std::string reader = token_for("reader", "system/*.rs");
  EXPECT_EQ(call("GET", "/admin/outbox", reader).status, 403);
  EXPECT_EQ(call("GET", "/admin/outbox", {}).status, 401);
  const std::string auditor = token_for("auditor", "system/AuditEvent.rs");
  EXPECT_EQ(call("GET", "/admin/no-such-route", auditor).status, 404);  // let through to routing
}

TEST_F(AuthAuditTest, FullAuditQueueRefusesWith503InsteadOfServingUnaudited) {
  // A writer that never flushes on its own and a queue of 100.
  const std::string token = token_for("reader", "system/*.rs");
  audit::AuditLog slow(store_, catalog_, {std::chrono::hours(1), 1000, 100});
  app_.audit = &slow;
  int ok = 0;
  Response r;
  for (int i = 0; i < 200 && (r = call("GET", "/fhir/Patient?gender=female", token)).status == 200; ++i) ++ok;
  EXPECT_EQ(ok, 100);  // 100 searches filled the queue
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers.get("retry-after").value_or(""), "1");
  slow.flush();
  EXPECT_EQ(call("GET", "/fhir/Patient?gender=female", token).status, 200);
  slow.stop();
  app_.audit = &log_;
}

TEST_F(AuthAuditTest, FullAuditQueueMakesTheRequestWaitForTheWritersNextGroup) {
  // A queue of 100 filled at once; the writer takes it at its next flush (200 ms), and the request that
  // found the queue full is served (and audited) then instead of getting a 503.
  const std::string token = token_for("reader", "system/*.rs");
  audit::AuditLog timed(store_, catalog_, {std::chrono::milliseconds(200), 1000, 100});
  app_.audit = &timed;
  while (timed.has_room()) {
    audit::AuditRecord filler;
    filler.interaction = "read";
    filler.entities.push_back(audit::Entity::of_reference("Patient/filler"));
    ASSERT_TRUE(timed.record(std::move(filler)));
  }
  EXPECT_EQ(call("GET", "/fhir/Patient?gender=female", token).status, 200);
  timed.stop();
  app_.audit = &log_;
}

TEST_F(AuthAuditTest, QueuedReadsOfOneClientShareAnAuditEventWithOneEntityEach) {
  const std::string token = token_for("reader", "system/*.rs");
  audit::AuditLog grouped(store_, catalog_, {std::chrono::hours(1), 1000, 1000});
  app_.audit = &grouped;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call("GET", "/fhir/Patient/p" + std::to_string(i), token).status, 404);
  EXPECT_EQ(call("GET", "/fhir/Patient?gender=female", token).status, 200);
  grouped.flush();
  app_.audit = &log_;
  storage::SearchQuery q;
  q.type = "AuditEvent";
  q.limit = 100;
  std::vector<std::string> reads;
  for (const auto& v : store_.read_many(store_.search(q).matches)) {
    if (v.body.find("\"code\":\"read\"") != std::string::npos) reads.push_back(v.body);
  }
  ASSERT_EQ(reads.size(), 1u);  // five 404 reads of one client: one event (the search is another)
  for (int i = 0; i < 5; ++i) EXPECT_NE(reads[0].find("Patient/p" + std::to_string(i)), std::string::npos);
  EXPECT_NE(reads[0].find("\"period\""), std::string::npos);
  EXPECT_NE(reads[0].find("X-Request-Id"), std::string::npos);
}

TEST_F(AuthAuditTest, RolledBackWritesLeaveNoAuditEvent) {
  {
    auto txn = audited_.begin_write();
    storage::NewVersion v;
    v.type = "Patient";
    v.id = "gone";
    v.body = R"({"resourceType":"Patient","id":"gone"})";
    txn->put(v, storage::Method::Create, 1);
  }  // no commit
  EXPECT_EQ(count("AuditEvent"), 0u);
  EXPECT_EQ(count("Patient"), 0u);
}

TEST(AuditEvent, EveryKindValidatesAgainstR4Core) {
  const fhir::validation::Validator validator;
  std::vector<audit::AuditRecord> records(4);
  records[0].interaction = "read";
  records[0].client_id = "hospital-a";
  records[0].network_address = "127.0.0.1";
  records[0].request_id = "req-1";
  records[0].entities = {audit::Entity::of_reference("Patient/p1")};
  records[1].interaction = "search-type";
  records[1].outcome = audit::Outcome::minor_failure;
  records[1].outcome_text = "HTTP 400";
  records[1].entities = {audit::Entity::of_query("Observation?subject=Patient/p1&code=*")};
  records[2].type = audit::EventType::authentication;
  records[2].outcome = audit::Outcome::minor_failure;
  records[2].outcome_text = "token expired";
  records[3].interaction = "transaction";
  records[3].client_id = "fhirgw";
  records[3].entities = {audit::Entity::of_reference("Patient/p1/_history/2", "update"),
                         audit::Entity::of_reference("Observation/o1/_history/1", "create")};
  audit::AuditRecord grouped;  // several reads in one event, as AuditLog groups them
  grouped.interaction = "read";
  grouped.client_id = "hospital-a";
  grouped.period_start_ms = 1'800'000'000'000;
  grouped.entities = {{"Patient/p1", {}, {}, "req-1", 1'800'000'000'000},
                      {"Patient/p2", {}, {}, "req-2", 1'800'000'000'100}};
  records.push_back(grouped);
  for (const auto& r : records) {
    const std::string json = audit::audit_event_json(r, "a1", 1'800'000'000'123, 1'800'000'000'456);
    const auto outcome = validator.validate_text(json);
    for (const auto& issue : outcome.issues()) {
      EXPECT_NE(issue.severity, fhir::validation::Severity::Error)
          << issue.expression << ": " << issue.diagnostics << "\n"
          << json;
      EXPECT_NE(issue.severity, fhir::validation::Severity::Fatal) << issue.diagnostics;
    }
  }
}

// The distinct index rows of an AuditEvent, as comparable text (one line per row).
std::set<std::string> distinct_rows(const storage::IndexRows& rows) {
  std::set<std::string> out;
  for (const auto& t : rows.tokens) out.insert("token|" + t.param + "|" + t.system + "|" + t.code + "|" + t.text);
  for (const auto& t : rows.strings) out.insert("string|" + t.param + "|" + t.normalized + "|" + t.exact);
  for (const auto& t : rows.dates)
    out.insert("date|" + t.param + "|" + std::to_string(t.low_ms) + "|" + std::to_string(t.high_ms));
  for (const auto& t : rows.references)
    out.insert("ref|" + t.param + "|" + t.target_type + "|" + t.target_id + "|" + t.url);
  for (const auto& t : rows.quantities)
    out.insert("qty|" + t.param + "|" + std::to_string(t.value) + "|" + t.system + "|" + t.code);
  for (const auto& t : rows.numbers) out.insert("num|" + t.param + "|" + std::to_string(t.value));
  return out;
}

// audit_event_version indexes one entity per target type and copies its reference rows for the others (a
// forwarded transaction has 1,000 entities, a grouped read up to 100); the rows must be the set of those of the
// whole stored body, for every kind, each row once.
TEST(AuditEvent, IndexRowsAreThoseOfTheFullBody) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  std::vector<audit::AuditRecord> records(6);
  records[0] = test::grouped_reads("hospital-a", "127.0.0.1", 100, 3, 0, 1'800'000'000'000);
  records[1].interaction = "search-type";
  records[1].client_id = "hospital-b";
  records[1].period_start_ms = 1'800'000'000'000;
  records[1].entities = {audit::Entity::of_query("Observation?subject=Patient/p1&code=*"),
                         audit::Entity::of_query("Condition?patient=Patient/p2"),
                         audit::Entity::of_reference("Patient/p9")};
  records[2].interaction = "transaction";
  records[2].client_id = "fhirgw";
  records[2].request_id = "req-x";
  records[2].entities = {audit::Entity::of_reference("Patient/p1/_history/2", "update"),
                         audit::Entity::of_reference("Observation/o1/_history/1", "create"),
                         audit::Entity::of_reference("Patient/p1/_history/2", "update")};
  records[3].type = audit::EventType::authentication;
  records[3].outcome = audit::Outcome::minor_failure;
  records[3].outcome_text = "token expired";
  records[3].request_id = "req-y";
  // A transaction of many types, versions of one resource, references that name no stored resource.
  records[4].interaction = "transaction";
  records[4].client_id = "hospital-a";
  records[4].request_id = "req-z";
  const char* types[] = {"Patient", "Observation", "Specimen", "Condition", "Encounter"};
  for (int i = 0; i < 1'000; ++i) {
    records[4].entities.push_back(
        audit::Entity::of_version(types[i % 5], "r" + std::to_string(i / 2), 1 + i % 2, i % 3 ? "update" : "create"));
  }
  records[4].entities.push_back(audit::Entity::of_reference("urn:uuid:0b5b7c5e-1111-4e5a-9a5b-0123456789ab"));
  records[4].entities.push_back(audit::Entity::of_reference("http://elsewhere.example/fhir/Patient/x"));
  records[4].entities.push_back(audit::Entity::of_query("Observation?patient=Patient/r1"));
  // A delivery: the peer's transaction, each entity with its rid (the entity rows carry it).
  records[5].interaction = "transaction";
  records[5].client_id = "node-a";
  records[5].network_address = "b.example";
  records[5].outcome = audit::Outcome::serious_failure;
  records[5].outcome_text = "forwarding to b gave up after 3 attempts";
  for (int i = 0; i < 200; ++i) {
    records[5].entities.push_back(audit::Entity::of_version(types[i % 2], "d" + std::to_string(i), 3, "update"));
    records[5].entities.back().rid = 1'000 + i;
  }
  for (const auto& r : records) {
    const storage::NewVersion v = audit::audit_event_version(r, catalog);
    auto full = fhir::json::parse(v.body);
    ASSERT_TRUE(full);
    const auto expected = distinct_rows(search::build_index(catalog, "AuditEvent", full.document->root()));
    EXPECT_FALSE(expected.empty());
    EXPECT_EQ(distinct_rows(v.index), expected) << v.body;
    const auto& x = v.index;
    EXPECT_EQ(x.tokens.size() + x.strings.size() + x.dates.size() + x.references.size(), expected.size())
        << "a row written twice";
  }
  for (const auto& row : audit::audit_event_version(records[5], catalog).index.references) {
    if (row.param == "entity") {
      EXPECT_EQ(row.target_rid, 1'000 + std::stoi(row.target_id.substr(1))) << row.url;
    }
  }
  // Every entity stays in the body.
  const storage::NewVersion grouped = audit::audit_event_version(records[0], catalog);
  for (int i = 0; i < 100; ++i)
    EXPECT_NE(grouped.body.find("\"req-" + std::to_string(i) + "\""), std::string::npos) << i;
}

}  // namespace
}  // namespace fhirgw

namespace fhirgw {
namespace {

// A group-committed event is stamped when it is stored, so it never lands behind versions stored before it
// in time-bounded history pages; `recorded` keeps when it happened.
TEST(AuditEvent, LastUpdatedIsWhenStoredAndRecordedIsWhenItHappened) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  audit::AuditRecord r;
  r.interaction = "read";
  r.client_id = "hospital-a";
  r.recorded_ms = 1'000;  // long ago
  r.entities = {audit::Entity::of_reference("Patient/p1", "read")};
  const auto before =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const storage::NewVersion v = audit::audit_event_version(r, catalog);
  EXPECT_GE(v.last_updated_ms, before);
  auto doc = fhir::json::parse(v.body);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc.document->root().find("recorded")->text(), "1970-01-01T00:00:01.000Z");
  EXPECT_NE(doc.document->root().find("meta")->find("lastUpdated")->text(), "1970-01-01T00:00:01.000Z");
}

}  // namespace
}  // namespace fhirgw
