// The partial outbox_due index (schema 13, storage/sqlite_migrations.cpp): only rows that wait for a retry
// (next_attempt > 0) are in it. A schema-12 database with a full outbox (fresh rows and rows that failed) is
// migrated at start; afterwards the index holds exactly the waiting rows, the rows behind a waiting version
// of the same resource stay held, `outbox_after` stops while any row waits, the /admin/outbox counts
// (outbox_stats) are right, and dead-lettering the last waiting row lets the rest go in order. No sockets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sqlite_probe.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_migrations.h"
#include "storage/sqlite_store.h"
#include "temp_dir.h"

namespace fhirgw::storage {
namespace {

using TempDir = fhirgw::testing::TempDir;

constexpr std::int64_t kNow = 1'700'000'000'000;  // ms

std::string ids(const std::vector<OutboxItem>& items) {
  std::string out;
  for (const OutboxItem& item : items) out += item.id + "/" + std::to_string(item.version) + " ";
  return out;
}

// What a schema-12 fhirgw left in its outbox for peer "b" (seq order): o1 v1 failed twice and waits until
// kNow + 60 s; o1 v2 and o2 v1 fresh; o3 v1 failed once and is due again (kNow - 1); then `fresh` more fresh
// rows (f0, f1, ...). Peer "c": one fresh row. No bodies: RowsOnly reads are enough here.
void write_schema_12(const std::string& path, int fresh) {
  Connection db(path, false);
  migrate(db, {}, {}, 12);
  ASSERT_EQ(probe_int(path, "PRAGMA user_version"), 12);
  db.exec("BEGIN");
  auto add = [&](const std::string& peer, const std::string& id, int version, int attempts, std::int64_t next,
                 const std::string& error) {
    StatementScope s(
        db.cached("INSERT INTO outbox(peer, type, id, version, created, attempts, next_attempt, last_error) "
                  "VALUES(?1, 'Observation', ?2, ?3, ?4, ?5, ?6, ?7)"));
    s->bind(1, peer).bind(2, id).bind(3, std::int64_t{version}).bind(4, kNow - 1000);
    s->bind(5, std::int64_t{attempts}).bind(6, next).bind(7, error);
    s->step();
  };
  add("b", "o1", 1, 2, kNow + 60'000, "HTTP 503: later");
  add("b", "o1", 2, 0, 0, "");
  add("b", "o2", 1, 0, 0, "");
  add("b", "o3", 1, 1, kNow - 1, "HTTP 500: boom");
  for (int i = 0; i < fresh; ++i) add("b", "f" + std::to_string(i), 1, 0, 0, "");
  add("c", "o9", 1, 0, 0, "");
  db.exec("COMMIT");
}

TEST(OutboxDue, SchemaTwelveOutboxIsMigratedAndOnlyWaitingRowsAreIndexed) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  write_schema_12(path, 500);
  SqliteStore store({path, true, 2});
  EXPECT_EQ(probe_int(path, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_NE(probe_text(path, "SELECT sql FROM sqlite_master WHERE name = 'outbox_due'").find("WHERE next_attempt > 0"),
            std::string::npos);
  EXPECT_EQ(probe_text(path, "PRAGMA integrity_check"), "ok");
  // The index holds the two waiting rows, in due order (read through the index alone).
  EXPECT_EQ(probe_text(path,
                       "SELECT group_concat(id, ' ') FROM (SELECT id FROM outbox INDEXED BY outbox_due "
                       "WHERE peer = 'b' AND next_attempt > 0 ORDER BY next_attempt)"),
            "o3 o1");

  // o1 v2 stays behind o1 v1, which waits; o3 v1 is due again; the fresh rows go in seq order (the limit
  // counts the rows read, o1 v2 among them).
  const auto ready = store.outbox_ready("b", kNow, 5, OutboxRead::RowsOnly);
  EXPECT_EQ(ids(ready), "o2/1 o3/1 f0/1 f1/1 ");
  EXPECT_TRUE(store.outbox_after("b", 0, 10).empty()) << "rows wait for a retry: read from the start";
  EXPECT_EQ(store.outbox_after("c", 0, 10).size(), 1u);

  for (const OutboxPeerStats& st : store.outbox_stats()) {
    if (st.peer == "b") {
      EXPECT_EQ(st.pending, 504u);
      EXPECT_EQ(st.retrying, 2u);
      EXPECT_EQ(st.last_error, "HTTP 503: later");  // the row retried last
      EXPECT_EQ(st.oldest_ms, kNow - 1000);
    } else {
      EXPECT_EQ(st.peer, "c");
      EXPECT_EQ(st.pending, 1u);
      EXPECT_EQ(st.retrying, 0u);
    }
  }
}

// Written by schema 13: a fresh row is not in outbox_due until it fails; a failure puts it in (it holds its
// resource's later versions back), delivery and dead-lettering take rows out, and the counts follow.
TEST(OutboxDue, FailedRowsEnterTheIndexAndLeaveItWhenDeliveredOrDead) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  write_schema_12(path, 0);
  SqliteStore store({path, true, 2});
  const auto in_index = [&] {
    return probe_int(path, "SELECT COUNT(*) FROM outbox INDEXED BY outbox_due WHERE next_attempt > 0");
  };
  {
    auto txn = store.begin_write();
    for (const char* id : {"n1", "n2"}) {
      OutboxItem item;
      item.peer = "b";
      item.type = "Observation";
      item.id = id;
      item.version = 1;
      item.created_ms = kNow;
      txn->enqueue_outbox(item);
    }
    txn->commit();
  }
  EXPECT_EQ(in_index(), 2);  // o1 v1 and o3 v1 only
  const auto ready = store.outbox_ready("b", kNow, 10, OutboxRead::RowsOnly);
  ASSERT_EQ(ids(ready), "o2/1 o3/1 n1/1 n2/1 ");
  store.outbox_failed(ready[2].seq, kNow + 5'000, "HTTP 429: slow down");  // n1 waits (Retry-After)
  EXPECT_EQ(in_index(), 3);
  EXPECT_EQ(ids(store.outbox_ready("b", kNow, 10, OutboxRead::RowsOnly)), "o2/1 o3/1 n2/1 ");
  EXPECT_EQ(ids(store.outbox_ready("b", kNow + 5'000, 10, OutboxRead::RowsOnly)), "o2/1 o3/1 n1/1 n2/1 ");

  store.outbox_delivered({ready[0].seq, ready[1].seq, ready[2].seq, ready[3].seq});  // o2, o3, n1, n2
  EXPECT_EQ(in_index(), 1);                                                          // o1 v1
  EXPECT_TRUE(store.outbox_after("b", 0, 10).empty());
  const auto waiting = store.outbox_ready("b", kNow + 60'000, 10, OutboxRead::RowsOnly);
  ASSERT_EQ(ids(waiting), "o1/1 o1/2 ");
  store.outbox_dead_letter(waiting[0].seq, kNow + 60'000, "HTTP 503: gave up");
  EXPECT_EQ(in_index(), 0);
  // Nothing waits any more: o1 v2 goes, also on the fast path.
  EXPECT_EQ(ids(store.outbox_after("b", 0, 10)), "o1/2 ");
  for (const OutboxPeerStats& st : store.outbox_stats()) {
    if (st.peer != "b") continue;
    EXPECT_EQ(st.pending, 1u);
    EXPECT_EQ(st.retrying, 0u);
    EXPECT_EQ(st.dead_letters, 1u);
    EXPECT_EQ(st.last_error, "HTTP 503: gave up");
  }
}

}  // namespace
}  // namespace fhirgw::storage
