// SqliteStore: versions, history, delete markers, conditional keys, search compilation, durability
// across reopen. No sockets.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <tuple>

#include "sqlite_probe.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_migrations.h"
#include "storage/sqlite_store.h"
#include "storage/target_rid_keys.h"
#include "temp_dir.h"

namespace fhirgw::storage {
namespace {

using TempDir = fhirgw::testing::TempDir;

NewVersion obs(const std::string& id, const std::string& code, std::int64_t when) {
  NewVersion v;
  v.type = "Observation";
  v.id = id;
  v.body = R"({"resourceType":"Observation","id":")" + id + R"("})";
  v.last_updated_ms = when;
  v.index.tokens.push_back({"code", "http://loinc.org", code, "some text"});
  v.index.references.push_back({"subject", "Patient", "p1", "Patient/p1"});
  v.index.dates.push_back({"date", when, when + 999});
  v.index.quantities.push_back({"value-quantity", 25.0, "http://unitsofmeasure.org", "ng/mL"});
  return v;
}

void write(Store& store, const NewVersion& v) {
  auto txn = store.begin_write();
  const auto version = txn->current_version(v.type, v.id) + 1;
  txn->put(v, version == 1 ? Method::Create : Method::Update, version);
  txn->commit();
}

SearchClause token(const std::string& param, const std::string& system, const std::string& code) {
  SearchClause c;
  c.param = param;
  c.kind = ParamKind::Token;
  SearchValue v;
  v.system = system;
  v.has_system = !system.empty();
  v.code = code;
  c.any_of.push_back(v);
  return c;
}

// Readers keep their snapshot between reads while only AuditEvents are committed (storage/reader_pool.h);
// what a client was told is stored must still be read back at once, AuditEvents by their searches too.
TEST(SqliteStore, ReadsSeeEveryAcknowledgedWriteWhileReadersKeepSnapshots) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), true, 1});
  write(store, obs("a", "1", 1000));
  ASSERT_TRUE(store.read("Observation", "a"));  // the one reader now holds a snapshot

  NewVersion audit;
  audit.type = "AuditEvent";
  audit.id = "e1";
  audit.body = R"({"resourceType":"AuditEvent","id":"e1"})";
  audit.last_updated_ms = 1500;
  audit.index.tokens.push_back({"action", "http://hl7.org/fhir/audit-event-action", "R", ""});
  {
    auto txn = store.begin_write(WriteIntent::Unconditional);
    txn->put(audit, Method::Create, 1);
    txn->commit();
  }
  EXPECT_TRUE(store.read("AuditEvent", "e1"));
  SearchQuery by_action;
  by_action.type = "AuditEvent";
  by_action.all_of.push_back(token("action", "", "R"));
  EXPECT_EQ(store.search(by_action).matches.size(), 1u);
  HistoryQuery system_history;
  EXPECT_EQ(store.history(system_history).entries.size(), 2u);
  EXPECT_EQ(store.read_many({{"AuditEvent", "e1"}, {"Observation", "a"}}).size(), 2u);

  write(store, obs("a", "2", 2000));
  auto current = store.read("Observation", "a");
  ASSERT_TRUE(current);
  EXPECT_EQ(current->version, 2);
  SearchQuery by_code;
  by_code.type = "Observation";
  by_code.all_of.push_back(token("code", "http://loinc.org", "2"));
  EXPECT_EQ(store.search(by_code).matches.size(), 1u);
  store.flush();  // idle snapshots do not keep the WAL from being truncated
  EXPECT_EQ(std::filesystem::file_size(dir.file("db.sqlite-wal")), 0u);
}

// Reads between audit-only commits keep their snapshots, yet the WAL must still be checkpointed and
// reset (a kept snapshot pins the frames after it): its size stays bounded.
TEST(SqliteStore, KeptReaderSnapshotsDoNotLetTheWalGrowWithoutBound) {
  TempDir dir;
  SqliteOptions options{dir.file("db.sqlite"), false, 2};
  // Past 64 pages the writer checkpoints after its commit (no background pass: the test is deterministic).
  options.checkpoint.soft_pages = 64;
  options.checkpoint.hard_pages = 64;
  SqliteStore store(options);
  write(store, obs("a", "1", 1000));
  const std::string padding(8000, 'x');
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(store.read("Observation", "a"));
    NewVersion audit;
    audit.type = "AuditEvent";
    audit.id = "e" + std::to_string(i);
    audit.body = R"({"resourceType":"AuditEvent","id":")" + audit.id + R"(","outcomeDesc":")" + padding + R"("})";
    audit.last_updated_ms = 2000 + i;
    auto txn = store.begin_write(WriteIntent::Unconditional);
    txn->put(audit, Method::Create, 1);
    txn->commit();
  }
  // 400 commits of ~14 pages each: 21 MB of WAL when snapshots were always kept (measured), 3.8 MB now.
  EXPECT_LT(std::filesystem::file_size(dir.file("db.sqlite-wal")), 8'000'000u);
}

TEST(SqliteStore, VersionsHistoryAndDelete) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), true, 2});
  write(store, obs("a", "1", 1000));
  write(store, obs("a", "2", 2000));
  auto current = store.read("Observation", "a");
  ASSERT_TRUE(current);
  EXPECT_EQ(current->version, 2);
  EXPECT_FALSE(current->deleted);
  ASSERT_TRUE(store.vread("Observation", "a", 1));
  EXPECT_FALSE(store.vread("Observation", "a", 3));

  {
    auto txn = store.begin_write();
    EXPECT_TRUE(txn->remove("Observation", "a", 3, 3000));
    txn->commit();
  }
  current = store.read("Observation", "a");
  ASSERT_TRUE(current);
  EXPECT_TRUE(current->deleted);
  EXPECT_EQ(current->version, 3);

  HistoryQuery q;
  q.type = "Observation";
  q.id = "a";
  const auto page = store.history(q);
  ASSERT_EQ(page.entries.size(), 3u);
  EXPECT_EQ(page.total, 3u);
  EXPECT_EQ(page.entries[0].method, Method::Delete);
  EXPECT_EQ(page.entries[2].version, 1);
}

// Each version's own body comes back from vread, history and the outbox, while the current version's body
// is stored once (in `resources`; its history row has none until a later version or a delete replaces it).
// A database written before schema 7 (the body in both tables) reads the same.
TEST(SqliteStore, EveryVersionKeepsItsBodyWhileTheCurrentOneIsStoredOnce) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  auto body = [](int version) {
    return R"({"resourceType":"Observation","id":"a","v":)" + std::to_string(version) + "}";
  };
  auto count = [&](const std::string& sql) {
    Connection db(path, true);
    StatementScope s(db.cached(sql));
    return s->step() ? s->column_int(0) : -1;
  };
  auto check = [&](SqliteStore& store, int versions, bool deleted) {
    for (int version = 1; version <= versions; ++version) {
      const auto v = store.vread("Observation", "a", version);
      ASSERT_TRUE(v) << version;
      EXPECT_EQ(v->body, body(version)) << version;
    }
    HistoryQuery q;
    q.type = "Observation";
    q.id = "a";
    const auto page = store.history(q);
    ASSERT_EQ(page.entries.size(), static_cast<std::size_t>(versions + (deleted ? 1 : 0)));
    for (int version = 1; version <= versions; ++version) {
      EXPECT_EQ(page.entries[page.entries.size() - static_cast<std::size_t>(version)].body, body(version));
    }
  };
  {
    SqliteStore store({path, true, 2});
    for (int version = 1; version <= 3; ++version) {
      auto txn = store.begin_write();
      OutboxItem item;
      item.peer = "peer";
      item.type = "Observation";
      item.id = "a";
      item.version = version;
      txn->enqueue_outbox(item);
      NewVersion v = obs("a", "1", 1000 * version);
      v.body = body(version);
      txn->put(v, version == 1 ? Method::Create : Method::Update, version);
      txn->commit();
    }
    check(store, 3, false);
    const auto items = store.outbox_ready("peer", 0, 10);
    ASSERT_EQ(items.size(), 3u);
    for (const OutboxItem& item : items) EXPECT_EQ(item.body, body(static_cast<int>(item.version)));
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM resource_history WHERE body IS NULL"), 1);  // version 3's
  EXPECT_EQ(count("SELECT COUNT(*) FROM resource_history WHERE version = 3 AND body IS NULL"), 1);
  {
    SqliteStore store({path, true, 2});
    auto txn = store.begin_write();
    EXPECT_TRUE(txn->remove("Observation", "a", 4, 4000));
    txn->commit();
    check(store, 3, true);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM resource_history WHERE body IS NULL"), 1);  // the delete marker's
  {
    // As schema 6 stored it: the current version's body in its history row too.
    Connection db(path, false);
    db.exec("DELETE FROM resource_history WHERE version = 4");
    db.exec("UPDATE resources SET version = 3, deleted = 0, body = '" + body(3) + "'");
    db.exec("UPDATE resource_history SET body = '" + body(3) + "' WHERE version = 3");
    db.exec("PRAGMA user_version = 6");
  }
  SqliteStore store({path, true, 2});
  EXPECT_EQ(count("PRAGMA user_version"), kSchemaVersion);
  check(store, 3, false);
  write(store, [&] {
    NewVersion v = obs("a", "1", 5000);
    v.body = body(4);
    return v;
  }());
  check(store, 4, false);
}

// Later pages of a history keep the first page's snapshot: neither a new version nor one stamped with an
// earlier time but committed later (how the background audit writer stores AuditEvents) shifts them.
TEST(SqliteStore, HistoryPagesKeepTheFirstPagesSnapshot) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), true, 2});
  for (const char* id : {"a", "b", "c", "d"}) write(store, obs(id, "1", 5000));
  HistoryQuery q;
  q.limit = 2;
  const auto first = store.history(q);
  ASSERT_EQ(first.entries.size(), 2u);
  EXPECT_EQ(first.total, 4u);
  EXPECT_EQ(first.entries[0].id, "d");

  write(store, obs("e", "1", 6000));  // newer
  write(store, obs("f", "1", 1000));  // stamped earlier than everything, committed last
  q.snapshot = first.snapshot;
  q.offset = 2;
  const auto second = store.history(q);
  EXPECT_EQ(second.total, 4u);
  EXPECT_EQ(second.snapshot, first.snapshot);
  ASSERT_EQ(second.entries.size(), 2u);
  EXPECT_EQ(second.entries[0].id, "b");
  EXPECT_EQ(second.entries[1].id, "a");

  q.snapshot.reset();  // a new first page sees everything
  q.offset = 0;
  EXPECT_EQ(store.history(q).total, 6u);
}

TEST(SqliteStore, UncommittedTransactionLeavesNothing) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), true, 2});
  {
    auto txn = store.begin_write();
    txn->put(obs("x", "1", 1), Method::Create, 1);
    EXPECT_TRUE(txn->read("Observation", "x"));
  }
  EXPECT_FALSE(store.read("Observation", "x"));
}

// A transaction's index rows go in together (multi-row INSERTs in chunks of 64, 16, 4 and 1 rows), yet
// every read inside the transaction sees them, a second version replaces them, and exact duplicates of one
// resource are stored once.
TEST(SqliteStore, IndexRowsOfATransactionAreAllStoredAndSeenInside) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  SqliteStore store({path, true, 2});
  auto by_code = [](const std::string& code) {
    SearchQuery q;
    q.type = "Observation";
    q.all_of.push_back(token("code", "http://loinc.org", code));
    return q;
  };
  constexpr int kResources = 87;  // rows per table: chunks of 64, 16, 4, 1, 1 and 1
  {
    auto txn = store.begin_write();
    for (int i = 0; i < kResources; ++i) {
      NewVersion v = obs("o" + std::to_string(i), i % 2 ? "odd" : "even", 1000 + i);
      v.index.tokens.push_back(v.index.tokens.front());  // an exact duplicate
      txn->put(v, Method::Create, 1);
    }
    EXPECT_EQ(txn->search(by_code("odd")).total, static_cast<std::size_t>(kResources / 2));
    NewVersion again = obs("o0", "changed", 5000);
    txn->put(again, Method::Update, 2);  // replaces o0's rows, pending or not
    txn->commit();
  }
  EXPECT_EQ(store.search(by_code("odd")).total, static_cast<std::size_t>(kResources / 2));
  EXPECT_EQ(store.search(by_code("even")).total, static_cast<std::size_t>(kResources / 2));
  EXPECT_EQ(store.search(by_code("changed")).total, 1u);
  Connection db(path, true);
  StatementScope s(
      db.cached("SELECT (SELECT COUNT(*) FROM idx_token), (SELECT COUNT(*) FROM idx_quantity), "
                "(SELECT COUNT(*) FROM idx_date), (SELECT COUNT(*) FROM idx_reference)"));
  ASSERT_TRUE(s->step());
  for (int col = 0; col < 4; ++col) EXPECT_EQ(s->column_int(col), kResources) << col;
}

TEST(SqliteStore, SearchByTokenReferenceDateQuantity) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), true, 2});
  write(store, obs("a", "1", 1000));
  write(store, obs("b", "2", 5000));

  SearchQuery q;
  q.type = "Observation";
  q.all_of.push_back(token("code", "http://loinc.org", "2"));
  auto r = store.search(q);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].id, "b");

  q.all_of = {token("code", "", "1")};
  q.all_of[0].modifier = "not";
  r = store.search(q);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].id, "b");

  SearchClause date;
  date.param = "date";
  date.kind = ParamKind::Date;
  SearchValue dv;
  dv.prefix = Prefix::Gt;
  dv.low_ms = 2000;
  dv.high_ms = 2999;
  date.any_of.push_back(dv);
  q.all_of = {date};
  r = store.search(q);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].id, "b");

  SearchClause ref;
  ref.param = "subject";
  ref.kind = ParamKind::Reference;
  SearchValue rv;
  rv.target_type = "Patient";
  rv.target_id = "p1";
  ref.any_of.push_back(rv);
  q.all_of = {ref};
  q.sort = {SortKey{"date", ParamKind::Date, true, {}}};
  r = store.search(q);
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].id, "b");
  EXPECT_EQ(r.total, 2u);

  SearchClause qty;
  qty.param = "value-quantity";
  qty.kind = ParamKind::Quantity;
  SearchValue qv;
  qv.prefix = Prefix::Gt;
  qv.number = 20;
  qv.code = "ng/mL";
  qty.any_of.push_back(qv);
  q.all_of = {qty};
  EXPECT_EQ(store.search(q).matches.size(), 2u);
  q.all_of[0].any_of[0].number = 30;
  EXPECT_EQ(store.search(q).matches.size(), 0u);
}

// Keyset pages (limit + after cursor) come in resource order with their bodies, for a reference
// without a target type (index rows of two target types with the same id) and for no criteria at all.
std::vector<std::string> page_through(SqliteStore& store, SearchQuery q, std::vector<std::string>* bodies) {
  std::vector<std::string> ids;
  q.limit = 2;
  q.count_total = false;
  q.with_bodies = true;
  for (int pages = 0; pages < 10; ++pages) {
    const SearchResult r = store.search(q);
    EXPECT_EQ(r.bodies.size(), r.matches.size());
    for (std::size_t i = 0; i < r.matches.size(); ++i) {
      ids.push_back(r.matches[i].id);
      if (bodies && i < r.bodies.size()) bodies->push_back(r.bodies[i]);
    }
    if (!r.more) break;
    q.after = r.last_cursor;
  }
  return ids;
}

TEST(SqliteStore, KeysetPagesInResourceOrderWithBodies) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), true, 2});
  for (const char* id : {"e", "a", "d", "b"}) write(store, obs(id, "1", 1000));
  NewVersion group_subject = obs("c", "1", 1000);
  group_subject.index.references = {{"subject", "Group", "p1", "Group/p1"}};
  write(store, group_subject);
  write(store, obs("f", "1", 1000));
  {
    auto txn = store.begin_write();
    txn->remove("Observation", "d", 2, 2000);
    txn->commit();
  }

  SearchClause ref;
  ref.param = "subject";
  ref.kind = ParamKind::Reference;
  SearchValue rv;
  rv.target_id = "p1";  // no type: Patient/p1 and Group/p1
  ref.any_of.push_back(rv);
  SearchQuery q;
  q.type = "Observation";
  q.all_of = {ref};
  std::vector<std::string> bodies;
  EXPECT_EQ(page_through(store, q, &bodies), (std::vector<std::string>{"e", "a", "b", "c", "f"}));
  ASSERT_EQ(bodies.size(), 5u);
  EXPECT_EQ(bodies[3], group_subject.body);

  q.all_of[0].any_of[0].target_type = "Patient";
  EXPECT_EQ(page_through(store, q, nullptr), (std::vector<std::string>{"e", "a", "b", "f"}));

  q.all_of.clear();
  EXPECT_EQ(page_through(store, q, nullptr), (std::vector<std::string>{"e", "a", "b", "c", "f"}));
}

// Provenance.target and AuditEvent.entity rows hold the rid key of a target stored when they are written
// (storage/target_rid_keys.h), other targets by id; searches, chains and _include find both forms.
NewVersion with_references(const std::string& type, const std::string& id, std::vector<ReferenceRow> references) {
  NewVersion v;
  v.type = type;
  v.id = id;
  v.body = R"({"resourceType":")" + type + R"(","id":")" + id + R"("})";
  v.last_updated_ms = 1000;
  v.index.references = std::move(references);
  return v;
}

std::vector<std::string> ids_of(SqliteStore& store, const SearchQuery& q) {
  std::vector<std::string> ids;
  for (const ResourceRef& m : store.search(q).matches) ids.push_back(m.id);
  return ids;
}

std::vector<std::string> ids_of(SqliteStore& store, const std::string& type, const SearchClause& c) {
  SearchQuery q;
  q.type = type;
  q.all_of = {c};
  return ids_of(store, q);
}

SearchClause reference(const std::string& param, const std::string& target_type, const std::string& target_id) {
  SearchClause c;
  c.param = param;
  c.kind = ParamKind::Reference;
  SearchValue v;
  v.target_type = target_type;
  v.target_id = target_id;
  c.any_of.push_back(v);
  return c;
}

// idx_reference.target_id (or with `column` "url", the reference text) of `source`'s rows to `target_type`, sorted.
std::vector<std::string> stored_targets(const std::string& path, const std::string& source,
                                        const std::string& target_type, const std::string& column = "target_id") {
  Connection db(path, true);
  StatementScope s(db.cached("SELECT x." + column +
                             " FROM idx_reference x JOIN resources r ON r.rid = x.rid "
                             "WHERE r.id = ? AND x.target_type = ? ORDER BY 1"));
  s->bind(1, source).bind(2, target_type);
  std::vector<std::string> out;
  while (s->step()) out.push_back(s->column_text(0));
  return out;
}

TEST(SqliteStore, ProvenanceTargetsAndAuditEntitiesAreKeyedByTheTargetsRidAndFoundByIdOrRid) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  SqliteStore store({path, true, 2});
  write(store, obs("o1", "1", 1000));
  write(store, obs("o2", "2", 1000));
  {
    auto txn = store.begin_write();
    // In one transaction with its targets, written after them (what an inbound Provenance is).
    txn->put(obs("o3", "3", 1000), Method::Create, 1);
    txn->put(with_references("Provenance", "p1",
                             {{"target", "Observation", "o1", "Observation/o1/_history/1"},
                              {"target", "Observation", "o3", "Observation/o3/_history/1"},
                              {"target", "Observation", "later", "Observation/later"},
                              {"target", "Patient", "p1", "Patient/p1"}}),
             Method::Create, 1);
    txn->commit();
  }
  write(store, with_references("Provenance", "p2", {{"target", "Observation", "o2", "Observation/o2/_history/1"}}));
  // A reference whose "id" reads as a rid key (not a FHIR id) is not kept as one: it must not match o1.
  write(store, with_references("Provenance", "p3",
                               {{"target", "Observation", "~0000000000000001", "Observation/~0000000000000001"}}));
  write(store, with_references("AuditEvent", "a1", {{"entity", "Observation", "o2", "Observation/o2/_history/1"}}));

  Connection db(path, true);
  auto rid_of = [&](const std::string& type, const std::string& id) {
    StatementScope s(db.cached("SELECT rid FROM resources WHERE type = ? AND id = ?"));
    s->bind(1, type).bind(2, id);
    return s->step() ? s->column_int(0) : -1;
  };
  using Ids = std::vector<std::string>;
  // o1 and o3 by their rid keys, "later" (not stored yet) by its id; keys sort after ids.
  EXPECT_EQ(stored_targets(path, "p1", "Observation"),
            (Ids{"later", target_rid_key(rid_of("Observation", "o1")), target_rid_key(rid_of("Observation", "o3"))}));
  EXPECT_EQ(stored_targets(path, "p1", "Patient"), Ids{"p1"});  // patient rows stay ids
  EXPECT_EQ(stored_targets(path, "a1", "Observation"), Ids{target_rid_key(rid_of("Observation", "o2"))});
  EXPECT_EQ(stored_targets(path, "p3", "Observation"), Ids{""});
  EXPECT_EQ(rid_of("Observation", "o1"), 1);
  // A row with a target keeps no reference text; one without keeps it (searched by it).
  EXPECT_EQ(stored_targets(path, "p1", "Observation", "url"), (Ids{"", "", ""}));
  EXPECT_EQ(stored_targets(path, "p3", "Observation", "url"), Ids{"Observation/~0000000000000001"});

  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Observation", "o1")), Ids{"p1"});
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "", "o1")), Ids{"p1"});  // no type: any stored type
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Observation", "o2")), Ids{"p2"});
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Patient", "p1")), Ids{"p1"});
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Observation", "later")), Ids{"p1"});
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Specimen", "o1")), Ids{});
  EXPECT_EQ(ids_of(store, "AuditEvent", reference("entity", "Observation", "o2")), Ids{"a1"});
  EXPECT_EQ(ids_of(store, "AuditEvent", reference("entity", "", "o2")), Ids{"a1"});

  // The target stored after the reference, updated, deleted: the rows that name it are still found.
  write(store, obs("later", "4", 2000));
  write(store, obs("o1", "5", 3000));
  {
    auto txn = store.begin_write();
    txn->remove("Observation", "o2", 2, 4000);
    txn->commit();
  }
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Observation", "later")), Ids{"p1"});
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Observation", "o1")), Ids{"p1"});
  EXPECT_EQ(ids_of(store, "Provenance", reference("target", "Observation", "o2")), Ids{"p2"});
  EXPECT_EQ(ids_of(store, "AuditEvent", reference("entity", "Observation", "o2")), Ids{"a1"});

  // A chain through the rid keys and the ids: target:Observation.code=3 (o3, a key) and code=4 (later, an id).
  for (const auto& [code, expected] : {std::pair<std::string, Ids>{"3", {"p1"}}, {"4", {"p1"}}, {"1", {}}}) {
    SearchClause chain;
    chain.param = "target";
    chain.kind = ParamKind::Reference;
    chain.chain = Chain{"Observation", std::make_unique<SearchClause>(token("code", "http://loinc.org", code))};
    EXPECT_EQ(ids_of(store, "Provenance", chain), expected) << code;
  }

  // _include reads the targets back by id.
  std::vector<ResourceRef> targets = store.references_of({"Provenance", "p1"}, "target");
  std::sort(targets.begin(), targets.end(),
            [](const ResourceRef& a, const ResourceRef& b) { return std::tie(a.type, a.id) < std::tie(b.type, b.id); });
  EXPECT_EQ(targets, (std::vector<ResourceRef>{
                         {"Observation", "later"}, {"Observation", "o1"}, {"Observation", "o3"}, {"Patient", "p1"}}));
}

// Observation.specimen rows are keyed by the Specimen's rid too (schema 12), also when the Specimen is put
// after the Observation in the same transaction (a mapped lab Bundle's order): the row is resolved when
// the rows are inserted. A Specimen still not stored when they are keeps the id; both forms are found.
TEST(SqliteStore, SpecimenReferencesAreKeyedByTheSpecimensRidWhenItIsWrittenLaterInTheTransaction) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  SqliteStore store({path, true, 2});
  {
    auto txn = store.begin_write();
    txn->put(with_references("Observation", "o1", {{"specimen", "Specimen", "s1", "urn:uuid:s1"}}), Method::Create, 1);
    txn->put(with_references("Observation", "o2", {{"specimen", "Specimen", "gone", "Specimen/gone"}}), Method::Create,
             1);
    txn->put(with_references("Specimen", "s1", {}), Method::Create, 1);
    txn->commit();
  }
  auto stored_target = [&](const std::string& source) {
    Connection db(path, true);
    StatementScope s(
        db.cached("SELECT x.target_id FROM idx_reference x JOIN resources r ON r.rid = x.rid "
                  "WHERE r.id = ? AND x.param = 'specimen'"));
    s->bind(1, source);
    return s->step() ? s->column_text(0) : std::string("(no row)");
  };
  EXPECT_EQ(stored_target("o1"), target_rid_key(3));  // s1 is the third resource stored
  EXPECT_EQ(stored_target("o2"), "gone");
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids_of(store, "Observation", reference("specimen", "Specimen", "s1")), Ids{"o1"});
  EXPECT_EQ(ids_of(store, "Observation", reference("specimen", "", "s1")), Ids{"o1"});
  EXPECT_EQ(ids_of(store, "Observation", reference("specimen", "Specimen", "gone")), Ids{"o2"});
  EXPECT_EQ(store.references_of({"Observation", "o1"}, "specimen"), (std::vector<ResourceRef>{{"Specimen", "s1"}}));

  // An update of the Observation in a later transaction: its old rows go, the new one is keyed at once.
  write(store, with_references("Observation", "o1", {{"specimen", "Specimen", "s1", "Specimen/s1"}}));
  EXPECT_EQ(stored_target("o1"), target_rid_key(3));
  EXPECT_EQ(ids_of(store, "Observation", reference("specimen", "Specimen", "s1")), Ids{"o1"});
}

// Targets written by the same transaction (created, updated, deleted) get the key of their own rid, which the
// transaction remembers from its writes; a target of another type with the same id is not one of them.
TEST(SqliteStore, ReferencesToResourcesWrittenInTheSameTransactionGetTheirRidKeys) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  SqliteStore store({path, true, 2});
  write(store, obs("u", "1", 1000));
  write(store, obs("d", "1", 1000));
  write(store, obs("x", "1", 1000));
  {
    auto txn = store.begin_write();
    txn->put(obs("n", "2", 2000), Method::Create, 1);
    txn->put(obs("u", "2", 2000), Method::Update, 2);
    ASSERT_TRUE(txn->remove("Observation", "d", 2, 2000));
    txn->put(with_references("AuditEvent", "a",
                             {{"entity", "Observation", "n", "Observation/n/_history/1"},
                              {"entity", "Observation", "u", "Observation/u/_history/2"},
                              {"entity", "Observation", "d", "Observation/d/_history/2"},
                              {"entity", "Specimen", "n", "Specimen/n"},
                              {"entity", "Observation", "x", "Observation/x/_history/1"}}),
             Method::Create, 1);
    txn->commit();
  }
  Connection db(path, true);
  auto rid_key = [&](const std::string& id) {
    StatementScope s(db.cached("SELECT rid FROM resources WHERE type = 'Observation' AND id = ?"));
    s->bind(1, id);
    return s->step() ? target_rid_key(s->column_int(0)) : std::string("(none)");
  };
  using Ids = std::vector<std::string>;
  Ids keys{rid_key("n"), rid_key("u"), rid_key("d"), rid_key("x")};
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(stored_targets(path, "a", "Observation"), keys);
  EXPECT_EQ(stored_targets(path, "a", "Specimen"), Ids{"n"});  // no Specimen n: the id
  for (const char* id : {"n", "u", "d", "x"}) {
    EXPECT_EQ(ids_of(store, "AuditEvent", reference("entity", "Observation", id)), Ids{"a"}) << id;
  }
}

// A reference row that carries its target's rid (a delivery AuditEvent's entities, read with their outbox
// rows) is keyed by it as given, without a lookup; Patient targets stay ids.
TEST(SqliteStore, AReferenceRowWithItsTargetsRidIsKeyedByIt) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  SqliteStore store({path, true, 2});
  write(store, obs("o1", "1", 1000));
  write(store, obs("o2", "1", 1000));
  ReferenceRow given{"entity", "Observation", "o1", "Observation/o1/_history/1"};
  given.target_rid = 2;  // o2's rid, not o1's: shows the row took the given rid rather than a lookup's
  ReferenceRow patient{"entity", "Patient", "p", "Patient/p"};
  patient.target_rid = 1;
  write(store, with_references("AuditEvent", "a", {given, patient}));
  EXPECT_EQ(stored_targets(path, "a", "Observation"), std::vector<std::string>{target_rid_key(2)});
  EXPECT_EQ(stored_targets(path, "a", "Patient"), std::vector<std::string>{"p"});
}

// _sort=target orders a rid-keyed row by the id its key names: rid order (zz, aa, mm) and the key mark
// ('~' sorts after every id character) must not show through.
TEST(SqliteStore, SortByProvenanceTargetOrdersRidKeyedRowsByTheTargetsId) {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  SqliteStore store({path, true, 2});
  for (const char* id : {"zz", "aa", "mm"}) write(store, obs(id, "1", 1000));
  for (const char* target : {"zz", "aa", "mm", "bb"}) {  // bb is not stored: its row holds the id
    write(store, with_references("Provenance", std::string("p-") + target,
                                 {{"target", "Observation", target, std::string("Observation/") + target}}));
  }
  // The stored targets' rows are keyed.
  ASSERT_EQ(probe_int(path, "SELECT COUNT(*) FROM idx_reference WHERE type = 'Provenance' AND target_id LIKE '~%'"), 3);
  SearchQuery q;
  q.type = "Provenance";
  q.sort = {SortKey{"target", ParamKind::Reference, false, {}}};
  EXPECT_EQ(ids_of(store, q), (std::vector<std::string>{"p-aa", "p-bb", "p-mm", "p-zz"}));
  q.sort.front().descending = true;
  EXPECT_EQ(ids_of(store, q), (std::vector<std::string>{"p-zz", "p-mm", "p-bb", "p-aa"}));
}

TEST(SqliteStore, ConditionalKeyIsClaimedOnce) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), true, 2});
  auto txn = store.begin_write();
  EXPECT_TRUE(txn->claim_conditional_key("Patient", "identifier=s|v", "p1"));
  EXPECT_FALSE(txn->claim_conditional_key("Patient", "identifier=s|v", "p2"));
  EXPECT_EQ(txn->conditional_key_owner("Patient", "identifier=s|v"), "p1");
  txn->commit();
}

TEST(SqliteStore, ConcurrentWritersAreSerialized) {
  TempDir dir;
  SqliteStore store({dir.file("db.sqlite"), false, 4});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&store] {
      for (int i = 0; i < 10; ++i) write(store, obs("shared", std::to_string(i), 1000 + i));
    });
  }
  for (auto& t : threads) t.join();
  const auto current = store.read("Observation", "shared");
  ASSERT_TRUE(current);
  EXPECT_EQ(current->version, 80);
}

// Group commit: writers that share one SQLite transaction stay all-or-nothing each. Every third
// transaction of each thread is rolled back (its savepoint only); all committed ones are on disk
// after a reopen, none of the rolled-back ones, and a rolled-back write never takes its batch
// neighbours with it.
TEST(SqliteStore, GroupCommitKeepsEachTransactionAllOrNothing) {
  TempDir dir;
  const std::string file = dir.file("db.sqlite");
  {
    SqliteStore store({file, true, 4});
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&store, t] {
        for (int i = 0; i < 30; ++i) {
          auto txn = store.begin_write();
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          txn->put(obs(id, "c" + id, 1000 + i), Method::Create, 1);
          txn->put(obs(id + "-twin", "c" + id, 1000 + i), Method::Create, 1);
          if (i % 3 != 2) txn->commit();  // else: destroyed without commit -> rolled back
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  SqliteStore reopened({file, true, 4});
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 30; ++i) {
      const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
      const bool committed = i % 3 != 2;
      EXPECT_EQ(reopened.read("Observation", id).has_value(), committed) << id;
      EXPECT_EQ(reopened.read("Observation", id + "-twin").has_value(), committed) << id;
      SearchQuery q;
      q.type = "Observation";
      q.all_of.push_back(token("code", "http://loinc.org", "c" + id));
      EXPECT_EQ(reopened.search(q).total, committed ? 2u : 0u) << id;
    }
  }
  EXPECT_EQ(reopened.stats().resources, 8u * 20u * 2u);
}

// An Unconditional transaction joins a commit group without a rollback point of its own, so when one is
// abandoned half-way (what a failure of the store would do) its whole group is rolled back and the
// other members' commit() throws. Whatever the grouping, a transaction (two creates and an update of
// its thread's own resource) is on disk exactly when its commit() returned, and never partly.
TEST(SqliteStore, UnconditionalTransactionsAreStoredExactlyWhenCommitReturns) {
  TempDir dir;
  const std::string file = dir.file("db.sqlite");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 30;
  std::vector<std::vector<int>> outcome(kThreads, std::vector<int>(kPerThread, 0));  // 1 stored, 0 not
  {
    SqliteStore store({file, true, 4});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&store, &outcome, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
          const bool unconditional = (t + i) % 2 == 0;
          try {
            auto txn = store.begin_write(unconditional ? WriteIntent::Unconditional : WriteIntent::General);
            txn->put(obs(id, "c" + id, 1000 + i), Method::Create, 1);
            txn->put(obs(id + "-twin", "c" + id, 1000 + i), Method::Create, 1);
            const std::string own = "thread-" + std::to_string(t);
            const std::int64_t version = txn->current_version("Observation", own) + 1;
            txn->put(obs(own, "c" + id, 1000 + i), version == 1 ? Method::Create : Method::Update, version);
            if (unconditional && i % 7 == 3) continue;  // abandoned: rolled back with its group
            txn->commit();
            outcome[t][i] = 1;
          } catch (const StorageError&) {
            // a neighbour in the commit group was abandoned
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  SqliteStore reopened({file, true, 4});
  int stored = 0;
  for (int t = 0; t < kThreads; ++t) {
    const int committed = static_cast<int>(std::count(outcome[t].begin(), outcome[t].end(), 1));
    const auto own = reopened.read("Observation", "thread-" + std::to_string(t));
    ASSERT_EQ(own.has_value(), committed > 0);
    if (own) {
      EXPECT_EQ(own->version, committed) << t;
    }
    for (int i = 0; i < kPerThread; ++i) {
      const std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
      EXPECT_EQ(reopened.read("Observation", id).has_value(), outcome[t][i] == 1) << id;
      EXPECT_EQ(reopened.read("Observation", id + "-twin").has_value(), outcome[t][i] == 1) << id;
      stored += outcome[t][i];
    }
  }
  EXPECT_GT(stored, kThreads * kPerThread / 2);
  EXPECT_EQ(reopened.stats().resources, 2u * static_cast<unsigned>(stored) + kThreads);
}

TEST(SqliteStore, DataSurvivesReopen) {
  TempDir dir;
  {
    SqliteStore store({dir.file("db.sqlite"), true, 2});
    write(store, obs("kept", "1", 1000));
  }
  SqliteStore reopened({dir.file("db.sqlite"), true, 2});
  EXPECT_TRUE(reopened.read("Observation", "kept"));
}

std::uintmax_t file_size(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

// The writer never checkpoints inside its COMMIT below the hard limit: with both limits out of reach
// every page stays in the WAL and the database file keeps its size.
TEST(SqliteStore, CheckpointsFollowTheConfiguredLimits) {
  TempDir dir;
  const std::string file = dir.file("db.sqlite");
  SqliteStore store({file, true, 2, {1 << 30, 1 << 30}});
  const auto before = file_size(file);
  for (int i = 0; i < 300; ++i) write(store, obs("n" + std::to_string(i), "1", 1000 + i));
  EXPECT_EQ(file_size(file), before);
  EXPECT_GT(file_size(file + "-wal"), 1000u * 4096u);  // more than SQLite's default autocheckpoint
}

// Past the soft limit the background thread copies the WAL into the database file.
TEST(SqliteStore, WalIsCheckpointedInTheBackground) {
  TempDir dir;
  const std::string file = dir.file("db.sqlite");
  SqliteStore store({file, true, 2, {16, 1 << 30}});
  const auto before = file_size(file);
  for (int i = 0; i < 300; ++i) write(store, obs("b" + std::to_string(i), "1", 1000 + i));
  for (int wait = 0; wait < 100 && file_size(file) <= before + 64 * 1024; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(file_size(file), before + 64 * 1024);
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(store.read("Observation", "b" + std::to_string(i))) << i;
}

// Past the hard limit the writer checkpoints after its commit, so the WAL is reused from its start
// and its file stays bounded however long the writes go on.
TEST(SqliteStore, HardLimitBoundsTheWal) {
  TempDir dir;
  const std::string file = dir.file("db.sqlite");
  {
    SqliteStore store({file, true, 2, {1 << 30, 64}});
    for (int i = 0; i < 600; ++i) write(store, obs("h" + std::to_string(i), "1", 1000 + i));
    EXPECT_LT(file_size(file + "-wal"), 200u * 4096u);  // 600 commits of several pages each, unbounded
  }
  SqliteStore reopened({file, true, 2});
  for (int i = 0; i < 600; ++i) EXPECT_TRUE(reopened.read("Observation", "h" + std::to_string(i))) << i;
}

}  // namespace
}  // namespace fhirgw::storage
