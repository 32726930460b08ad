// The storage interface of the gateway: versioned FHIR resources, history, search indexes and
// conditional-create keys. The SQLite implementation (sqlite_store.h) is the embedded default; the
// interface avoids anything SQLite-specific so a PostgreSQL implementation can follow.
//
// Concurrency contract: any number of readers; writes go through WriteTransaction, and an
// implementation must make everything done inside one WriteTransaction atomic and isolated from other
// writers (SQLite: one writer at a time with BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE or row locks +
// the unique conditional key). A transaction that is destroyed without commit() is rolled back.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/index_rows.h"
#include "storage/outbox_rows.h"
#include "storage/search_query.h"

namespace fhirgw::storage {

// Thrown for failures of the store itself (I/O, corruption, busy beyond the timeout): the request
// gets a 500/503, never a partial write.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Method : std::uint8_t { Create, Update, Delete };
const char* method_name(Method m) noexcept;  // "POST" | "PUT" | "DELETE" (Bundle.entry.request.method)

struct StoredVersion {
  std::string type;
  std::string id;
  std::int64_t version = 0;
  std::int64_t last_updated_ms = 0;  // milliseconds since the Unix epoch, UTC
  bool deleted = false;
  Method method = Method::Create;
  std::string body;  // resource JSON with meta.versionId / meta.lastUpdated; empty for a delete
};

struct HistoryQuery {
  std::string type;  // empty: system history
  std::string id;    // empty: type (or system) history
  std::optional<std::int64_t> since_ms;
  // Paging snapshot: only versions recorded up to this change sequence number (the first page's
  // HistoryPage::snapshot). A bound by sequence, not by time: a version stamped earlier but committed
  // later (an AuditEvent from the background writer) must not shift the pages.
  std::optional<std::int64_t> snapshot;
  std::size_t offset = 0;
  std::size_t limit = 50;
};

struct HistoryPage {
  std::vector<StoredVersion> entries;  // newest first
  std::size_t total = 0;
  std::int64_t snapshot = 0;  // the bound this page used (HistoryQuery::snapshot, or the newest change)
};

struct NewVersion {
  std::string type;
  std::string id;
  std::string body;  // final JSON text, meta already set by the caller
  std::int64_t last_updated_ms = 0;
  IndexRows index;  // search index rows of this version
};

class WriteTransaction {
 public:
  virtual ~WriteTransaction() = default;

  // Reads inside the transaction (sees its own writes).
  virtual std::optional<StoredVersion> read(const std::string& type, const std::string& id) = 0;
  virtual SearchResult search(const SearchQuery& query) = 0;

  // Current version number of (type, id), 0 if it never existed (deleted resources keep theirs).
  virtual std::int64_t current_version(const std::string& type, const std::string& id) = 0;

  // Writes version current_version + 1 (the caller put that number into the body). `method` is
  // recorded in the history.
  virtual void put(const NewVersion& v, Method method, std::int64_t version) = 0;
  // Writes a delete marker as version current_version + 1. No-op (returns false) if already deleted
  // or absent.
  virtual bool remove(const std::string& type, const std::string& id, std::int64_t version, std::int64_t when_ms) = 0;

  // Claims a conditional-create key (type + normalized criteria) for (type, id). Returns false when
  // another resource holds it: the unique key that makes concurrent conditional creates safe even
  // across processes.
  virtual bool claim_conditional_key(const std::string& type, const std::string& criteria, const std::string& id) = 0;
  virtual std::optional<std::string> conditional_key_owner(const std::string& type, const std::string& criteria) = 0;

  // Adds an outbox row (item.seq is assigned): committed or rolled back with the rest of this
  // transaction, which is what makes forwarding exactly as durable as the change itself.
  virtual void enqueue_outbox(const OutboxItem& item) = 0;
  // Records whether a search route has sent (type, id) to `peer` (true) or not (false), in this
  // transaction; returns what was recorded before. A version that stops matching the route sends a
  // DELETE only to the peers that had it.
  virtual bool set_routed(const std::string& peer, const std::string& type, const std::string& id, bool routed) = 0;

  // Makes everything durable (per the store's sync setting) and visible. Throws StorageError.
  virtual void commit() = 0;
};

// What a write transaction will do, so the store can choose how to make it all-or-nothing.
enum class WriteIntent : std::uint8_t {
  General,
  // Nothing in it can be refused: only creates of ids the caller made and updates by id without
  // If-Match (no conditional keys, searches deciding what to write, or deletes), so only a failure of
  // the store itself can stop it half-way. The SQLite store then skips the rollback point it
  // otherwise keeps per transaction in a group commit; such a failure instead rolls back the whole
  // commit group, whose other transactions get a StorageError (never a success for lost work).
  Unconditional,
};

struct StoreStats {
  std::uint64_t resources = 0;  // current, not deleted
  std::uint64_t versions = 0;
  std::uint64_t bytes = 0;  // database size on disk
  // Read snapshots begun so far; with SQLite each one after a commit drops a reader's page cache.
  std::uint64_t read_snapshots = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual std::optional<StoredVersion> read(const std::string& type, const std::string& id) = 0;
  virtual std::optional<StoredVersion> vread(const std::string& type, const std::string& id, std::int64_t version) = 0;
  // Current versions of many resources (missing ones are skipped), in the order asked.
  virtual std::vector<StoredVersion> read_many(const std::vector<ResourceRef>& refs) = 0;
  virtual HistoryPage history(const HistoryQuery& query) = 0;
  virtual SearchResult search(const SearchQuery& query) = 0;
  // Targets of the reference index rows of (type, id) for `param` (empty param: all), for _include.
  virtual std::vector<ResourceRef> references_of(const ResourceRef& source, const std::string& param) = 0;

  virtual std::unique_ptr<WriteTransaction> begin_write(WriteIntent intent = WriteIntent::General) = 0;

  // ---- forwarding outbox (see storage/outbox_rows.h) ----
  // Up to `limit` rows of `peer` due at `now_ms`, in seq order, with their bodies (unless `read` is
  // RowsOnly). A row is left out while an earlier row of the same resource is waiting for a retry, so a
  // later version never overtakes an earlier one.
  virtual std::vector<OutboxItem> outbox_ready(const std::string& peer, std::int64_t now_ms, std::size_t limit,
                                               OutboxRead read = OutboxRead::WithBodies) = 0;
  // For a worker whose rows up to `after_seq` are in flight (read by outbox_ready or by this): up to
  // `limit` rows of `peer` after it, in seq order, with their bodies. Empty while any row of the peer has
  // failed (waits for or is due for a retry): those come first, from outbox_ready.
  virtual std::vector<OutboxItem> outbox_after(const std::string& peer, std::int64_t after_seq, std::size_t limit) = 0;
  // Removes delivered rows.
  virtual void outbox_delivered(const std::vector<std::int64_t>& seqs) = 0;
  // Records a failed attempt: attempts + 1, next try at `next_attempt_ms`, the error text.
  virtual void outbox_failed(std::int64_t seq, std::int64_t next_attempt_ms, const std::string& error) = 0;
  // Moves a row to the dead letters with its last error.
  virtual void outbox_dead_letter(std::int64_t seq, std::int64_t now_ms, const std::string& error) = 0;
  // Pending and dead-letter counts per peer (peers with neither are absent).
  virtual std::vector<OutboxPeerStats> outbox_stats() = 0;
  virtual std::vector<DeadLetter> dead_letters(std::size_t limit) = 0;
  // Puts a dead letter back at the end of its peer's outbox (attempts reset). False if unknown.
  virtual bool retry_dead_letter(std::int64_t id, std::int64_t now_ms) = 0;

  virtual bool ready() = 0;  // storage reachable
  virtual StoreStats stats() = 0;
  // Flushes what can be flushed (SQLite: WAL checkpoint). Called on graceful shutdown.
  virtual void flush() = 0;
};

}  // namespace fhirgw::storage
