#include "storage/wal_checkpointer.h"

#include <sqlite3.h>

#include "storage/sqlite_connection.h"

namespace fhirgw::storage {

WalCheckpointer::WalCheckpointer(Connection& writer, const std::string& path, bool synchronous_full,
                                 CheckpointOptions options)
    : writer_(writer), options_(options), own_(std::make_unique<Connection>(path, false)) {
  // The checkpoint syncs the database file before the WAL may be reused; keep the writer's setting.
  own_->exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);  // replaces wal_autocheckpoint
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

// Called by SQLite on the writer's thread after each COMMIT, with the WAL's size in pages.
int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  c->wal_pages_.store(wal_pages);
  if (wal_pages >= c->options_.hard_pages) {
    // SQLITE_BUSY here only means the background pass is running; the next commit tries again.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= c->options_.soft_pages) {
    {
      std::lock_guard lock(c->mutex_);
      c->requested_ = true;
    }
    c->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stop_; });
    if (stop_) return;
    requested_ = false;
    lock.unlock();
    // Errors (busy, I/O) leave the WAL as it is: it stays valid, and the next request retries.
    sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace fhirgw::storage
