#include "storage/sqlite_migrations.h"

#include <algorithm>
#include <array>
#include <string>

#include "storage/search_query.h"
#include "storage/sqlite_connection.h"
#include "storage/store.h"

namespace fhirgw::storage {
namespace {

// Step N brings the schema from version N to N + 1: SQL, or nullptr for the steps done by a function
// below (5: drop_shared_rows, 7: add_patient_token_rows, 8: add_patient_token_sources, 10:
// key_history_by_rid).
constexpr int kSharedRowsStep = 5;
constexpr int kPatientTokenStep = 7;
constexpr int kPatientSourcesStep = 8;
constexpr int kHistoryByRidStep = 10;
constexpr std::array<const char*, kSchemaVersion> kSteps = {
    // 0 -> 1: resources, history, search indexes, conditional-create keys.
    R"sql(
CREATE TABLE resources(
  rid INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  body BLOB,
  UNIQUE(type, id));
CREATE INDEX resources_by_type_updated ON resources(type, last_updated);

CREATE TABLE resource_history(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  method TEXT NOT NULL,
  body BLOB,
  UNIQUE(type, id, version));
CREATE INDEX history_by_type ON resource_history(type, seq);
CREATE INDEX history_by_time ON resource_history(last_updated);

CREATE TABLE idx_token(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                       system TEXT NOT NULL, code TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX idx_token_code ON idx_token(type, param, code, system);
CREATE INDEX idx_token_rid ON idx_token(rid);

CREATE TABLE idx_string(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                        value TEXT NOT NULL, exact TEXT NOT NULL);
CREATE INDEX idx_string_value ON idx_string(type, param, value);
CREATE INDEX idx_string_rid ON idx_string(rid);

CREATE TABLE idx_date(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                      low INTEGER NOT NULL, high INTEGER NOT NULL);
CREATE INDEX idx_date_low ON idx_date(type, param, low);
CREATE INDEX idx_date_rid ON idx_date(rid);

CREATE TABLE idx_reference(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                           target_type TEXT NOT NULL, target_id TEXT NOT NULL, url TEXT NOT NULL);
CREATE INDEX idx_reference_target ON idx_reference(type, param, target_id, target_type);
CREATE INDEX idx_reference_rid ON idx_reference(rid);

CREATE TABLE idx_quantity(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                          value REAL NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL);
CREATE INDEX idx_quantity_value ON idx_quantity(type, param, value);
CREATE INDEX idx_quantity_rid ON idx_quantity(rid);

CREATE TABLE idx_number(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL, value REAL NOT NULL);
CREATE INDEX idx_number_value ON idx_number(type, param, value);
CREATE INDEX idx_number_rid ON idx_number(rid);

-- One row per conditional create that made a resource: the primary key is what makes 64 concurrent
-- "If-None-Exist: identifier=s|v" requests create exactly one resource.
CREATE TABLE conditional_keys(
  type TEXT NOT NULL,
  criteria TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY(type, criteria));
)sql",
    // 1 -> 2: index tables clustered by resource (WITHOUT ROWID, primary key starting with rid): one
    // b-tree less per index row, and the "does resource rid have a matching row" probes of a search
    // are one clustered lookup. The search indexes end in rid, so the rows of one value come out in
    // resource order and a search can page by rid (keyset) without sorting or collecting all matches.
    // Exact duplicate rows of one resource carry nothing and are dropped (INSERT OR IGNORE).
    R"sql(
CREATE TABLE idx_token2(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                        system TEXT NOT NULL, code TEXT NOT NULL, text TEXT NOT NULL,
                        PRIMARY KEY(rid, param, system, code, text)) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_token2 SELECT rid, type, param, system, code, text FROM idx_token;
DROP TABLE idx_token;
ALTER TABLE idx_token2 RENAME TO idx_token;
CREATE INDEX idx_token_code ON idx_token(type, param, code, system);

CREATE TABLE idx_string2(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                         value TEXT NOT NULL, exact TEXT NOT NULL,
                         PRIMARY KEY(rid, param, value, exact)) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_string2 SELECT rid, type, param, value, exact FROM idx_string;
DROP TABLE idx_string;
ALTER TABLE idx_string2 RENAME TO idx_string;
CREATE INDEX idx_string_value ON idx_string(type, param, value);

CREATE TABLE idx_date2(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                       low INTEGER NOT NULL, high INTEGER NOT NULL,
                       PRIMARY KEY(rid, param, low, high)) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_date2 SELECT rid, type, param, low, high FROM idx_date;
DROP TABLE idx_date;
ALTER TABLE idx_date2 RENAME TO idx_date;
CREATE INDEX idx_date_low ON idx_date(type, param, low);

CREATE TABLE idx_reference2(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                            target_type TEXT NOT NULL, target_id TEXT NOT NULL, url TEXT NOT NULL,
                            PRIMARY KEY(rid, param, target_type, target_id, url)) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_reference2 SELECT rid, type, param, target_type, target_id, url FROM idx_reference;
DROP TABLE idx_reference;
ALTER TABLE idx_reference2 RENAME TO idx_reference;
CREATE INDEX idx_reference_target ON idx_reference(type, param, target_id, target_type);

CREATE TABLE idx_quantity2(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
                           value REAL NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL,
                           PRIMARY KEY(rid, param, value, system, code)) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_quantity2 SELECT rid, type, param, value, system, code FROM idx_quantity;
DROP TABLE idx_quantity;
ALTER TABLE idx_quantity2 RENAME TO idx_quantity;
CREATE INDEX idx_quantity_value ON idx_quantity(type, param, value);

CREATE TABLE idx_number2(rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL, value REAL NOT NULL,
                         PRIMARY KEY(rid, param, value)) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_number2 SELECT rid, type, param, value FROM idx_number;
DROP TABLE idx_number;
ALTER TABLE idx_number2 RENAME TO idx_number;
CREATE INDEX idx_number_value ON idx_number(type, param, value);
)sql",
    // 2 -> 3: the forwarding outbox (one row per stored version and peer, written in the same
    // transaction as the version) and the dead letters it gives up on.
    R"sql(
CREATE TABLE outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  peer TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  created INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX outbox_by_peer ON outbox(peer, seq);
CREATE INDEX outbox_due ON outbox(peer, next_attempt);

CREATE TABLE dead_letters(
  dl INTEGER PRIMARY KEY AUTOINCREMENT,
  peer TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  created INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at INTEGER NOT NULL,
  last_error TEXT NOT NULL);
CREATE INDEX dead_letters_by_peer ON dead_letters(peer, dl);
)sql",
    // 3 -> 4: a row may ask for a DELETE at the peer for a version that is not a delete (the resource
    // stopped matching a search route), and the resources a search route sent to each peer are remembered
    // (so only those get that DELETE).
    R"sql(
ALTER TABLE outbox ADD COLUMN send_delete INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dead_letters ADD COLUMN send_delete INTEGER NOT NULL DEFAULT 0;
CREATE TABLE outbox_routed(
  peer TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY(peer, type, id)) WITHOUT ROWID;
)sql",
    // 4 -> 5: search paging in resource order without a sort. A reference search without a target type
    // (`patient=123`: R4 gives the parameter two targets) had rid after target_type in the index, so the
    // first page sorted every match; rid now follows target_id. A search without criteria pages through
    // resources(type, deleted, rid) instead of sorting every resource of the type.
    R"sql(
DROP INDEX idx_reference_target;
CREATE INDEX idx_reference_target ON idx_reference(type, param, target_id, rid, target_type);
CREATE INDEX resources_by_type ON resources(type, deleted);
)sql",
    nullptr,  // 5 -> 6: drop_shared_rows
    // 6 -> 7: no table changes, only what a history row holds (kHistoryBody): the current version's body
    // is no longer written twice. The step keeps an older fhirgw (which reads history bodies from
    // resource_history alone) from opening a database written this way.
    "-- body of the current version in resources only",
    nullptr,  // 7 -> 8: add_patient_token_rows
    nullptr,  // 8 -> 9: add_patient_token_sources
    // 9 -> 10: no table changes: Provenance.target and AuditEvent.entity rows may hold their target's rid
    // key instead of its id (target_rid_keys.h). The step keeps an older fhirgw, whose searches would not
    // find those rows, from opening a database written this way.
    "-- reference rows keyed by the target's rid",
    nullptr,  // 10 -> 11: key_history_by_rid
    // 11 -> 12: no table changes: Observation.specimen rows may hold their target's rid key
    // (target_rid_keys.h); an older fhirgw would not find them.
    "-- Observation.specimen rows keyed by the target's rid",
    // 12 -> 13: outbox_due holds only the rows that wait for a retry (next_attempt > 0, set by
    // outbox_failed): a fresh row has next_attempt 0 and was an index entry written at enqueue and deleted
    // at delivery that no query read. The queries on it say `next_attempt > 0` (what lets SQLite use a
    // partial index). Rebuilding the index puts the waiting rows of an existing outbox in it.
    R"sql(
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(peer, next_attempt) WHERE next_attempt > 0;
)sql",
    // 13 -> 14: identifier token rows are no longer stored per patient (kTokenParamNotPerPatient in
    // index_rows.h: no search reads them); the rows an older fhirgw wrote go. An older fhirgw would answer
    // `patient=X&identifier=Y` from this table and find nothing.
    "DELETE FROM idx_token_patient WHERE param = 'identifier';",
};

// 5 -> 6: one set of index rows where two search parameters index the same elements (R4 `patient` =
// the `subject` rows of Patient targets, `combo-code` = `code` + `component-code`, ...): the rows of
// the parameters that now read others' rows go. Which ones is data (the SearchParameter expressions,
// search/shared_index.h), so the list comes from the caller; each delete is a range of the
// (type, param, ...) search index.
void drop_shared_rows(Connection& db, const std::vector<std::pair<std::string, std::string>>& shared_params) {
  for (const char* table : {"idx_token", "idx_string", "idx_date", "idx_reference", "idx_quantity", "idx_number"}) {
    Statement& del = db.cached(std::string("DELETE FROM ") + table + " WHERE type = ? AND param = ?");
    for (const auto& [type, param] : shared_params) {
      StatementScope scope(del);
      del.bind(1, type).bind(2, param);
      del.step();
    }
  }
}

// 7 -> 8: token rows per patient (gateway/search/README.md): a search by patient and code reads one
// range of (type, patient, param, code, system, rid) instead of probing every resource of the patient
// for the code; `patient` is a Patient's id. Filled here from the stored token and reference rows of
// each type's `patient` rows (which ones is data: search::ParamCatalog::patient_rows); the reference
// index yields them by patient, so the inserts stay within one patient's range of the new table.
// The rows of one type (its `patient` rows are `source`), from its stored token and reference rows.
void fill_patient_token_rows(Connection& db, const std::string& type, const IndexSource& source) {
  StatementScope fill(
      db.cached("INSERT OR IGNORE INTO idx_token_patient SELECT t.type, r.target_id, t.param, t.code, t.system, t.rid "
                "FROM idx_reference r JOIN idx_token t ON t.rid = r.rid "
                "WHERE r.type = ?1 AND r.param = ?2 AND r.target_type = ?3 AND r.target_id <> '' AND t.param <> ?4"));
  fill->bind(1, type).bind(2, source.param).bind(3, source.target_type);
  fill->bind(4, kTokenParamNotPerPatient);  // schema 14
  fill->step();
}

void add_patient_token_rows(Connection& db, const std::vector<std::pair<std::string, IndexSource>>& patient_rows) {
  // IF NOT EXISTS and OR IGNORE: the step can run again on a database whose version was set back by hand.
  db.exec(R"sql(
CREATE TABLE IF NOT EXISTS idx_token_patient(type TEXT NOT NULL, patient TEXT NOT NULL, param TEXT NOT NULL,
                               code TEXT NOT NULL, system TEXT NOT NULL, rid INTEGER NOT NULL,
                               PRIMARY KEY(type, patient, param, code, system, rid)) WITHOUT ROWID;
)sql");
  for (const auto& [type, source] : patient_rows) fill_patient_token_rows(db, type, source);
}

void record_patient_token_source(Connection& db, const std::string& type, const IndexSource& source) {
  StatementScope add(db.cached("INSERT OR REPLACE INTO idx_token_patient_sources VALUES(?, ?, ?)"));
  add->bind(1, type).bind(2, source.param).bind(3, source.target_type);
  add->step();
}

// 8 -> 9: which types idx_token_patient holds rows for (step 8 filled those of `patient_rows`), so a
// later start whose catalog differs (other packages loaded) fills or drops types (sync_patient_token_rows)
// instead of answering searches from a table without the rows of some resources.
void add_patient_token_sources(Connection& db, const std::vector<std::pair<std::string, IndexSource>>& patient_rows) {
  db.exec(R"sql(
CREATE TABLE IF NOT EXISTS idx_token_patient_sources(type TEXT PRIMARY KEY, param TEXT NOT NULL,
                                                     target_type TEXT NOT NULL) WITHOUT ROWID;
)sql");
  for (const auto& [type, source] : patient_rows) record_patient_token_source(db, type, source);
}

// Every start: the types of `patient_rows` that the table has no rows for are filled, types it no longer
// names are dropped (their rows would not be kept up to date by the writes of this catalog).
void sync_patient_token_rows(Connection& db, const std::vector<std::pair<std::string, IndexSource>>& patient_rows) {
  std::vector<std::pair<std::string, IndexSource>> stored;
  {
    StatementScope list(db.cached("SELECT type, param, target_type FROM idx_token_patient_sources ORDER BY type"));
    while (list->step()) stored.push_back({list->column_text(0), {list->column_text(1), list->column_text(2)}});
  }
  auto same = [](const std::pair<std::string, IndexSource>& a, const std::pair<std::string, IndexSource>& b) {
    return a.first == b.first && a.second.param == b.second.param && a.second.target_type == b.second.target_type;
  };
  auto contains = [&](const std::vector<std::pair<std::string, IndexSource>>& list, const auto& entry) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return same(e, entry); });
  };
  const bool changed =
      stored.size() != patient_rows.size() ||
      !std::all_of(stored.begin(), stored.end(), [&](const auto& e) { return contains(patient_rows, e); });
  if (!changed) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const auto& entry : stored) {
      if (contains(patient_rows, entry)) continue;
      for (const char* table : {"idx_token_patient", "idx_token_patient_sources"}) {
        StatementScope del(db.cached(std::string("DELETE FROM ") + table + " WHERE type = ?"));
        del->bind(1, entry.first);
        del->step();
      }
    }
    for (const auto& entry : patient_rows) {
      if (contains(stored, entry)) continue;
      fill_patient_token_rows(db, entry.first, entry.second);
      record_patient_token_source(db, entry.first, entry.second);
    }
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

// 10 -> 11: history rows keyed by their resource's rid, `(rid, version)` instead of `(type, id, version)`.
// Forwarded resources have random (UUIDv5) ids, so every new version went to a random leaf of the old key
// and dirtied a page of its own; a new resource's rid is the largest yet, so its history rows append. A
// resource keeps its rid for good (updates, deletes and re-creates keep its `resources` row), so every
// history row has one: a row without a `resources` row (none is ever deleted) stops the step rather than
// being dropped. seq (and the AUTOINCREMENT counter, which may be past the largest seq) is kept. A current
// version's body, which rows written before schema 7 hold in both tables, is kept in `resources` only (what
// schema 7 writes; kHistoryBody reads the same): the copy does not write every body a second time.
void key_history_by_rid(Connection& db) {
  {
    StatementScope orphans(
        db.cached("SELECT COUNT(*) FROM resource_history h "
                  "WHERE NOT EXISTS (SELECT 1 FROM resources r WHERE r.type = h.type AND r.id = h.id)"));
    if (orphans->step() && orphans->column_int(0) != 0) {
      throw StorageError("schema step 10 -> 11: " + std::to_string(orphans->column_int(0)) +
                         " resource_history rows have no resources row");
    }
  }
  db.exec(R"sql(
CREATE TABLE resource_history_by_rid(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  rid INTEGER NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  method TEXT NOT NULL,
  body BLOB,
  UNIQUE(rid, version));
INSERT INTO resource_history_by_rid(seq, rid, type, id, version, last_updated, method, body)
  SELECT h.seq, r.rid, h.type, h.id, h.version, h.last_updated, h.method,
         CASE WHEN h.version = r.version AND r.deleted = 0 THEN NULL ELSE h.body END
  FROM resource_history h JOIN resources r ON r.type = h.type AND r.id = h.id ORDER BY h.seq;
DELETE FROM sqlite_sequence WHERE name = 'resource_history_by_rid';
INSERT INTO sqlite_sequence(name, seq) SELECT 'resource_history_by_rid', seq FROM sqlite_sequence
  WHERE name = 'resource_history';
DROP TABLE resource_history;
ALTER TABLE resource_history_by_rid RENAME TO resource_history;
CREATE INDEX history_by_type ON resource_history(type, seq);
CREATE INDEX history_by_time ON resource_history(last_updated);
)sql");
}

}  // namespace

void migrate(Connection& db, const std::vector<std::pair<std::string, std::string>>& shared_params,
             const std::vector<std::pair<std::string, IndexSource>>& patient_rows, int up_to) {
  Statement& get = db.cached("PRAGMA user_version");
  int version = 0;
  {
    StatementScope scope(get);
    if (get.step()) version = static_cast<int>(get.column_int(0));
  }
  if (version > kSchemaVersion) {
    throw StorageError("database schema version " + std::to_string(version) + " is newer than this fhirgw supports (" +
                       std::to_string(kSchemaVersion) + ")");
  }
  for (int step = version; step < std::min(up_to, kSchemaVersion); ++step) {
    db.exec("BEGIN IMMEDIATE");
    try {
      if (step == kSharedRowsStep) {
        drop_shared_rows(db, shared_params);
      } else if (step == kPatientTokenStep) {
        add_patient_token_rows(db, patient_rows);
      } else if (step == kPatientSourcesStep) {
        add_patient_token_sources(db, patient_rows);
      } else if (step == kHistoryByRidStep) {
        key_history_by_rid(db);
      } else {
        db.exec(kSteps[static_cast<std::size_t>(step)]);
      }
      db.exec("PRAGMA user_version = " + std::to_string(step + 1));
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
  sync_patient_token_rows(db, patient_rows);
}

}  // namespace fhirgw::storage
