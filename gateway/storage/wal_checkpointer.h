// Moves WAL checkpoints off the commit path of the SQLite writer.
//
// By default SQLite checkpoints inside the COMMIT that pushes the WAL past 1,000 pages: the writer
// (and every request queued behind it) then waits while pages are copied into the database file and
// both files are fsynced. A 100-resource transaction alone writes ~500 pages, so that happened on
// almost every commit, and a page rewritten by each commit was copied each time.
//
// Here the writer connection only reports the WAL size (sqlite3_wal_hook). Past `soft_pages` a
// thread with its own connection runs a PASSIVE checkpoint (it never blocks the writer or readers);
// SQLite restarts the WAL at the next write once everything is copied. Under heavy writes, when passes
// cannot catch up, a pass is requested each time the WAL grows by `step_pages`, not after every commit.
// Under sustained writes the
// background pass can lag, so past `hard_pages` the writer checkpoints itself after its commit, which
// bounds the WAL file. Durability is unchanged: a COMMIT is durable once its WAL frames are synced.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace fhirgw::storage {

class Connection;

struct CheckpointOptions {
  int soft_pages = 16384;  // 64 MiB of 4 KiB pages: a background PASSIVE checkpoint
  int hard_pages = 65536;  // 256 MiB: the writer checkpoints after its commit
  // Under heavy writes, past soft_pages, another pass each time the WAL has grown by this much (32 MiB).
  int step_pages = 8192;
  // A pass also runs when the WAL (past soft_pages) has frames no pass has copied and no request came
  // for this long.
  std::chrono::milliseconds quiet_pass_after{1000};
  // Heavy writes: this many passes in a row did not let the WAL restart.
  int eager_passes = 4;
};

class WalCheckpointer {
 public:
  // Installs the WAL hook on `writer` (which must outlive this object) and starts the thread with a
  // connection of its own to `path`.
  WalCheckpointer(Connection& writer, const std::string& path, bool synchronous_full, CheckpointOptions options);
  ~WalCheckpointer();  // stops the thread; the writer falls back to no automatic checkpoint
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // The WAL has passed `soft_pages` (as of the last commit): it waits for a checkpoint, which long-lived
  // read snapshots would keep from completing (reader_pool.h).
  bool wants_checkpoint() const { return wal_pages_.load() >= options_.soft_pages; }
  // Passes the thread has finished (complete or not).
  std::uint64_t passes() const { return passes_.load(); }

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  Connection& writer_;
  CheckpointOptions options_;
  std::unique_ptr<Connection> own_;
  std::atomic<int> wal_pages_{0};           // the WAL's size in pages after the last commit
  int requested_at_pages_ = 0;              // the WAL's size when the last pass was requested (writer's thread only)
  std::atomic<bool> spaced_{false};         // passes are requested every step_pages, not after every commit
  std::atomic<std::uint64_t> restarts_{0};  // times the writer saw the WAL restart
  std::atomic<std::uint64_t> passes_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace fhirgw::storage
