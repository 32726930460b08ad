#include "storage/wal_checkpointer.h"

#include <sqlite3.h>

#include "platform/thread_name.h"
#include "storage/sqlite_connection.h"

namespace fhirgw::storage {

WalCheckpointer::WalCheckpointer(Connection& writer, const std::string& path, bool synchronous_full,
                                 CheckpointOptions options)
    : writer_(writer), options_(options), own_(std::make_unique<Connection>(path, false)) {
  // The checkpoint syncs the database file before the WAL may be reused; keep the writer's setting.
  own_->exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);  // replaces wal_autocheckpoint
  thread_ = std::thread([this] {
    platform::name_this_thread("fhirgw-ckpt");
    run();
  });
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
  if (wal_pages < c->requested_at_pages_) {  // the WAL was restarted
    c->requested_at_pages_ = 0;
    c->restarts_.fetch_add(1);
    c->spaced_.store(false);
  }
  if (wal_pages >= c->options_.hard_pages) {
    // SQLITE_BUSY here only means the background pass is running; the next commit tries again.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= c->options_.soft_pages &&
             (!c->spaced_.load() || wal_pages >= c->requested_at_pages_ + c->options_.step_pages ||
              wal_pages >= c->options_.hard_pages - c->options_.step_pages)) {
    // Spaced passes (see run()): each copies a page once however often it was rewritten since the last
    // one, and ends with a sync of the database file that competes with the WAL syncs of commits. Close to
    // hard_pages after every commit again, so that little is left for the writer to copy.
    c->requested_at_pages_ = wal_pages;
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
  int copied_upto = 0;  // the WAL's size when the last pass began
  std::uint64_t seen_restarts = 0;
  int passes_since_restart = 0;
  for (;;) {
    const bool asked = wake_.wait_for(lock, options_.quiet_pass_after, [this] { return requested_ || stop_; });
    if (stop_) return;
    const int pages = wal_pages_.load();
    // Without a request: the frames written since the last pass (fewer than step_pages, e.g. the tail
    // of a burst) are copied after a while too, so that the WAL can restart and readers keep snapshots.
    if (!asked && (pages < options_.soft_pages || pages == copied_upto)) continue;
    requested_ = false;
    copied_upto = pages;
    lock.unlock();
    // Errors (busy, I/O) leave the WAL as it is: it stays valid, and the next request retries.
    sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    // Light writes (e.g. only the audit trail) leave gaps between commits: a pass soon copies everything
    // and the WAL restarts at the next commit, so readers keep their snapshots. Under heavy writes a newer
    // commit is always there when a pass ends and the WAL only restarts at hard_pages: after eager_passes
    // passes without a restart, passes are spaced by step_pages.
    const std::uint64_t restarts = restarts_.load();
    passes_since_restart = restarts == seen_restarts ? passes_since_restart + 1 : 1;
    seen_restarts = restarts;
    spaced_.store(passes_since_restart >= options_.eager_passes);
    passes_.fetch_add(1);
  }
}

}  // namespace fhirgw::storage
