// One DeliveryWorker against a real HTTP peer on loopback (tests/support/http/test_http_server.h) with a
// real SqliteStore: what it sends, what it removes, and what it audits (through audit::Recorder, the
// interface the server's AuditLog implements; here a recorder that keeps the records).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include "../support/http/test_http_server.h"
#include "audit/audit_event.h"
#include "audit/recorder.h"
#include "fhir/model/metadata.h"
#include "outbox/delivery_worker.h"
#include "search/param_catalog.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_store.h"

namespace fhirgw::outbox {
namespace {

class KeptRecords final : public audit::Recorder {
 public:
  bool record(audit::AuditRecord r) override {
    std::lock_guard lock(mutex_);
    records_.push_back(std::move(r));
    return true;
  }
  std::vector<audit::AuditRecord> all() {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  std::mutex mutex_;
  std::vector<audit::AuditRecord> records_;
};

class DeliveryTest : public ::testing::Test {
 protected:
  DeliveryTest()
      : dir_(std::filesystem::temp_directory_path() / ("fhirgw-delivery-" + std::to_string(std::random_device{}()))),
        store_({(dir_ / "db.sqlite").string(), false, 2}) {}
  ~DeliveryTest() override { std::filesystem::remove_all(dir_); }

  // Stores version `version` of Patient/<id> (its body names the version) with an outbox row for
  // peer "b", as the router would.
  void store_patient(const std::string& id, std::int64_t version = 1, std::int64_t age_ms = 0) {
    auto txn = store_.begin_write();
    storage::NewVersion v;
    v.type = "Patient";
    v.id = id;
    v.body = R"({"resourceType":"Patient","id":")" + id + R"(","language":"v)" + std::to_string(version) + R"("})";
    v.last_updated_ms = 1;
    txn->put(v, version == 1 ? storage::Method::Create : storage::Method::Update, version);
    storage::OutboxItem row;
    row.peer = "b";
    row.type = "Patient";
    row.id = id;
    row.version = version;
    row.created_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count() -
        age_ms;
    txn->enqueue_outbox(row);
    txn->commit();
  }

  PeerConfig peer(std::uint16_t port) {
    PeerConfig p;
    p.name = "b";
    p.url = "http://127.0.0.1:" + std::to_string(port) + "/fhir";
    p.max_attempts = 2;
    p.backoff_ms = 10;
    p.max_backoff_ms = 20;
    p.timeout_ms = 5000;
    return p;
  }

  bool drained() {
    for (int i = 0; i < 400; ++i) {
      if (store_.outbox_ready("b", 1LL << 62, 10).empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  std::filesystem::path dir_;
  storage::SqliteStore store_;
  DeliveryMetrics metrics_;
  KeptRecords audit_;
};

TEST_F(DeliveryTest, SendsOneTransactionAndAuditsIt) {
  std::vector<testhttp::Request> seen;
  std::mutex m;
  testhttp::Server peer_server([&](const testhttp::Request& r) {
    std::lock_guard lock(m);
    seen.push_back(r);
    return testhttp::Response{
        200, {{"Content-Type", "application/fhir+json"}}, R"({"resourceType":"Bundle","type":"transaction-response"})"};
  });
  store_patient("p1");
  store_patient("p2");
  const PeerConfig p = peer(peer_server.port());
  DeliveryWorker worker(store_, p, "node-a", metrics_, &audit_, [](std::string_view, std::string_view) {});
  worker.start();
  ASSERT_TRUE(drained());
  worker.stop();

  std::lock_guard lock(m);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/fhir");
  EXPECT_EQ(seen[0].headers["x-fhirgw-peer"], "node-a");
  EXPECT_EQ(seen[0].headers["prefer"], "return=minimal");  // the peer need not send every resource back
  EXPECT_NE(seen[0].body.find(R"("request":{"method":"PUT","url":"Patient/p1"})"), std::string::npos) << seen[0].body;
  EXPECT_NE(seen[0].body.find(R"("request":{"method":"PUT","url":"Patient/p2"})"), std::string::npos);
  const auto records = audit_.all();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].interaction, "transaction");
  EXPECT_EQ(records[0].outcome, audit::Outcome::success);
  EXPECT_EQ(records[0].client_id, "node-a");
  EXPECT_EQ(records[0].network_address, "127.0.0.1");
  ASSERT_EQ(records[0].entities.size(), 2u);
  EXPECT_EQ(records[0].entities[0].reference, "Patient/p1/_history/1");
  EXPECT_NE(metrics_.render().find("fhirgw_outbox_delivered_total{peer=\"b\"} 2"), std::string::npos);

  // Each entity carries its resource's rid, read with the outbox row, and the AuditEvent's entity index rows
  // take it (storage_sqlite_test: what the store keys with it); rows of Patient targets stay ids, and
  // AuditEvent?entity= finds the event.
  storage::Connection db((dir_ / "db.sqlite").string(), true);
  auto rid_of = [&](const std::string& id) {
    storage::StatementScope s(db.cached("SELECT rid FROM resources WHERE type = 'Patient' AND id = ?"));
    s->bind(1, id);
    return s->step() ? s->column_int(0) : -1;
  };
  EXPECT_EQ(records[0].entities[0].rid, rid_of("p1"));
  EXPECT_EQ(records[0].entities[1].rid, rid_of("p2"));
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  const storage::NewVersion event = audit::audit_event_version(records[0], catalog);
  std::vector<std::int64_t> entity_rids;
  for (const auto& row : event.index.references) {
    if (row.param == "entity") entity_rids.push_back(row.target_rid);
  }
  EXPECT_EQ(entity_rids, (std::vector<std::int64_t>{rid_of("p1"), rid_of("p2")}));
  {
    auto txn = store_.begin_write();
    txn->put(event, storage::Method::Create, 1);
    txn->commit();
  }
  storage::StatementScope keys(
      db.cached("SELECT target_id FROM idx_reference WHERE param = 'entity' ORDER BY target_id"));
  std::vector<std::string> stored;
  while (keys->step()) stored.push_back(keys->column_text(0));
  EXPECT_EQ(stored, (std::vector<std::string>{"p1", "p2"}));
  storage::SearchQuery q;
  q.type = "AuditEvent";
  storage::SearchClause c;
  c.param = "entity";
  c.kind = storage::ParamKind::Reference;
  storage::SearchValue v;
  v.target_type = "Patient";
  v.target_id = "p2";
  c.any_of.push_back(v);
  q.all_of.push_back(c);
  EXPECT_EQ(store_.search(q).matches.size(), 1u);
}

TEST_F(DeliveryTest, APoisonResourceIsADeadLetterTheOtherPassesBothAudited) {
  testhttp::Server peer_server([](const testhttp::Request& r) {
    if (r.body.find("\"poison\"") != std::string::npos) {
      return testhttp::Response{
          500,
          {},
          R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"no"}]})"};
    }
    return testhttp::Response{200, {}, R"({"resourceType":"Bundle","type":"transaction-response"})"};
  });
  store_patient("poison");
  store_patient("fine");
  const PeerConfig p = peer(peer_server.port());
  DeliveryWorker worker(store_, p, "node-a", metrics_, &audit_, [](std::string_view, std::string_view) {});
  worker.start();
  ASSERT_TRUE(drained());
  worker.stop();

  const auto dead = store_.dead_letters(10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].resource_id, "poison");
  EXPECT_EQ(dead[0].attempts, 2);
  EXPECT_EQ(dead[0].last_error, "HTTP 500: no");
  bool delivered_fine = false;
  bool audited_dead = false;
  for (const auto& r : audit_.all()) {
    if (r.outcome == audit::Outcome::success && r.entities.size() == 1 &&
        r.entities[0].reference == "Patient/fine/_history/1") {
      delivered_fine = true;
    }
    if (r.outcome == audit::Outcome::serious_failure && r.entities.size() == 1 &&
        r.entities[0].reference == "Patient/poison/_history/1") {
      audited_dead = true;
      EXPECT_NE(r.outcome_text.find("gave up after 2 attempts"), std::string::npos) << r.outcome_text;
    }
  }
  EXPECT_TRUE(delivered_fine);
  EXPECT_TRUE(audited_dead);
}

// A peer nobody listens for: after the first failed round the worker only checks that the peer answers
// before it builds Bundles again; rows still pass max_age into the dead letters with the connection
// error, and the others wait, their attempts unchanged (the peer being down is not their fault).
TEST_F(DeliveryTest, WhileThePeerIsDownRowsPastMaxAgeBecomeDeadLettersAndTheOthersWait) {
  std::uint16_t port = 0;
  ::close(testhttp::listen_loopback(port));  // a loopback port, closed again
  store_patient("fresh");
  PeerConfig p = peer(port);
  p.max_age_ms = 60'000;
  DeliveryWorker worker(store_, p, "node-a", metrics_, nullptr, [](std::string_view, std::string_view) {});
  worker.start();
  auto wait_for = [](const auto& done) {
    for (int i = 0; i < 400 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return done();
  };
  ASSERT_TRUE(wait_for([&] { return worker.peer_error().find("cannot connect") != std::string::npos; }))
      << worker.peer_error();
  store_patient("old", 1, 120'000);
  worker.wake();
  ASSERT_TRUE(wait_for([&] { return !store_.dead_letters(10).empty(); }));
  worker.stop();

  const auto dead = store_.dead_letters(10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].resource_id, "old");
  EXPECT_NE(dead[0].last_error.find("cannot connect"), std::string::npos) << dead[0].last_error;
  EXPECT_NE(dead[0].last_error.find("undelivered after max_age"), std::string::npos) << dead[0].last_error;
  const auto waiting = store_.outbox_ready("b", 1LL << 62, 10);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].id, "fresh");
  EXPECT_EQ(waiting[0].attempts, 0);
}

// Several Bundles in flight at once (in_flight, one connection each), while new versions keep
// arriving: every resource arrives, and the versions of one resource arrive in order (a resource
// is in one Bundle per round, and a round starts after the previous one was acknowledged).
TEST_F(DeliveryTest, BundlesInFlightKeepTheVersionOrderOfEachResource) {
  std::mutex m;
  std::map<std::string, std::vector<int>> received;  // resource id -> versions, in the order they came
  std::atomic<int> in_progress{0};
  std::atomic<int> most_at_once{0};
  std::atomic<int> requests{0};
  testhttp::Server peer_server([&](const testhttp::Request& r) {
    const int now = ++in_progress;
    for (int seen = most_at_once.load(); now > seen && !most_at_once.compare_exchange_weak(seen, now);) {
    }
    {
      std::lock_guard lock(m);
      static const std::regex entry(R"re("id":"(r[0-9]+)","language":"v([0-9]+)")re");
      for (std::sregex_iterator it(r.body.begin(), r.body.end(), entry), end; it != end; ++it) {
        received[(*it)[1]].push_back(std::stoi((*it)[2]));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the others arrive meanwhile
    ++requests;
    --in_progress;
    return testhttp::Response{200, {}, R"({"resourceType":"Bundle","type":"transaction-response"})"};
  });
  PeerConfig p = peer(peer_server.port());
  p.batch_size = 5;
  p.in_flight = 4;
  DeliveryWorker worker(store_, p, "node-a", metrics_, nullptr, [](std::string_view, std::string_view) {});
  constexpr int kResources = 40;
  constexpr int kVersions = 6;
  for (int id = 0; id < kResources; ++id) store_patient("r" + std::to_string(id), 1);
  worker.start();
  for (int version = 2; version <= kVersions; ++version) {
    for (int id = 0; id < kResources; ++id) store_patient("r" + std::to_string(id), version);
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
  ASSERT_TRUE(drained());
  worker.stop();

  std::lock_guard lock(m);
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kResources));
  for (const auto& [id, versions] : received) {
    ASSERT_FALSE(versions.empty()) << id;
    EXPECT_EQ(versions.back(), kVersions) << id;  // the newest version arrived last
    EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()) &&
                std::adjacent_find(versions.begin(), versions.end()) == versions.end())
        << id << ": a version overtook another";
  }
  EXPECT_GT(most_at_once.load(), 1) << "Bundles were never in flight together";
  EXPECT_GT(requests.load(), 1);
}

}  // namespace
}  // namespace fhirgw::outbox
