// History rows keyed by their resource's rid (schema 11, storage/sqlite_migrations.cpp): a database written
// by schema 10 (history keyed by type, id, version) is rebuilt with every version, body, seq and the
// AUTOINCREMENT counter; rows that no resource owns stop the step; a rid given back by a rolled-back
// create names only the resource that takes it next. No sockets.
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

std::string body(const std::string& id, int version) {
  return R"({"resourceType":"Observation","id":")" + id + R"(","v":)" + std::to_string(version) + "}";
}

// A schema-10 database (the real steps up to 10) holding what a schema-10 fhirgw stored for: Observation a
// created, updated twice; b created, deleted, created again; c created after a's first update (so history
// order and rid order differ); one outbox row per version. As schema 7-10 wrote it: a history row has no
// body while its version is current (c's has one, as schema 6 wrote it). The AUTOINCREMENT counter is past
// the largest seq (rows were removed).
void write_schema_10(const std::string& path) {
  Connection db(path, false);
  migrate(db, {}, {}, 10);
  ASSERT_EQ(probe_int(path, "PRAGMA user_version"), 10);
  struct Row {
    const char* id;
    int version;
    const char* method;
  };
  const std::vector<Row> rows = {{"a", 1, "POST"},   {"b", 1, "POST"}, {"a", 2, "PUT"}, {"c", 1, "POST"},
                                 {"b", 2, "DELETE"}, {"a", 3, "PUT"},  {"b", 3, "PUT"}};
  db.exec("BEGIN");
  for (const Row& row : rows) {
    const bool deleted = std::string(row.method) == "DELETE";
    StatementScope current(
        db.cached("INSERT INTO resources(type, id, version, last_updated, deleted, body) VALUES('Observation', ?1, ?2, "
                  "?3, ?4, ?5) "
                  "ON CONFLICT(type, id) DO UPDATE SET version = ?2, last_updated = ?3, deleted = ?4, body = ?5"));
    current->bind(1, std::string(row.id)).bind(2, std::int64_t{row.version}).bind(3, std::int64_t{1000 * row.version});
    current->bind(4, std::int64_t{deleted ? 1 : 0});
    if (!deleted) current->bind(5, body(row.id, row.version));
    current->step();
    // The version it replaces keeps its body in its history row from now on.
    StatementScope keep(
        db.cached("UPDATE resource_history SET body = ?3 WHERE type = 'Observation' AND id = ?1 "
                  "AND version = ?2 AND method <> 'DELETE'"));
    keep->bind(1, std::string(row.id)).bind(2, std::int64_t{row.version - 1}).bind(3, body(row.id, row.version - 1));
    keep->step();
    StatementScope history(
        db.cached("INSERT INTO resource_history(type, id, version, last_updated, method) "
                  "VALUES('Observation', ?1, ?2, ?3, ?4)"));
    history->bind(1, std::string(row.id)).bind(2, std::int64_t{row.version}).bind(3, std::int64_t{1000 * row.version});
    history->bind(4, std::string(row.method));
    history->step();
    StatementScope outbox(
        db.cached("INSERT INTO outbox(peer, type, id, version, created) VALUES('peer', 'Observation', ?1, ?2, 0)"));
    outbox->bind(1, std::string(row.id)).bind(2, std::int64_t{row.version});
    outbox->step();
  }
  // c's current version as schema 6 and earlier stored it: its body in its history row too.
  db.exec("UPDATE resource_history SET body = (SELECT body FROM resources WHERE id = 'c') WHERE id = 'c'");
  db.exec("UPDATE sqlite_sequence SET seq = 100 WHERE name = 'resource_history'");
  db.exec("COMMIT");
}

TEST(HistoryByRid, SchemaTenDatabaseIsRebuiltWithEveryVersionAndItsOrder) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  write_schema_10(path);
  const auto seqs_before = probe_int(path, "SELECT SUM(seq * version) FROM resource_history");
  SqliteStore store({path, true, 2});
  EXPECT_EQ(probe_int(path, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(probe_int(path, "SELECT SUM(seq * version) FROM resource_history"), seqs_before);
  // Every row has its resource's rid, and the (rid, version) key is what the table is unique on.
  EXPECT_EQ(probe_int(path,
                      "SELECT COUNT(*) FROM resource_history h JOIN resources r ON r.rid = h.rid "
                      "AND r.type = h.type AND r.id = h.id"),
            7);
  EXPECT_EQ(probe_int(path,
                      "SELECT COUNT(*) FROM pragma_index_list('resource_history') l "
                      "JOIN pragma_index_info(l.name) i WHERE l.\"unique\" = 1 AND i.name = 'rid'"),
            1);
  EXPECT_EQ(probe_int(path, "SELECT COUNT(*) FROM pragma_index_list('resource_history') WHERE \"unique\" = 1"), 1);
  // Bodies of versions no longer current stay; a current version's is in `resources` only.
  EXPECT_EQ(probe_text(path,
                       "SELECT group_concat(v, ' ') FROM (SELECT id || version AS v FROM resource_history "
                       "WHERE body IS NOT NULL ORDER BY id, version)"),
            "a1 a2 b1");

  for (const auto& [id, versions] : std::vector<std::pair<std::string, int>>{{"a", 3}, {"b", 3}, {"c", 1}}) {
    for (int version = 1; version <= versions; ++version) {
      const auto v = store.vread("Observation", id, version);
      ASSERT_TRUE(v) << id << version;
      if (id == "b" && version == 2) {
        EXPECT_TRUE(v->deleted);
      } else {
        EXPECT_EQ(v->body, body(id, version)) << id << version;
      }
    }
    EXPECT_FALSE(store.vread("Observation", id, versions + 1));
  }
  HistoryQuery instance;
  instance.type = "Observation";
  instance.id = "b";
  const auto b = store.history(instance);
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_EQ(b.entries[0].body, body("b", 3));
  EXPECT_TRUE(b.entries[1].deleted);
  EXPECT_EQ(b.entries[2].body, body("b", 1));

  // System history: newest first, in the order they were stored (not by resource).
  const auto all = store.history(HistoryQuery{});
  std::string order;
  for (const auto& v : all.entries) order += v.id + std::to_string(v.version) + " ";
  EXPECT_EQ(order, "b3 a3 b2 c1 a2 b1 a1 ");

  const auto items = store.outbox_ready("peer", 0, 10);
  ASSERT_EQ(items.size(), 7u);
  for (const OutboxItem& item : items) {
    EXPECT_EQ(item.deleted, item.id == "b" && item.version == 2);
    if (!item.deleted) {
      EXPECT_EQ(item.body, body(item.id, static_cast<int>(item.version)));
    }
  }

  // Written on: the AUTOINCREMENT counter went on from 100, and a's version 3 body moves to its history row.
  {
    auto txn = store.begin_write();
    NewVersion v;
    v.type = "Observation";
    v.id = "a";
    v.body = body("a", 4);
    v.last_updated_ms = 4000;
    txn->put(v, Method::Update, 4);
    txn->commit();
  }
  EXPECT_EQ(probe_int(path, "SELECT MAX(seq) FROM resource_history"), 101);
  EXPECT_EQ(store.vread("Observation", "a", 3)->body, body("a", 3));
  EXPECT_EQ(store.vread("Observation", "a", 4)->body, body("a", 4));
}

// A history row whose resource is gone cannot be keyed: the step stops (and changes nothing) rather than
// dropping it.
TEST(HistoryByRid, HistoryRowWithoutItsResourceStopsTheStep) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  write_schema_10(path);
  {
    Connection db(path, false);
    db.exec("DELETE FROM resources WHERE id = 'c'");
  }
  try {
    SqliteStore store({path, true, 2});
    FAIL() << "opened";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("1 resource_history rows have no resources row"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(probe_int(path, "PRAGMA user_version"), 10);
  EXPECT_EQ(probe_int(path, "SELECT COUNT(*) FROM resource_history"), 7);
}

// A create that is rolled back gives its rid back; the next create takes it, and only that resource's
// history is found under it.
TEST(HistoryByRid, RidOfARolledBackCreateNamesOnlyTheNextResource) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  SqliteStore store({path, true, 2});
  auto create = [](WriteTransaction& txn, const std::string& id) {
    NewVersion v;
    v.type = "Observation";
    v.id = id;
    v.body = body(id, 1);
    v.last_updated_ms = 1000;
    txn.put(v, Method::Create, 1);
  };
  {
    auto txn = store.begin_write();
    create(*txn, "x");
    txn->commit();
  }
  {
    auto txn = store.begin_write();
    create(*txn, "y");  // not committed: rolled back
  }
  {
    auto txn = store.begin_write();
    create(*txn, "z");
    txn->commit();
  }
  EXPECT_EQ(probe_int(path, "SELECT rid FROM resources WHERE id = 'z'"), 2);
  EXPECT_FALSE(store.vread("Observation", "y", 1));
  HistoryQuery y;
  y.type = "Observation";
  y.id = "y";
  EXPECT_TRUE(store.history(y).entries.empty());
  HistoryQuery z = y;
  z.id = "z";
  const auto page = store.history(z);
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].body, body("z", 1));
}

}  // namespace
}  // namespace fhirgw::storage
