// The embedded store: one SQLite database file in WAL mode.
//
// Durability: synchronous=FULL by default: an acknowledged write survives kill -9 and power loss,
// because commit() returns only after an fdatasync of the WAL that holds it. synchronous=NORMAL
// (config storage.sqlite.synchronous) skips that sync: faster, but may lose the last transactions
// on power loss (never on a process crash).
//
// Concurrency: one write connection behind a mutex (SQLite allows a single writer; BEGIN IMMEDIATE
// also serializes against other processes) and a pool of read-only connections, which WAL lets run
// beside the writer.
//
// Group commit: WriteTransactions share one SQLite transaction (a batch); each one that joins a batch
// holding others' work is a SAVEPOINT in it. When a
// WriteTransaction commits while other writers wait for the connection, it releases its savepoint and
// waits; the last writer of the batch COMMITs and wakes the others. Each WriteTransaction stays
// all-or-nothing (a rollback undoes only its savepoint); if that COMMIT fails, every
// WriteTransaction of the batch gets a StorageError.
//
// The sync is outside the writer lock: the COMMIT appends the batch to the WAL (SQLite's
// synchronous=NORMAL, no sync), the writer is released, so the next batch's SQL runs while the last
// writer fdatasyncs the WAL; only then are the batch's writers answered (sync_wal). A later batch's
// sync covers every earlier frame, and SQLite's recovery never keeps a WAL frame after an invalid
// one, so a commit can never survive without the commits before it. What this gives up: another
// connection can read a batch during its sync (before it is durable); a power loss in that window
// loses what was read but never acknowledged.
//
// Checkpoints run beside the writer, not inside its COMMIT (wal_checkpointer.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/reader_pool.h"
#include "storage/store.h"
#include "storage/wal_checkpointer.h"

namespace fhirgw::storage {

class Connection;

struct SqliteOptions {
  std::string path;              // database file; created if missing
  bool synchronous_full = true;  // false: NORMAL
  std::size_t read_connections = 4;
  CheckpointOptions checkpoint{};
  // (type, parameter) pairs without index rows of their own (search::ParamCatalog::shared_params):
  // rows a database indexed before schema 6 are deleted by that migration.
  std::vector<std::pair<std::string, std::string>> shared_params{};
  // (type, rows of its `patient` parameter) (search::ParamCatalog::patient_rows): schema 8 fills
  // idx_token_patient from them for the resources a database already holds.
  std::vector<std::pair<std::string, IndexSource>> patient_rows{};
  int reader_cache_kib = kReaderCacheKiB;  // each pooled reader's page cache (reader_pool.h)
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteOptions& options);
  ~SqliteStore() override;

  std::optional<StoredVersion> read(const std::string& type, const std::string& id) override;
  std::optional<StoredVersion> vread(const std::string& type, const std::string& id, std::int64_t version) override;
  std::vector<StoredVersion> read_many(const std::vector<ResourceRef>& refs) override;
  HistoryPage history(const HistoryQuery& query) override;
  SearchResult search(const SearchQuery& query) override;
  std::vector<ResourceRef> references_of(const ResourceRef& source, const std::string& param) override;
  std::unique_ptr<WriteTransaction> begin_write(WriteIntent intent = WriteIntent::General) override;
  std::vector<OutboxItem> outbox_ready(const std::string& peer, std::int64_t now_ms, std::size_t limit,
                                       OutboxRead read = OutboxRead::WithBodies) override;
  std::vector<OutboxItem> outbox_after(const std::string& peer, std::int64_t after_seq, std::size_t limit) override;
  void outbox_delivered(const std::vector<std::int64_t>& seqs) override;
  void outbox_failed(std::int64_t seq, std::int64_t next_attempt_ms, const std::string& error) override;
  void outbox_dead_letter(std::int64_t seq, std::int64_t now_ms, const std::string& error) override;
  std::vector<OutboxPeerStats> outbox_stats() override;
  std::vector<DeadLetter> dead_letters(std::size_t limit) override;
  bool retry_dead_letter(std::int64_t id, std::int64_t now_ms) override;
  bool ready() override;
  StoreStats stats() override;
  void flush() override;

 private:
  friend class SqliteWriteTransaction;

  struct Batch;  // one SQLite transaction shared by several WriteTransactions
  std::unique_lock<std::mutex> lock_writer();
  // With the writer locked: COMMITs the open batch (if any) and detaches it. Its writers are told by
  // settle_batch, which the caller runs after releasing the writer.
  std::shared_ptr<Batch> commit_batch();
  // Without the writer lock: makes a committed batch durable (sync_wal) and wakes its writers.
  void settle_batch(const std::shared_ptr<Batch>& batch);
  // Both, with the writer locked (shutdown, flush).
  void finish_batch();
  // synchronous=full: fdatasync of the WAL file, which makes every COMMIT so far durable. The writer
  // connection runs with synchronous=NORMAL (its COMMIT appends to the WAL without syncing), so this
  // sync can run outside the writer lock, during the next batch's SQL. Throws StorageError.
  void sync_wal();
  // Runs `body` (statements on writer_) as a write transaction in the group commit: it joins the open
  // batch (no COMMIT and WAL sync of its own) and returns once the batch is committed and durable; an
  // exception rolls the batch back and is rethrown. For the outbox bookkeeping (delivered rows, retries,
  // dead letters), which was a commit and a sync of its own each, committing the open batch early.
  void write_joined(const std::function<void()>& body);

  SqliteOptions options_;
  std::mutex write_mutex_;
  std::atomic<int> writers_waiting_{0};  // threads blocked in lock_writer()
  std::shared_ptr<Batch> batch_;         // the open batch; guarded by write_mutex_
  std::mutex batch_mutex_;               // guards Batch::done / ok
  std::condition_variable batch_done_;
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // declared after writer_: stops before it closes
  std::mutex wal_mutex_;                           // guards wal_fd_
  int wal_fd_ = -1;                                // the WAL file, for sync_wal
  ReaderPool readers_;
};

}  // namespace fhirgw::storage
