#include "storage/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unordered_map>
#include <vector>

#include "storage/row_batch.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_migrations.h"
#include "storage/sqlite_outbox.h"
#include "storage/sqlite_search.h"
#include "storage/target_rid_keys.h"
#include "storage/wal_write_buffer.h"

namespace fhirgw::storage {

const char* method_name(Method m) noexcept {
  switch (m) {
    case Method::Create: return "POST";
    case Method::Update: return "PUT";
    case Method::Delete: return "DELETE";
  }
  return "PUT";
}

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Method parse_method(std::string_view m) {
  if (m == "POST") return Method::Create;
  if (m == "DELETE") return Method::Delete;
  return Method::Update;
}

constexpr const char* kReadCurrent =
    "SELECT version, last_updated, deleted, body FROM resources WHERE type = ? AND id = ?";

std::optional<StoredVersion> read_current(Connection& db, const std::string& type, const std::string& id) {
  StatementScope s(db.cached(kReadCurrent));
  s->bind(1, type).bind(2, id);
  if (!s->step()) return std::nullopt;
  StoredVersion v;
  v.type = type;
  v.id = id;
  v.version = s->column_int(0);
  v.last_updated_ms = s->column_int(1);
  v.deleted = s->column_int(2) != 0;
  v.method = v.deleted ? Method::Delete : (v.version == 1 ? Method::Create : Method::Update);
  if (!v.deleted) v.body = s->column_text(3);
  return v;
}

// How long a reader may keep its snapshot while only the audit trail commits (reader_pool.h).
constexpr std::chrono::milliseconds kReaderSnapshotMaxAge{1000};

// Reads that may return AuditEvents (of that type, or of every type) must see the newest audit commits.
Freshness freshness_for(const std::string& type) {
  return type.empty() || type == "AuditEvent" ? Freshness::everything : Freshness::data;
}

// The writer's pragmas. synchronous=NORMAL in either setting: a COMMIT appends to the WAL without a
// sync, and with storage.synchronous full SqliteStore::sync_wal makes it durable outside the lock.
void apply_pragmas(Connection& db) {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = OFF");
  // Temporary files (statement sub-journals, large sorts) on disk: an in-memory sub-journal never
  // spills, and inside a group-commit savepoint it grows with the batch while every statement
  // truncates it from its start (quadratic); a file is truncated at once. Not synced: no durability cost.
  db.exec("PRAGMA temp_store = FILE");
  db.exec("PRAGMA cache_size = -65536");  // 64 MiB per connection
}

}  // namespace

struct SqliteStore::Batch {
  bool committed = false;  // COMMIT succeeded (visible; durable once settle_batch synced the WAL)
  bool done = false;       // settled: COMMIT and sync ran (or the transaction was lost)
  bool ok = false;         // ... and both succeeded
  bool data = false;       // changed more than AuditEvents (ends the readers' snapshots, see reader_pool.h)
};

class SqliteWriteTransaction final : public WriteTransaction {
 public:
  SqliteWriteTransaction(SqliteStore& store, std::unique_lock<std::mutex> lock, WriteIntent intent)
      : store_(store), lock_(std::move(lock)), db_(*store.writer_) {
    try {
      if (!store_.batch_) {
        db_.run("BEGIN IMMEDIATE");
        store_.batch_ = std::make_shared<SqliteStore::Batch>();
      } else if (intent == WriteIntent::General) {
        // Joining a batch that holds other writers' work: only a savepoint can undo ours alone. (The
        // first writer of a batch needs none.) A savepoint makes SQLite copy every page the
        // transaction changes to its sub-journal first, a quarter of the writer's time for creates.
        // Transactions that only the store itself can fail (WriteIntent::Unconditional) skip it.
        db_.run("SAVEPOINT w");
        savepoint_ = true;
      }
    } catch (...) {
      const auto committed = store_.commit_batch();
      lock_.unlock();
      store_.settle_batch(committed);
      throw;
    }
  }
  ~SqliteWriteTransaction() override {
    if (done_) return;
    try {
      if (savepoint_) {
        db_.run("ROLLBACK TO w");
        db_.run("RELEASE w");
      } else {
        db_.run("ROLLBACK");  // the whole batch: first in it, or WriteIntent::Unconditional
      }
    } catch (...) {
      // SQLite may have rolled the whole batch back on its own (I/O error, disk full); finish_batch
      // then tells the batch's waiting writers that their work is lost.
    }
    leave();
  }

  std::optional<StoredVersion> read(const std::string& type, const std::string& id) override {
    flush_index();
    return read_current(db_, type, id);
  }

  SearchResult search(const SearchQuery& query) override {
    flush_index();
    return run_search(db_, query, now_ms());
  }

  std::int64_t current_version(const std::string& type, const std::string& id) override {
    flush_index();
    StatementScope s(db_.cached("SELECT version FROM resources WHERE type = ? AND id = ?"));
    s->bind(1, type).bind(2, id);
    return s->step() ? s->column_int(0) : 0;
  }

  void put(const NewVersion& v, Method method, std::int64_t version) override {
    changed(v.type);
    if (version > 1) {
      flush_index();  // clear_index below must see every row of this resource
      keep_current_body(v.type, v.id);
    }
    const std::int64_t rid = version == 1 ? insert_current(v) : replace_current(v, version);
    written_rids_.try_emplace(written_key(v.type, v.id), rid);
    append_history(rid, v.type, v.id, version, v.last_updated_ms, method);
    if (version > 1) clear_index(rid);  // a first version has no index rows yet
    write_index(rid, v.type, v.index);
  }

  bool remove(const std::string& type, const std::string& id, std::int64_t version, std::int64_t when_ms) override {
    changed(type);
    flush_index();
    keep_current_body(type, id);
    std::int64_t rid = 0;
    {
      StatementScope s(
          db_.cached("UPDATE resources SET version = ?, last_updated = ?, deleted = 1, body = NULL "
                     "WHERE type = ? AND id = ? AND deleted = 0 RETURNING rid"));
      s->bind(1, version).bind(2, when_ms).bind(3, type).bind(4, id);
      if (!s->step()) return false;
      rid = s->column_int(0);
      written_rids_.try_emplace(written_key(type, id), rid);
      while (s->step()) {
      }
    }
    append_history(rid, type, id, version, when_ms, Method::Delete);
    clear_index(rid);
    // A deleted resource no longer satisfies its conditional create.
    StatementScope k(db_.cached("DELETE FROM conditional_keys WHERE type = ? AND id = ?"));
    k->bind(1, type).bind(2, id);
    k->step();
    return true;
  }

  bool claim_conditional_key(const std::string& type, const std::string& criteria, const std::string& id) override {
    changed(type);
    StatementScope s(
        db_.cached("INSERT INTO conditional_keys(type, criteria, id) VALUES(?, ?, ?) ON CONFLICT DO NOTHING"));
    s->bind(1, type).bind(2, criteria).bind(3, id);
    s->step();
    return db_.changes() == 1;
  }

  std::optional<std::string> conditional_key_owner(const std::string& type, const std::string& criteria) override {
    flush_index();
    StatementScope s(db_.cached("SELECT id FROM conditional_keys WHERE type = ? AND criteria = ?"));
    s->bind(1, type).bind(2, criteria);
    if (!s->step()) return std::nullopt;
    return s->column_text(0);
  }

  void enqueue_outbox(const OutboxItem& item) override {
    changed(item.type);
    // With the index rows (multi-row INSERTs, flushed before any read): seq follows the order of the calls.
    index_.outbox.add(item.peer, item.type, item.id, item.version, item.created_ms,
                      static_cast<std::int64_t>(item.send_delete));
  }
  bool set_routed(const std::string& peer, const std::string& type, const std::string& id, bool routed) override {
    changed(type);
    return set_outbox_routed(db_, peer, type, id, routed);
  }

  // Store-internal bookkeeping (the outbox's own rows) in this transaction. A data commit: the delivery
  // worker's next read of the outbox must not see rows it removed.
  void bookkeeping(const std::function<void()>& body) {
    store_.batch_->data = true;
    flush_index();
    body();
  }

  void commit() override {
    flush_index();
    if (savepoint_) db_.run("RELEASE w");
    done_ = true;
    const std::shared_ptr<SqliteStore::Batch> batch = store_.batch_;
    if (leave()) return;
    // Another writer continues the batch; the last one COMMITs it.
    std::unique_lock wait(store_.batch_mutex_);
    store_.batch_done_.wait(wait, [&] { return batch->done; });
    if (!batch->ok) throw StorageError("commit failed");
  }

 private:
  // Anything but an AuditEvent makes the batch a data commit (reader_pool.h: it ends the readers' snapshots).
  void changed(std::string_view type) {
    if (type != "AuditEvent") store_.batch_->data = true;
  }

  // The history row of a new version has no body: the current version's body is only in `resources`
  // (kHistoryBody); keep_current_body copies it here once a later version replaces it. Keyed by the
  // resource's rid (schema 11): a new resource's rows append to the (rid, version) index.
  void append_history(std::int64_t rid, const std::string& type, const std::string& id, std::int64_t version,
                      std::int64_t when, Method method) {
    StatementScope s(db_.cached(
        "INSERT INTO resource_history(rid, type, id, version, last_updated, method) VALUES(?, ?, ?, ?, ?, ?)"));
    s->bind(1, rid).bind_ref(2, type).bind_ref(3, id).bind(4, version).bind(5, when);
    s->bind_ref(6, method_name(method));
    s->step();
  }

  // Before (type, id) gets a new version or is deleted: its current body moves into its history row
  // (a row written before schema 7 already has it).
  void keep_current_body(const std::string& type, const std::string& id) {
    StatementScope s(
        db_.cached("UPDATE resource_history SET body = r.body FROM resources r "
                   "WHERE r.type = ?1 AND r.id = ?2 AND r.deleted = 0 AND resource_history.rid = r.rid "
                   "AND resource_history.version = r.version AND resource_history.body IS NULL"));
    s->bind(1, type).bind(2, id);
    s->step();
  }

  // A first version has no row yet. A plain one-row INSERT needs no statement journal, unlike an upsert
  // or RETURNING (SQLite then copies every page the statement touches to a temporary file first).
  std::int64_t insert_current(const NewVersion& v) {
    StatementScope s(
        db_.cached("INSERT INTO resources(type, id, version, last_updated, deleted, body) VALUES(?, ?, 1, ?, 0, ?)"));
    s->bind_ref(1, v.type).bind_ref(2, v.id).bind(3, v.last_updated_ms).bind_blob_ref(4, v.body);
    s->step();
    return sqlite3_last_insert_rowid(db_.handle());
  }

  // Later versions (also re-creating a deleted resource) replace the current row.
  std::int64_t replace_current(const NewVersion& v, std::int64_t version) {
    StatementScope s(db_.cached(
        "INSERT INTO resources(type, id, version, last_updated, deleted, body) VALUES(?, ?, ?, ?, 0, ?) "
        "ON CONFLICT(type, id) DO UPDATE SET version = excluded.version, last_updated = excluded.last_updated, "
        "deleted = 0, body = excluded.body RETURNING rid"));
    s->bind_ref(1, v.type).bind_ref(2, v.id).bind(3, version).bind(4, v.last_updated_ms).bind_blob_ref(5, v.body);
    std::int64_t rid = 0;
    if (s->step()) rid = s->column_int(0);
    while (s->step()) {
    }
    return rid;
  }

  void clear_index(std::int64_t rid) {
    // idx_token_patient is keyed by patient, not rid: its rows of this resource are the stored token
    // rows times the stored reference rows (a superset of the patient rows), each one key lookup.
    {
      StatementScope s(
          db_.cached("DELETE FROM idx_token_patient WHERE (type, patient, param, code, system, rid) IN "
                     "(SELECT t.type, r.target_id, t.param, t.code, t.system, t.rid "
                     "FROM idx_token t JOIN idx_reference r ON r.rid = t.rid WHERE t.rid = ?1 AND t.param <> ?2)"));
      s->bind(1, rid).bind(2, kTokenParamNotPerPatient);
      s->step();
    }
    for (const char* table : {"idx_token", "idx_string", "idx_date", "idx_reference", "idx_quantity", "idx_number"}) {
      StatementScope s(db_.cached(std::string("DELETE FROM ") + table + " WHERE rid = ?"));
      s->bind(1, rid);
      s->step();
    }
  }

  // The rows wait in index_ and go in with multi-row INSERTs (row_batch.h): before anything in this
  // transaction reads the store, and at commit.
  void write_index(std::int64_t rid, const std::string& type, const IndexRows& rows) {
    for (const TokenRow& t : rows.tokens) index_.tokens.add(rid, type, t.param, t.system, t.code, t.text);
    for (const std::string& patient : rows.patients) {
      for (const TokenRow& t : rows.tokens) {
        if (stored_per_patient(t.param)) index_.patient_tokens.add(type, patient, t.param, t.code, t.system, rid);
      }
    }
    for (const StringRow& t : rows.strings) index_.strings.add(rid, type, t.param, t.normalized, t.exact);
    for (const DateRow& t : rows.dates) index_.dates.add(rid, type, t.param, t.low_ms, t.high_ms);
    for (const ReferenceRow& t : rows.references) {
      if (!keyed_by_target_rid(type, t.param) || t.target_type.empty() || t.target_type == "Patient") {
        add_reference(rid, type, t, plain_target(t.target_id));
      } else if (t.target_rid != 0) {
        add_reference(rid, type, t, target_rid_key(t.target_rid));
      } else if (const auto it = written_rids_.find(written_key(t.target_type, t.target_id));
                 it != written_rids_.end()) {
        add_reference(rid, type, t, target_rid_key(it->second));
      } else {
        // Looked up when the rows go in: a target written later in this transaction (a lab Observation's
        // Specimen, after it in the Bundle) then needs no lookup in `resources` at all.
        pending_references_.push_back({rid, type, t});
      }
    }
    for (const QuantityRow& t : rows.quantities) index_.quantities.add(rid, type, t.param, t.value, t.system, t.code);
    for (const NumberRow& t : rows.numbers) index_.numbers.add(rid, type, t.param, t.value);
  }

  // What idx_reference.target_id holds (target_rid_keys.h): for the parameters keyed by the target's rid
  // (not Patient targets), the stored target's rid key; else the id, never an id that reads as a rid key.
  std::optional<std::string> target_key(const std::string& target_type, const std::string& target_id) {
    if (const auto it = written_rids_.find(written_key(target_type, target_id)); it != written_rids_.end())
      return target_rid_key(it->second);
    StatementScope s(db_.cached("SELECT rid FROM resources WHERE type = ? AND id = ?"));
    s->bind_ref(1, target_type).bind_ref(2, target_id);
    if (s->step()) return target_rid_key(s->column_int(0));
    return std::nullopt;
  }
  static std::string_view plain_target(const std::string& target_id) {
    return is_target_rid_key(target_id) ? std::string_view() : std::string_view(target_id);
  }
  // A row with a target (its id or rid key) keeps no reference text: searches read `url` only for values
  // without a target id (`urn:uuid:..`, `#contained`, URLs not naming a resource), whose rows have none
  // either (the same parse_reference), and sorts, chains and _include read the target. The text was ~50
  // bytes of every such row in idx_reference and again in idx_reference_target (a forwarded pair at B:
  // 7 rows). Rows written before keep theirs; they read the same.
  void add_reference(std::int64_t rid, const std::string& type, const ReferenceRow& t, std::string_view target) {
    index_.references.add(rid, type, t.param, t.target_type, target, target.empty() ? std::string_view(t.url) : "");
  }

  // The rows of rid-keyed parameters whose target this transaction had not written when their resource was
  // put: by the time the rows are inserted it may have (a Bundle writes a lab Observation before its
  // Specimen), or it is stored from before. Resolved once; still not stored, the row keeps the id.
  void resolve_pending_references() {
    for (const PendingReference& p : pending_references_) {
      const ReferenceRow& t = p.row;
      const auto key = target_key(t.target_type, t.target_id);
      add_reference(p.rid, p.type, t, key ? std::string_view(*key) : plain_target(t.target_id));
    }
    pending_references_.clear();
  }

  void flush_index() {
    if (!pending_references_.empty()) resolve_pending_references();
    for (RowBatch* batch : {&index_.tokens, &index_.patient_tokens, &index_.strings, &index_.dates, &index_.references,
                            &index_.quantities, &index_.numbers, &index_.outbox}) {
      if (!batch->empty()) batch->flush(db_);
    }
  }

  // Gives the connection up: the last writer of a batch (nobody waiting) COMMITs it. Returns true if
  // this transaction's batch is finished (committed, or throws if that failed).
  // The WAL sync of a durable COMMIT runs after the writer is released, so the next batch's SQL runs
  // during it; this writer (and the batch's others) is answered only after it.
  bool leave() {
    const std::shared_ptr<SqliteStore::Batch> batch = store_.batch_;
    const bool last = store_.writers_waiting_.load() == 0 || sqlite3_get_autocommit(db_.handle());
    const std::shared_ptr<SqliteStore::Batch> committed = last ? store_.commit_batch() : nullptr;
    lock_.unlock();
    store_.settle_batch(committed);
    if (last && done_ && batch && !batch->ok) throw StorageError("commit failed");
    return last;
  }

  SqliteStore& store_;
  std::unique_lock<std::mutex> lock_;
  Connection& db_;
  bool savepoint_ = false;  // joined an open batch: our work is SAVEPOINT w
  bool done_ = false;
  struct {
    RowBatch tokens{"INSERT OR IGNORE INTO idx_token", 6};
    RowBatch patient_tokens{"INSERT OR IGNORE INTO idx_token_patient", 6};
    RowBatch strings{"INSERT OR IGNORE INTO idx_string", 5};
    RowBatch dates{"INSERT OR IGNORE INTO idx_date", 5};
    RowBatch references{"INSERT OR IGNORE INTO idx_reference", 6};
    RowBatch quantities{"INSERT OR IGNORE INTO idx_quantity", 6};
    RowBatch numbers{"INSERT OR IGNORE INTO idx_number", 4};
    RowBatch outbox{"INSERT INTO outbox(peer, type, id, version, created, send_delete)", 6};
  } index_;  // rows not inserted yet (index rows and outbox rows)
  struct PendingReference {
    std::int64_t rid;
    std::string type;
    ReferenceRow row;
  };
  std::vector<PendingReference> pending_references_;  // resolve_pending_references
  // The rid of every resource this transaction wrote, by written_key: most rid-keyed references point at
  // those (an inbound Provenance's targets, the transaction's AuditEvent entities), which then need no
  // lookup of a random (type, id) key in `resources`. A resource's rid never changes.
  std::unordered_map<std::string, std::int64_t> written_rids_;
  // "type/id", built in one buffer reused by every call (valid until the next): a lookup allocates nothing.
  const std::string& written_key(const std::string& type, const std::string& id) {
    return written_key_.assign(type).append(1, '/').append(id);
  }
  std::string written_key_;
};

SqliteStore::SqliteStore(const SqliteOptions& options)
    : options_(options),
      readers_(options.path, options.read_connections, kReaderSnapshotMaxAge, options.reader_cache_kib) {
  const std::filesystem::path parent = std::filesystem::path(options_.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw StorageError("cannot create data directory '" + parent.string() + "': " + ec.message());
  }
  // The writer's WAL appends go out in few large writes (wal_write_buffer.h).
  writer_ = std::make_unique<Connection>(options_.path, false, wal_write_buffer_vfs());
  apply_pragmas(*writer_);
  migrate(*writer_, options_.shared_params, options_.patient_rows);
  checkpointer_ =
      std::make_unique<WalCheckpointer>(*writer_, options_.path, options_.synchronous_full, options_.checkpoint);
}

SqliteStore::~SqliteStore() {
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

std::optional<StoredVersion> SqliteStore::read(const std::string& type, const std::string& id) {
  ReaderLease db(readers_, freshness_for(type));
  return read_current(*db, type, id);
}

std::optional<StoredVersion> SqliteStore::vread(const std::string& type, const std::string& id, std::int64_t version) {
  ReaderLease db(readers_, freshness_for(type));
  StatementScope s(db->cached(std::string("SELECT h.last_updated, h.method, ") + kHistoryBody +
                              " FROM resource_history h" + kHistoryBodyJoin + " WHERE h.rid = " + kHistoryRid +
                              " AND h.version = ?3"));
  s->bind(1, type).bind(2, id).bind(3, version);
  if (!s->step()) return std::nullopt;
  StoredVersion v;
  v.type = type;
  v.id = id;
  v.version = version;
  v.last_updated_ms = s->column_int(0);
  v.method = parse_method(s->column_view(1));
  v.deleted = v.method == Method::Delete;
  v.body = s->column_text(2);
  return v;
}

std::vector<StoredVersion> SqliteStore::read_many(const std::vector<ResourceRef>& refs) {
  if (refs.empty()) return {};
  const bool audit = std::any_of(refs.begin(), refs.end(), [](const ResourceRef& r) { return r.type == "AuditEvent"; });
  ReaderLease db(readers_, audit ? Freshness::everything : Freshness::data);
  std::vector<StoredVersion> out;
  out.reserve(refs.size());
  for (const ResourceRef& r : refs) {
    auto v = read_current(*db, r.type, r.id);
    if (v && !v->deleted) out.push_back(std::move(*v));
  }
  return out;
}

HistoryPage SqliteStore::history(const HistoryQuery& q) {
  // The bound, the count and the page see the same snapshot (the lease's).
  ReaderLease db(readers_, freshness_for(q.type));
  HistoryPage page;
  if (q.snapshot) {
    page.snapshot = *q.snapshot;
  } else {
    auto newest = db->prepare("SELECT COALESCE(MAX(seq), 0) FROM resource_history");
    if (newest->step()) page.snapshot = newest->column_int(0);
  }
  std::string where = " WHERE h.seq <= ?4";
  if (!q.id.empty()) {
    where += std::string(" AND h.rid = ") + kHistoryRid;  // the rid names the type too
  } else if (!q.type.empty()) {
    where += " AND h.type = ?1";
  }
  if (q.since_ms) where += " AND h.last_updated >= ?3";
  auto bind = [&](Statement& s) {
    if (!q.type.empty()) s.bind(1, q.type);
    if (!q.id.empty()) s.bind(2, q.id);
    if (q.since_ms) s.bind(3, *q.since_ms);
    s.bind(4, page.snapshot);
  };
  {
    auto count = db->prepare("SELECT COUNT(*) FROM resource_history h" + where);
    bind(*count);
    if (count->step()) page.total = static_cast<std::size_t>(count->column_int(0));
  }
  auto s =
      db->prepare(std::string("SELECT h.type, h.id, h.version, h.last_updated, h.method, ") + kHistoryBody +
                  " FROM resource_history h" + kHistoryBodyJoin + where + " ORDER BY h.seq DESC LIMIT ?5 OFFSET ?6");
  bind(*s);
  s->bind(5, static_cast<std::int64_t>(q.limit)).bind(6, static_cast<std::int64_t>(q.offset));
  while (s->step()) {
    StoredVersion v;
    v.type = s->column_text(0);
    v.id = s->column_text(1);
    v.version = s->column_int(2);
    v.last_updated_ms = s->column_int(3);
    v.method = parse_method(s->column_view(4));
    v.deleted = v.method == Method::Delete;
    v.body = s->column_text(5);
    page.entries.push_back(std::move(v));
  }
  return page;
}

SearchResult SqliteStore::search(const SearchQuery& query) {
  ReaderLease db(readers_, freshness_for(query.type));  // the page and its count see the same snapshot
  return run_search(*db, query, now_ms());
}

std::vector<ResourceRef> SqliteStore::references_of(const ResourceRef& source, const std::string& param) {
  ReaderLease db(readers_, freshness_for(source.type));
  StatementScope s(
      db->cached("SELECT x.target_type, x.target_id FROM idx_reference x JOIN resources r ON r.rid = x.rid "
                 "WHERE r.type = ?1 AND r.id = ?2 AND (?3 = '' OR x.param = ?3) AND x.target_type <> ''"));
  s->bind(1, source.type).bind(2, source.id).bind(3, param);
  std::vector<ResourceRef> out;
  while (s->step()) {
    ResourceRef ref{s->column_text(0), s->column_text(1)};
    if (const auto rid = parse_target_rid_key(ref.id)) {  // target_rid_keys.h
      StatementScope id(db->cached("SELECT id FROM resources WHERE rid = ?"));
      id->bind(1, *rid);
      if (!id->step()) continue;
      ref.id = id->column_text(0);
    }
    if (std::find(out.begin(), out.end(), ref) == out.end()) out.push_back(std::move(ref));
  }
  return out;
}

std::unique_lock<std::mutex> SqliteStore::lock_writer() {
  writers_waiting_.fetch_add(1);
  std::unique_lock lock(write_mutex_);
  writers_waiting_.fetch_sub(1);
  return lock;
}

std::shared_ptr<SqliteStore::Batch> SqliteStore::commit_batch() {
  std::shared_ptr<Batch> batch = std::move(batch_);
  if (!batch) return nullptr;
  if (!sqlite3_get_autocommit(writer_->handle())) {  // autocommit: SQLite already rolled it back
    try {
      writer_->run("COMMIT");
      batch->committed = true;
    } catch (const StorageError&) {
      try {
        writer_->run("ROLLBACK");
      } catch (const StorageError&) {
      }
    }
  }
  // Before anyone is told: a later read must see this commit. No snapshot is kept while the WAL waits
  // for a checkpoint (reader_pool.h).
  readers_.committed(batch->data, !checkpointer_->wants_checkpoint());
  return batch;
}

void SqliteStore::settle_batch(const std::shared_ptr<Batch>& batch) {
  if (!batch) return;
  bool ok = batch->committed;
  if (ok) {
    try {
      sync_wal();
    } catch (const StorageError&) {
      ok = false;  // visible but maybe not durable: no writer of the batch gets a success
    }
  }
  {
    std::lock_guard g(batch_mutex_);
    batch->done = true;
    batch->ok = ok;
  }
  batch_done_.notify_all();
}

void SqliteStore::finish_batch() { settle_batch(commit_batch()); }

void SqliteStore::sync_wal() {
  if (!options_.synchronous_full) return;
  int fd = -1;
  {
    std::lock_guard g(wal_mutex_);
    if (wal_fd_ < 0) {
      // Opened once the first COMMIT made the file; SQLite keeps it (same inode) while the writer is open.
      const std::string wal = options_.path + "-wal";
      wal_fd_ = ::open(wal.c_str(), O_RDWR | O_CLOEXEC);
      if (wal_fd_ < 0) throw StorageError("cannot open " + wal + ": " + std::strerror(errno));
      // The new file's name must survive power loss too (what SQLite does for a journal it creates).
      std::filesystem::path dir = std::filesystem::path(wal).parent_path();
      if (dir.empty()) dir = ".";
      if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
    }
    fd = wal_fd_;
  }
  if (::fdatasync(fd) != 0) throw StorageError(std::string("fdatasync of the WAL failed: ") + std::strerror(errno));
}

std::unique_ptr<WriteTransaction> SqliteStore::begin_write(WriteIntent intent) {
  return std::make_unique<SqliteWriteTransaction>(*this, lock_writer(), intent);
}

void SqliteStore::write_joined(const std::function<void()>& body) {
  // Unconditional: `body` runs statements only the store itself can fail (then the whole group is lost,
  // and each of its writers told), so it needs no savepoint of its own in a group.
  SqliteWriteTransaction txn(*this, lock_writer(), WriteIntent::Unconditional);
  txn.bookkeeping(body);
  txn.commit();
}

bool SqliteStore::ready() {
  try {
    ReaderLease db(readers_);
    StatementScope s(db->cached("SELECT 1"));
    return s->step();
  } catch (const StorageError&) {
    return false;
  }
}

StoreStats SqliteStore::stats() {
  StoreStats st;
  ReaderLease db(readers_, Freshness::everything);
  {
    StatementScope s(db->cached("SELECT COUNT(*) FROM resources WHERE deleted = 0"));
    if (s->step()) st.resources = static_cast<std::uint64_t>(s->column_int(0));
  }
  {
    StatementScope s(db->cached("SELECT MAX(seq) FROM resource_history"));
    if (s->step()) st.versions = static_cast<std::uint64_t>(s->column_int(0));
  }
  st.read_snapshots = readers_.snapshots_begun();
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto size = std::filesystem::file_size(options_.path + suffix, ec);
    if (!ec) st.bytes += size;
  }
  return st;
}

void SqliteStore::flush() {
  auto lock = lock_writer();
  finish_batch();
  readers_.end_idle();  // an idle reader's snapshot would keep the WAL from being truncated
  writer_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace fhirgw::storage
