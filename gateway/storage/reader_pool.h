// The pool of read-only SQLite connections, each keeping its read transaction (snapshot) open between
// requests while nothing but the audit trail has committed since.
//
// Why: in WAL mode SQLite drops a connection's whole page cache when it starts a read transaction after
// anyone committed. The audit writer commits every audit.flush_ms (50 ms), so without this every reader
// lost its cache ~20 times a second and a search re-read ~90 pages per request with pread (measured: 89
// reads per patient+code search on 1M Observations, 7 with the audit trail off).
//
// Freshness rules (checked when a connection is leased):
// - a commit that changed anything but AuditEvents (a data commit) ends every older snapshot, so a
//   client always reads what was acknowledged before its request (read-your-writes);
// - a lease that may return AuditEvents (Freshness::everything: AuditEvent reads and searches, system
//   history, includes) gets a snapshot that has every commit acknowledged before it;
// - any snapshot older than `max_age` is ended (idle ones too, at the next commit), and none is kept
//   while the WAL waits for a checkpoint, so readers do not hold back the WAL for long; AuditEvents
//   reach the other reads within max_age.
//
// Each reader's page cache is small (kReaderCacheKiB): the lease that starts a snapshot after any commit
// pays for dropping the whole cache, ~0.3-0.6 us per cached page on the request's thread. With 64 MiB
// (16,384 pages, full after ~1 s of searches) that was 3-10 ms of CPU in one search, the search tail with
// the audit trail on; 8 MiB bounds it to ~0.5 ms for ~4 more preads per search (gateway/storage/README.md).
// Config: storage.reader_cache_mib (SqliteOptions::reader_cache_kib).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/sqlite_connection.h"

namespace fhirgw::storage {

inline constexpr int kReaderCacheKiB = 8192;  // per pooled reader (see above)

enum class Freshness {
  data,        // every data commit acknowledged so far; audit-only commits may be missing (< max_age)
  everything,  // every commit acknowledged so far
};

struct PooledReader {
  std::unique_ptr<Connection> conn;
  bool open = false;            // a read transaction is open
  std::uint64_t data_seen = 0;  // data commits counted when it began
  std::uint64_t all_seen = 0;   // all commits counted when it began
  std::chrono::steady_clock::time_point began{};
};

class ReaderPool {
 public:
  ReaderPool(std::string path, std::size_t max_idle, std::chrono::milliseconds max_age,
             int cache_kib = kReaderCacheKiB);

  // A connection inside a read transaction that satisfies `freshness`.
  PooledReader acquire(Freshness freshness);
  void release(PooledReader reader);
  // Called by the writer after each COMMIT (successful or not), before the writes are acknowledged.
  // `data`: the transaction changed more than AuditEvents. Ends idle snapshots that became useless.
  // `keep_snapshots` false (the WAL waits for a checkpoint): every snapshot ends now or when its lease
  // does, as if each commit changed data, until a commit passes true again. A kept snapshot pins the WAL
  // frames after it, so with snapshots always open a checkpoint never completes and the WAL grows
  // without bound (measured: 1.1 GB in 30 s of reads by id, against ~100 MB without kept snapshots).
  void committed(bool data, bool keep_snapshots);
  // Ends every idle reader's snapshot (before a checkpoint that must reset the WAL).
  void end_idle();
  // Snapshots begun so far (how often readers dropped their page cache at most).
  std::uint64_t snapshots_begun() const { return snapshots_begun_.load(); }

 private:
  bool stale(const PooledReader& r, Freshness freshness, std::chrono::steady_clock::time_point now) const;
  static void end(PooledReader& r);

  std::string path_;
  std::size_t max_idle_;
  std::chrono::milliseconds max_age_;
  int cache_kib_;
  std::atomic<std::uint64_t> snapshots_begun_{0};
  std::atomic<std::uint64_t> data_commits_{0};
  std::atomic<std::uint64_t> all_commits_{0};
  std::atomic<bool> keep_{true};
  std::mutex mutex_;
  std::vector<PooledReader> idle_;  // most recently used last (its page cache is the warmest)
};

// A leased reader: every statement run through it sees the lease's one snapshot.
class ReaderLease {
 public:
  explicit ReaderLease(ReaderPool& pool, Freshness freshness = Freshness::data)
      : pool_(pool), reader_(pool.acquire(freshness)) {}
  ~ReaderLease() { pool_.release(std::move(reader_)); }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  Connection& operator*() { return *reader_.conn; }
  Connection* operator->() { return reader_.conn.get(); }

 private:
  ReaderPool& pool_;
  PooledReader reader_;
};

}  // namespace fhirgw::storage
