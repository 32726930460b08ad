// The forwarding outbox without sockets: configuration errors, the store's outbox rows (atomic with the
// change, ordering, dead letters), routing by type and by search through the real FhirService, loop
// prevention and the inbound Provenance (validated with the project's validator).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "fhir/validation/validator.h"
#include "outbox/forwarding_config.h"
#include "outbox/router.h"
#include "outbox/transaction_bundle.h"
#include "rest/fhir_service.h"
#include "search/param_catalog.h"
#include "storage/sqlite_store.h"

namespace fhirgw {
namespace {

std::optional<std::string> parse(const std::string& json, outbox::ForwardingConfig& out) {
  auto doc = fhir::json::parse(json);
  EXPECT_TRUE(doc) << json;
  return outbox::parse_forwarding(doc.document->root(), out);
}

const char* kGoodConfig = R"({
  "node": "hospital-a", "inbound": ["hospital-b"],
  "peers": [{"name": "hospital-b", "url": "http://127.0.0.1:9/fhir", "batch_size": 10},
            {"name": "registry", "url": "https://registry.example.org/fhir", "tls": {"ca_file": "/ca.pem"}}],
  "routes": [{"peer": "hospital-b", "types": ["Patient", "Observation"]},
             {"peer": "registry", "search": "Observation?code=http://loinc.org|1834-1"}]})";

TEST(ForwardingConfig, ReadsPeersRoutesAndInbound) {
  outbox::ForwardingConfig c;
  ASSERT_EQ(parse(kGoodConfig, c), std::nullopt);
  EXPECT_EQ(c.node, "hospital-a");
  ASSERT_EQ(c.peers.size(), 2u);
  EXPECT_EQ(c.peers[0].batch_size, 10u);
  EXPECT_EQ(c.peers[1].tls_ca_file, "/ca.pem");
  EXPECT_EQ(c.routes[1].search, "Observation?code=http://loinc.org|1834-1");
  EXPECT_EQ(c.inbound, std::vector<std::string>{"hospital-b"});
}

TEST(ForwardingConfig, ProblemsNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"node":"a","peers":[{"name":"b","url":"http://127.0.0.1:1/fhir","colour":1}]})",
       "forwarding.peers[0].colour"},
      {R"({"node":"a","peers":[{"name":"b"}]})", "forwarding.peers[0].url is required"},
      {R"({"node":"a","peers":[{"name":"b","url":"http://10.1.2.3/fhir"}]})", "must be https://"},
      {R"({"node":"a","peers":[{"name":"b","url":"https://x/fhir"}]})", "tls.ca_file is required"},
      {R"({"node":"a","peers":[{"name":"b","url":"http://127.0.0.1:1/fhir","batch_size":0}]})",
       "batch_size must be between"},
      {R"({"node":"a","routes":[{"peer":"nobody","types":["Patient"]}]})", "'nobody' is not in forwarding.peers"},
      {R"({"peers":[{"name":"b","url":"http://127.0.0.1:1/fhir"}],"routes":[{"peer":"b","types":["Patient"]}]})",
       "forwarding.node is required"},
      {R"({"node":"a","peers":[{"name":"b","url":"http://127.0.0.1:1/fhir","auth":{"token_url":"http://127.0.0.1:1/t"}}]})",
       "auth.token_url needs"},
      {R"({"node":"a","surprise":true})", "unknown config key 'forwarding.surprise'"},
  };
  for (const auto& [json, expected] : cases) {
    outbox::ForwardingConfig c;
    const auto err = parse(json, c);
    ASSERT_TRUE(err.has_value()) << json;
    EXPECT_NE(err->find(expected), std::string::npos) << *err;
  }
}

TEST(ForwardingConfig, RouteSearchIsCheckedAgainstTheCatalog) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  outbox::ForwardingConfig c;
  ASSERT_EQ(parse(R"({"node":"a","peers":[{"name":"b","url":"http://127.0.0.1:1/fhir"}],
                      "routes":[{"peer":"b","search":"Observation?flavour=sweet"}]})",
                  c),
            std::nullopt);
  try {
    outbox::Router router(c, catalog);
    FAIL() << "an unknown search parameter must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("flavour"), std::string::npos) << e.what();
  }
}

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest()
      : dir_(std::filesystem::temp_directory_path() / ("fhirgw-outbox-" + std::to_string(std::random_device{}()))),
        store_({(dir_ / "db.sqlite").string(), false, 2}),
        catalog_(fhir::model::Registry::r4()),
        validator_(fhir::model::Registry::r4()),
        service_(store_, fhir::model::Registry::r4(), catalog_, nullptr, {}) {
    EXPECT_EQ(parse(kGoodConfig, config_), std::nullopt);
    router_ = std::make_unique<outbox::Router>(config_, catalog_);
    service_.changes = router_.get();
    service_.inbound_peer = [](const http::Request& req) -> std::optional<rest::InboundPeer> {
      if (auto p = req.headers.get("x-fhirgw-peer"); p && *p == "hospital-b")
        return rest::InboundPeer{"hospital-b", "client-b"};
      return std::nullopt;
    };
  }
  ~OutboxTest() override { std::filesystem::remove_all(dir_); }

  http::Response call(const std::string& method, const std::string& target, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request r;
    r.method = method;
    r.target = target;
    EXPECT_TRUE(http::parse_target(target, r.path, r.query));
    r.body = body;
    r.request_id = "req-1";
    r.headers.set("content-type", "application/fhir+json");
    for (auto& [k, v] : headers) r.headers.set(k, v);
    return service_.handle(r);
  }

  std::vector<storage::OutboxItem> ready(const std::string& peer) { return store_.outbox_ready(peer, 1LL << 60, 100); }

  storage::OutboxPeerStats stats_of(const std::string& peer) {
    for (auto& s : store_.outbox_stats()) {
      if (s.peer == peer) return s;
    }
    ADD_FAILURE() << "no outbox stats for " << peer;
    return {};
  }

  std::filesystem::path dir_;
  storage::SqliteStore store_;
  search::ParamCatalog catalog_;
  fhir::validation::Validator validator_;
  rest::FhirService service_;
  outbox::ForwardingConfig config_;
  std::unique_ptr<outbox::Router> router_;
};

std::string observation(const std::string& id, const std::string& code) {
  return R"({"resourceType":"Observation","id":")" + id +
         R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":")" + code +
         R"("}]},"valueQuantity":{"value":12.50,"unit":"ng/mL","system":"http://unitsofmeasure.org","code":"ng/mL"}})";
}

TEST_F(OutboxTest, RoutesByTypeAndBySearchInTheWriteTransaction) {
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/alt", observation("alt", "1742-6")).status, 201);
  ASSERT_EQ(
      call("PUT", "/fhir/Condition/c1", R"({"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"}})")
          .status,
      201);

  const auto to_b = ready("hospital-b");
  ASSERT_EQ(to_b.size(), 2u);  // both Observations, not the Condition
  EXPECT_EQ(to_b[0].id, "afp");
  EXPECT_EQ(to_b[1].id, "alt");
  EXPECT_NE(to_b[0].body.find("12.50"), std::string::npos);  // the stored text, decimals as written
  const auto to_registry = ready("registry");
  ASSERT_EQ(to_registry.size(), 1u);  // only the one matching code=1834-1
  EXPECT_EQ(to_registry[0].id, "afp");

  // An update that changes nothing writes no version and no row; a delete is forwarded.
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 200);
  EXPECT_EQ(ready("hospital-b").size(), 2u);
  ASSERT_EQ(call("DELETE", "/fhir/Observation/alt", "").status, 200);
  const auto after = ready("hospital-b");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_TRUE(after[2].deleted);
  EXPECT_EQ(after[2].version, 2);
  // alt's version 1 is no longer the current one: its body comes from the history.
  EXPECT_FALSE(after[1].deleted);
  EXPECT_EQ(after[1].version, 1);
  EXPECT_NE(after[1].body.find(R"("id":"alt")"), std::string::npos);
}

// The delivery workers are woken once per transaction that added rows, after its commit: a worker woken
// before it would find the rows invisible and wait its idle poll. At each wake, a reader (another
// connection, committed data only) must see every row written so far.
TEST_F(OutboxTest, WorkersAreWokenOncePerTransactionAfterItsRowsAreVisible) {
  std::vector<std::size_t> visible_at_wake;
  router_->on_committed = [&] { visible_at_wake.push_back(ready("hospital-b").size()); };
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 201);
  ASSERT_EQ(visible_at_wake, std::vector<std::size_t>{1});
  // One transaction Bundle with two routed entries and one that no route takes: one wake, two rows.
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + observation("alt", "1742-6") +
                             R"(,"request":{"method":"PUT","url":"Observation/alt"}},
    {"resource":)" + observation("ast", "1920-8") +
                             R"(,"request":{"method":"PUT","url":"Observation/ast"}},
    {"resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"}},
     "request":{"method":"PUT","url":"Condition/c1"}}]})";
  ASSERT_EQ(call("POST", "/fhir", bundle).status, 200);
  EXPECT_EQ(visible_at_wake, (std::vector<std::size_t>{1, 3}));
  // Nothing routed (a Condition; an unchanged PUT writes no version): no wake.
  ASSERT_EQ(
      call("PUT", "/fhir/Condition/c2", R"({"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/p"}})")
          .status,
      201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 200);
  EXPECT_EQ(visible_at_wake.size(), 2u);
  // A failed write (the If-Match version is not the current one) stores nothing and wakes nobody.
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "2345-7"), {{"if-match", "W/\"9\""}}).status, 412);
  EXPECT_EQ(visible_at_wake.size(), 2u);
  ASSERT_EQ(call("DELETE", "/fhir/Observation/alt", "").status, 200);
  EXPECT_EQ(visible_at_wake, (std::vector<std::size_t>{1, 3, 4}));
}

// While a peer is down the worker reads the due rows only for their ages: the same rows, in the same
// order (a row waiting for a retry holds back the later versions of its resource), without the versions.
TEST_F(OutboxTest, RowsOnlyReadsTheSameRowsWithoutTheirVersions) {
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/alt", observation("alt", "1742-6")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "2345-7")).status, 200);
  ASSERT_EQ(call("DELETE", "/fhir/Observation/alt", "").status, 200);
  const auto full = ready("hospital-b");
  ASSERT_EQ(full.size(), 4u);
  store_.outbox_failed(full[1].seq, 1LL << 61, "HTTP 500");  // alt v1 waits: alt's delete stays behind it
  const auto with = store_.outbox_ready("hospital-b", 1LL << 60, 100);
  const auto rows = store_.outbox_ready("hospital-b", 1LL << 60, 100, storage::OutboxRead::RowsOnly);
  ASSERT_EQ(with.size(), 2u);
  ASSERT_EQ(rows.size(), with.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].seq, with[i].seq);
    EXPECT_EQ(rows[i].id, with[i].id);
    EXPECT_EQ(rows[i].version, with[i].version);
    EXPECT_EQ(rows[i].created_ms, with[i].created_ms);
    EXPECT_EQ(rows[i].attempts, with[i].attempts);
    EXPECT_FALSE(with[i].body.empty());
    EXPECT_TRUE(rows[i].body.empty());
  }
  // The search route's DELETE of afp (it stopped matching) is known from the row itself.
  const auto registry = store_.outbox_ready("registry", 1LL << 60, 100, storage::OutboxRead::RowsOnly);
  ASSERT_EQ(registry.size(), 2u);  // afp v1, afp's DELETE; alt never matched, so its delete is not sent
  EXPECT_EQ(registry[0].id, "afp");
  EXPECT_FALSE(registry[0].deleted);
  EXPECT_EQ(registry[1].id, "afp");
  EXPECT_TRUE(registry[1].send_delete);
  EXPECT_TRUE(registry[1].deleted);
}

// A resource a search route sent, updated so that it no longer matches: the peer gets a DELETE (it must
// not keep data the route no longer gives it). One that never matched sends nothing; matching again
// sends it again.
TEST_F(OutboxTest, AVersionThatStopsMatchingASearchRouteSendsADelete) {
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/alt", observation("alt", "1742-6")).status, 201);
  ASSERT_EQ(ready("registry").size(), 1u);
  store_.outbox_delivered({ready("registry")[0].seq});

  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1742-6")).status, 200);  // stops matching
  ASSERT_EQ(call("PUT", "/fhir/Observation/alt", observation("alt", "2345-7")).status, 200);  // never matched
  auto rows = ready("registry");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, "afp");
  EXPECT_EQ(rows[0].version, 2);
  EXPECT_TRUE(rows[0].send_delete);
  EXPECT_TRUE(rows[0].deleted);
  EXPECT_TRUE(rows[0].body.empty());
  EXPECT_NE(outbox::transaction_bundle({&rows[0]}, "urn:uuid:1").find(R"("method":"DELETE","url":"Observation/afp")"),
            std::string::npos);
  store_.outbox_delivered({rows[0].seq});

  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "7")).status, 200);  // still not matching
  EXPECT_TRUE(ready("registry").empty());
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 200);  // matches again
  rows = ready("registry");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].deleted);
  EXPECT_EQ(rows[0].version, 4);
  // The type route to hospital-b sent every version, whatever the search route did.
  EXPECT_EQ(ready("hospital-b").size(), 6u);
}

// A delete reaches a search route's peer only if that route had sent it the resource: a peer that never had
// it must not learn its id. A type route's peer had every version and gets every delete.
TEST_F(OutboxTest, ADeleteGoesToASearchRoutesPeerOnlyIfItHadTheResource) {
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 201);  // matches
  ASSERT_EQ(call("PUT", "/fhir/Observation/alt", observation("alt", "1742-6")).status, 201);  // never matches
  auto rows = ready("registry");
  ASSERT_EQ(rows.size(), 1u);
  store_.outbox_delivered({rows[0].seq});

  ASSERT_EQ(call("DELETE", "/fhir/Observation/afp", "").status, 200);
  ASSERT_EQ(call("DELETE", "/fhir/Observation/alt", "").status, 200);
  rows = ready("registry");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, "afp");
  EXPECT_TRUE(rows[0].deleted);
  EXPECT_FALSE(rows[0].send_delete);  // a real delete, not "stopped matching"
  store_.outbox_delivered({rows[0].seq});

  // Re-created matching, it goes again; deleted again, so does its delete.
  ASSERT_EQ(call("PUT", "/fhir/Observation/afp", observation("afp", "1834-1")).status, 201);
  ASSERT_EQ(call("DELETE", "/fhir/Observation/afp", "").status, 200);
  rows = ready("registry");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].deleted);
  EXPECT_TRUE(rows[1].deleted);

  const auto to_b = ready("hospital-b");
  ASSERT_EQ(to_b.size(), 6u);  // afp v1, alt v1, afp's delete, alt's delete, afp v3, afp's delete
  EXPECT_TRUE(to_b[3].deleted);
  EXPECT_EQ(to_b[3].id, "alt");
}

TEST_F(OutboxTest, AFailedWriteLeavesNoRow) {
  // A transaction whose second entry fails (If-Match on a missing resource) stores nothing, so it
  // forwards nothing.
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + observation("x1", "1834-1") +
                             R"(,"request":{"method":"PUT","url":"Observation/x1"}},
    {"resource":)" + observation("x2", "1834-1") +
                             R"(,"request":{"method":"PUT","url":"Observation/x2","ifMatch":"W/\"7\""}}]})";
  EXPECT_EQ(call("POST", "/fhir", bundle).status, 412);
  EXPECT_TRUE(ready("hospital-b").empty());
  EXPECT_TRUE(ready("registry").empty());
}

TEST_F(OutboxTest, InboundChangesGetAProvenanceAndAreNotSentBack) {
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction",
    "identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:6f1c2a8e-0d3b-4c55-9a7e-2b1d5e8f9a01"},"entry":[
    {"resource":)" + observation("in1", "1834-1") +
                             R"(,"request":{"method":"PUT","url":"Observation/in1"}}]})";
  const auto r =
      call("POST", "/fhir", bundle, {{"x-fhirgw-peer", "hospital-b"}, {"x-source-system", "hospital-b-lis"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(ready("hospital-b").empty());  // never back to the sender
  ASSERT_EQ(ready("registry").size(), 1u);   // other peers still get it

  storage::SearchQuery q;
  q.type = "Provenance";
  q.limit = 10;
  const auto found = store_.search(q).matches;
  ASSERT_EQ(found.size(), 1u);
  const auto prov = store_.read("Provenance", found[0].id);
  ASSERT_TRUE(prov);
  EXPECT_NE(prov->body.find("\"Observation/in1/_history/1\""), std::string::npos) << prov->body;
  EXPECT_NE(prov->body.find("\"client-b\""), std::string::npos);
  EXPECT_NE(prov->body.find("\"hospital-b-lis\""), std::string::npos);
  EXPECT_NE(prov->body.find("urn:uuid:6f1c2a8e-0d3b-4c55-9a7e-2b1d5e8f9a01"), std::string::npos);
  auto doc = fhir::json::parse(prov->body);
  ASSERT_TRUE(doc);
  const auto outcome = validator_.validate(doc.document->root(), nullptr);
  EXPECT_FALSE(outcome.has_errors()) << prov->body;

  // The same delivery again (at-least-once): nothing new is written, so no second Provenance.
  ASSERT_EQ(call("POST", "/fhir", bundle, {{"x-fhirgw-peer", "hospital-b"}}).status, 200);
  EXPECT_EQ(store_.search(q).matches.size(), 1u);
  EXPECT_EQ(ready("registry").size(), 1u);
}

// Creates by POST (alone, and in a transaction) take the path that prepares the stored form before the
// write transaction; what they wrote is named by the Provenance like a PUT.
TEST_F(OutboxTest, InboundCreatesAreNamedByTheProvenanceToo) {
  const std::vector<std::pair<std::string, std::string>> from_b = {{"x-fhirgw-peer", "hospital-b"}};
  const auto created = call("POST", "/fhir/Observation", observation("ignored", "1834-1"), from_b);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:0b0c1d2e-3f40-4152-8a63-748596a7b8c9","resource":)" +
                             observation("ignored", "1834-1") +
                             R"(,"request":{"method":"POST","url":"Observation"}}]})";
  ASSERT_EQ(call("POST", "/fhir", bundle, from_b).status, 200);

  storage::SearchQuery q;
  q.type = "Observation";
  q.limit = 10;
  const auto observations = store_.search(q).matches;
  ASSERT_EQ(observations.size(), 2u);
  q.type = "Provenance";
  const auto provenances = store_.search(q).matches;
  ASSERT_EQ(provenances.size(), 2u);
  std::string bodies;
  for (const auto& p : provenances) bodies += store_.read("Provenance", p.id)->body;
  for (const auto& o : observations) {
    EXPECT_NE(bodies.find("\"Observation/" + o.id + "/_history/1\""), std::string::npos) << bodies;
  }
}

// A forwarded transaction reads the current version of every PUT before its first write
// (resource_ops.h); the outcome must be what one read per entry gives: unchanged content writes
// nothing, a change makes the next version, a DELETE of the same resource earlier in the Bundle is
// seen by its PUT, and two PUTs of one resource (read one after the other) make two versions.
TEST_F(OutboxTest, ForwardedPutsMakeTheSameVersionsAsOneReadPerEntry) {
  const std::vector<std::pair<std::string, std::string>> from_b = {{"x-fhirgw-peer", "hospital-b"}};
  for (const char* id : {"same", "changed", "gone"}) {
    ASSERT_EQ(call("PUT", std::string("/fhir/Observation/") + id, observation(id, "1834-1"), from_b).status, 201);
  }
  auto put = [](const std::string& id, const std::string& code) {
    return R"({"resource":)" + observation(id, code) + R"(,"request":{"method":"PUT","url":"Observation/)" + id +
           R"("}})";
  };
  auto transaction = [](const std::string& entries) {
    return R"({"resourceType":"Bundle","type":"transaction","entry":[)" + entries + "]}";
  };
  const auto r =
      call("POST", "/fhir",
           transaction(put("same", "1834-1") + "," + put("changed", "1742-6") + "," + put("new", "1742-6") + "," +
                       put("gone", "1742-6") + R"(,{"request":{"method":"DELETE","url":"Observation/gone"}})"),
           from_b);
  ASSERT_EQ(r.status, 200) << r.body;
  auto version = [&](const std::string& id) {
    const auto v = store_.read("Observation", id);
    return v ? v->version : 0;
  };
  EXPECT_EQ(version("same"), 1);
  EXPECT_EQ(version("changed"), 2);
  EXPECT_EQ(version("new"), 1);
  EXPECT_EQ(version("gone"), 3);  // v2 the delete (run first), v3 the PUT after it
  // The stored body carries the version it was stored as (built before the transaction as version 1,
  // again inside for an update).
  for (const auto& [id, v] :
       std::vector<std::pair<std::string, std::string>>{{"changed", "2"}, {"new", "1"}, {"gone", "3"}}) {
    const auto stored = store_.read("Observation", id);
    EXPECT_NE(stored->body.find(R"("versionId":")" + v + "\""), std::string::npos) << stored->body;
  }
  EXPECT_NE(r.body.find(R"("location":"Observation/gone/_history/3")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("location":"Observation/same/_history/1")"), std::string::npos) << r.body;

  // Every index row of the Bundle is searchable; the old code of "changed" no longer matches it.
  const auto matching = call("GET", "/fhir/Observation?code=http://loinc.org|1742-6&_summary=count", "");
  EXPECT_NE(matching.body.find(R"("total":3)"), std::string::npos) << matching.body;

  // The Provenance names what was written, not the unchanged one.
  storage::SearchQuery provenance;
  provenance.type = "Provenance";
  provenance.limit = 10;
  std::string bodies;
  for (const auto& p : store_.search(provenance).matches) bodies += store_.read("Provenance", p.id)->body;
  EXPECT_NE(bodies.find("\"Observation/changed/_history/2\""), std::string::npos) << bodies;
  EXPECT_NE(bodies.find("\"Observation/gone/_history/3\""), std::string::npos) << bodies;
  EXPECT_EQ(bodies.find("\"Observation/same/_history/2\""), std::string::npos) << bodies;

  // The same resource twice in one Bundle: the second PUT sees the first.
  ASSERT_EQ(call("POST", "/fhir", transaction(put("twice", "1834-1") + "," + put("twice", "1742-6")), from_b).status,
            200);
  EXPECT_EQ(version("twice"), 2);
  const auto twice = store_.read("Observation", "twice");
  EXPECT_NE(twice->body.find("1742-6"), std::string::npos) << twice->body;
}

TEST_F(OutboxTest, OrderingRetriesAndDeadLetters) {
  ASSERT_EQ(call("PUT", "/fhir/Observation/o1", observation("o1", "1")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/o2", observation("o2", "1")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/o1", observation("o1", "2")).status, 200);
  auto rows = ready("hospital-b");
  ASSERT_EQ(rows.size(), 3u);
  // o1 v1 waits for a retry: o1 v2 must not overtake it; o2 is not held back.
  store_.outbox_failed(rows[0].seq, 1LL << 61, "HTTP 500: boom");
  rows = ready("hospital-b");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, "o2");
  const storage::OutboxPeerStats retrying = stats_of("hospital-b");
  EXPECT_EQ(retrying.pending, 3u);
  EXPECT_EQ(retrying.retrying, 1u);
  EXPECT_EQ(retrying.last_error, "HTTP 500: boom");
  EXPECT_GT(retrying.oldest_ms, 0);

  store_.outbox_dead_letter(store_.outbox_ready("hospital-b", 1LL << 62, 10)[0].seq, 5, "HTTP 500: boom");
  const storage::OutboxPeerStats dead_one = stats_of("hospital-b");
  EXPECT_EQ(dead_one.pending, 2u);
  EXPECT_EQ(dead_one.dead_letters, 1u);
  EXPECT_EQ(dead_one.last_error, "HTTP 500: boom");
  rows = ready("hospital-b");
  ASSERT_EQ(rows.size(), 2u);  // with v1 dead, v2 of o1 may go
  const auto dead = store_.dead_letters(10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].resource_id, "o1");
  EXPECT_EQ(dead[0].attempts, 2);
  EXPECT_TRUE(store_.retry_dead_letter(dead[0].id, 7));
  EXPECT_FALSE(store_.retry_dead_letter(dead[0].id, 7));
  EXPECT_TRUE(store_.dead_letters(10).empty());
  EXPECT_EQ(ready("hospital-b").size(), 3u);
}

// The pipelined worker's read (DeliveryWorker::prepare_after): the rows after those in flight, with their
// bodies; nothing while any row has failed, since that row (and what waits behind it) comes first.
TEST_F(OutboxTest, RowsAfterThoseInFlightUnlessOneFailed) {
  ASSERT_EQ(call("PUT", "/fhir/Observation/o1", observation("o1", "1")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/o2", observation("o2", "1")).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/o3", observation("o3", "1")).status, 201);
  const auto rows = ready("hospital-b");
  ASSERT_EQ(rows.size(), 3u);
  auto after = store_.outbox_after("hospital-b", rows[0].seq, 10);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id, "o2");
  EXPECT_EQ(after[1].id, "o3");
  EXPECT_NE(after[0].body.find("\"o2\""), std::string::npos);
  EXPECT_EQ(store_.outbox_after("hospital-b", rows[0].seq, 1).size(), 1u);
  EXPECT_TRUE(store_.outbox_after("hospital-b", rows[2].seq, 10).empty());
  EXPECT_TRUE(store_.outbox_after("registry", 0, 10).empty());

  store_.outbox_failed(rows[2].seq, 1, "HTTP 500: boom");  // due again already: still read from the start
  EXPECT_TRUE(store_.outbox_after("hospital-b", rows[0].seq, 10).empty());
  EXPECT_EQ(ready("hospital-b").size(), 3u);
}

TEST(TransactionBundle, IdempotentPutsAndDeletes) {
  storage::OutboxItem put;
  put.type = "Patient";
  put.id = "p1";
  put.body = R"({"resourceType":"Patient","id":"p1"})";
  storage::OutboxItem del;
  del.type = "Observation";
  del.id = "o1";
  del.deleted = true;
  const std::string b = outbox::transaction_bundle({&put, &del}, "urn:uuid:1");
  auto doc = fhir::json::parse(b);
  ASSERT_TRUE(doc) << b;
  EXPECT_NE(b.find(R"("request":{"method":"PUT","url":"Patient/p1"})"), std::string::npos) << b;
  EXPECT_NE(b.find(R"("request":{"method":"DELETE","url":"Observation/o1"})"), std::string::npos) << b;
  EXPECT_EQ(
      outbox::error_reason(
          500,
          R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"no"}]})"),
      "HTTP 500: no");
}

}  // namespace
}  // namespace fhirgw
