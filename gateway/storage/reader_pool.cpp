#include "storage/reader_pool.h"

#include <sqlite3.h>

#include <utility>

#include "storage/store.h"

namespace fhirgw::storage {

ReaderPool::ReaderPool(std::string path, std::size_t max_idle, std::chrono::milliseconds max_age)
    : path_(std::move(path)), max_idle_(max_idle), max_age_(max_age) {}

bool ReaderPool::stale(const PooledReader& r, Freshness freshness, std::chrono::steady_clock::time_point now) const {
  if (r.data_seen != data_commits_.load()) return true;
  if (freshness == Freshness::everything && r.all_seen != all_commits_.load()) return true;
  return now - r.began >= max_age_;
}

void ReaderPool::end(PooledReader& r) {
  if (!r.open) return;
  r.open = false;
  try {
    r.conn->exec("COMMIT");  // nothing was written: this only ends the snapshot
  } catch (const StorageError&) {
    try {
      r.conn->exec("ROLLBACK");
    } catch (const StorageError&) {
    }
  }
}

PooledReader ReaderPool::acquire(Freshness freshness) {
  PooledReader r;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      r = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!r.conn) {
    r.conn = std::make_unique<Connection>(path_, true);
    r.conn->exec("PRAGMA cache_size = -65536");  // 64 MiB per connection
  }
  const auto now = std::chrono::steady_clock::now();
  if (r.open && stale(r, freshness, now)) end(r);
  if (!r.open) {
    // The counters are read before the snapshot begins (at the first read after BEGIN), so the snapshot
    // holds at least every commit they count.
    r.data_seen = data_commits_.load();
    r.all_seen = all_commits_.load();
    r.conn->exec("BEGIN");
    r.open = true;
    r.began = now;
  }
  return r;
}

void ReaderPool::release(PooledReader r) {
  // A failed statement may have ended the transaction (SQLite rolls back on some errors).
  if (r.open && sqlite3_get_autocommit(r.conn->handle())) r.open = false;
  if (!keep_.load()) end(r);
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_)
    idle_.push_back(std::move(r));
  else
    end(r);
}

void ReaderPool::committed(bool data, bool keep_snapshots) {
  keep_.store(keep_snapshots);
  if (data || !keep_snapshots) data_commits_.fetch_add(1);
  all_commits_.fetch_add(1);
  // Idle readers must not hold old snapshots (they keep the checkpointer from resetting the WAL).
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  for (PooledReader& r : idle_) {
    if (r.open && stale(r, Freshness::data, now)) end(r);
  }
}

void ReaderPool::end_idle() {
  std::lock_guard lock(mutex_);
  for (PooledReader& r : idle_) end(r);
}

}  // namespace fhirgw::storage
