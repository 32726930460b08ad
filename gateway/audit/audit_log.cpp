#include "audit/audit_log.h"

#include "audit/audit_event.h"
#include "server/logging.h"

namespace fhirgw::audit {

AuditLog::AuditLog(storage::Store& store, const search::ParamCatalog& catalog, AuditLogOptions options)
    : store_(store), catalog_(catalog), options_(options), thread_([this] { run(); }) {}

AuditLog::~AuditLog() { stop(); }

bool AuditLog::record(AuditRecord record) {
  if (record.recorded_ms == 0) {
    record.recorded_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  }
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() >= options_.max_queue) return false;
  queue_.push_back(std::move(record));
  if (queue_.size() >= options_.max_batch) wake_.notify_one();
  return true;
}

void AuditLog::flush() {
  std::unique_lock lock(mutex_);
  wake_.notify_one();
  idle_.wait(lock, [this] { return (queue_.empty() && !writing_) || !thread_.joinable(); });
}

void AuditLog::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  idle_.notify_all();
}

void AuditLog::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, options_.flush_interval,
                   [this] { return stopping_ || queue_.size() >= options_.max_batch; });
    while (!queue_.empty()) {
      std::deque<AuditRecord> batch;
      const std::size_t n = std::min(queue_.size(), options_.max_batch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      writing_ = true;
      lock.unlock();
      write(batch);
      lock.lock();
      writing_ = false;
    }
    idle_.notify_all();
    if (stopping_) return;
  }
}

void AuditLog::write(std::deque<AuditRecord>& batch) {
  try {
    auto txn = store_.begin_write();
    for (const AuditRecord& r : batch) {
      const storage::NewVersion v = audit_event_version(r, catalog_);
      txn->put(v, storage::Method::Create, 1);
    }
    txn->commit();
    written_ += batch.size();
  } catch (const std::exception& e) {
    // The store is failing (disk full, I/O): the records are lost; say so (no record content in the log).
    failed_ += batch.size();
    server::log_error("audit_write_failed", std::to_string(batch.size()) + " AuditEvents: " + e.what());
  }
}

}  // namespace fhirgw::audit
