#include "storage/reader_pool.h"

#include <sqlite3.h>

#include <iterator>
#include <string>
#include <utility>

#include "storage/store.h"

namespace fhirgw::storage {

ReaderPool::ReaderPool(std::string path, std::size_t max_idle, std::chrono::milliseconds max_age, int cache_kib)
    : path_(std::move(path)), max_idle_(max_idle), max_age_(max_age), cache_kib_(cache_kib) {}

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
    r.conn->exec("PRAGMA cache_size = -" + std::to_string(cache_kib_));
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
    snapshots_begun_.fetch_add(1);
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
  // Idle readers must not hold old snapshots (they keep the checkpointer from resetting the WAL). They
  // are ended outside the lock: acquire() waits on it, and this runs on the writer's thread.
  const auto now = std::chrono::steady_clock::now();
  std::vector<PooledReader> stale_readers;
  {
    std::lock_guard lock(mutex_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (it->open && stale(*it, Freshness::data, now)) {
        stale_readers.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (stale_readers.empty()) return;
  for (PooledReader& r : stale_readers) end(r);
  std::lock_guard lock(mutex_);
  // Back at the cold end (the front): the readers that kept their snapshots have the warmer caches.
  const std::size_t room = max_idle_ > idle_.size() ? max_idle_ - idle_.size() : 0;
  if (stale_readers.size() > room) stale_readers.resize(room);
  idle_.insert(idle_.begin(), std::make_move_iterator(stale_readers.begin()),
               std::make_move_iterator(stale_readers.end()));
}

void ReaderPool::end_idle() {
  std::lock_guard lock(mutex_);
  for (PooledReader& r : idle_) end(r);
}

}  // namespace fhirgw::storage
