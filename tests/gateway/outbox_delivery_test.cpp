// One DeliveryWorker against a real HTTP peer on loopback (tests/support/http/test_http_server.h) with a
// real SqliteStore: what it sends, what it removes, and what it audits (through audit::Recorder, the
// interface the server's AuditLog implements; here a recorder that keeps the records).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "../support/http/test_http_server.h"
#include "audit/recorder.h"
#include "outbox/delivery_worker.h"
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

  // Stores version 1 of Patient/<id> with an outbox row for peer "b", as the router would.
  void store_patient(const std::string& id) {
    auto txn = store_.begin_write();
    storage::NewVersion v;
    v.type = "Patient";
    v.id = id;
    v.body = R"({"resourceType":"Patient","id":")" + id + R"("})";
    v.last_updated_ms = 1;
    txn->put(v, storage::Method::Create, 1);
    storage::OutboxItem row;
    row.peer = "b";
    row.type = "Patient";
    row.id = id;
    row.version = 1;
    row.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
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
    return testhttp::Response{200, {{"Content-Type", "application/fhir+json"}},
                              R"({"resourceType":"Bundle","type":"transaction-response"})"};
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
}

TEST_F(DeliveryTest, APoisonResourceIsADeadLetterTheOtherPassesBothAudited) {
  testhttp::Server peer_server([](const testhttp::Request& r) {
    if (r.body.find("\"poison\"") != std::string::npos) {
      return testhttp::Response{500, {}, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"no"}]})"};
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
    if (r.outcome == audit::Outcome::success && r.entities.size() == 1 && r.entities[0].reference == "Patient/fine/_history/1") {
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

}  // namespace
}  // namespace fhirgw::outbox
