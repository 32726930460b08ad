#include "audit/audit_log.h"

#include <algorithm>
#include <vector>

#include "audit/audit_event.h"
#include "platform/thread_name.h"
#include "server/logging.h"

namespace fhirgw::audit {
namespace {

constexpr std::size_t kMaxEntitiesPerEvent = 100;

// Reads and searches of one client with the same interaction and outcome, queued in the same flush, become
// one AuditEvent: one entity per request (what, X-Request-Id, time), period = first to last. Storing an
// AuditEvent costs far more than building one, so this keeps a read flood from being bounded by the audit
// writer. Records without entities (failed authentications) stay one event each.
bool can_merge(const AuditRecord& group, const AuditRecord& r) {
  return !group.entities.empty() && !r.entities.empty() && group.type == r.type && group.interaction == r.interaction &&
         group.outcome == r.outcome && group.outcome_text == r.outcome_text && group.client_id == r.client_id &&
         group.network_address == r.network_address &&
         group.entities.size() + r.entities.size() <= kMaxEntitiesPerEvent;
}

void stamp_entities(AuditRecord& r) {
  for (Entity& e : r.entities) {
    e.request_id = r.request_id;
    e.at_ms = r.recorded_ms;
  }
  r.request_id.clear();
}

void merge(AuditRecord& group, AuditRecord&& r) {
  if (group.period_start_ms == 0) {
    group.period_start_ms = group.recorded_ms;
    stamp_entities(group);
  }
  stamp_entities(r);
  group.period_start_ms = std::min(group.period_start_ms, r.recorded_ms);
  group.recorded_ms = std::max(group.recorded_ms, r.recorded_ms);
  for (Entity& e : r.entities) group.entities.push_back(std::move(e));
}

}  // namespace

AuditLog::AuditLog(storage::Store& store, const search::ParamCatalog& catalog, AuditLogOptions options)
    : store_(store), catalog_(catalog), options_(options), thread_([this] { run(); }) {}

AuditLog::~AuditLog() { stop(); }

bool AuditLog::record(AuditRecord record) {
  if (record.recorded_ms == 0) {
    record.recorded_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
  }
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() >= options_.max_queue) return false;
  queue_.push_back(std::move(record));
  if (queue_.size() >= options_.max_batch) wake_.notify_one();
  return true;
}

bool AuditLog::has_room() const {
  std::lock_guard lock(mutex_);
  return !stopping_ && queue_.size() < options_.max_queue;
}

bool AuditLog::wait_for_room(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  room_.wait_for(lock, timeout, [this] { return stopping_ || queue_.size() < options_.max_queue; });
  return !stopping_ && queue_.size() < options_.max_queue;
}

std::size_t AuditLog::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void AuditLog::flush() {
  std::unique_lock lock(mutex_);
  flush_requested_ = true;
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
  room_.notify_all();
  if (thread_.joinable()) thread_.join();
  idle_.notify_all();
}

// One group commit per flush interval (or sooner when a full batch is queued): what arrives while a
// group is being written waits for the next interval instead of making a small group of its own, so
// under load each commit (and its fsync) carries a full interval's records and reads fill their shared
// AuditEvents. A record is committed at most one interval plus one write after it was queued.
void AuditLog::run() {
  platform::name_this_thread("fhirgw-audit");
  std::unique_lock lock(mutex_);
  auto next = std::chrono::steady_clock::now() + options_.flush_interval;
  for (;;) {
    wake_.wait_until(lock, next,
                     [this] { return stopping_ || flush_requested_ || queue_.size() >= options_.max_batch; });
    next = std::chrono::steady_clock::now() + options_.flush_interval;
    const bool drain = stopping_ || flush_requested_;  // flush() and stop() want everything committed
    flush_requested_ = false;
    do {
      if (queue_.empty()) break;
      std::deque<AuditRecord> batch;
      const std::size_t n = std::min(queue_.size(), options_.max_batch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      writing_ = true;
      lock.unlock();
      room_.notify_all();
      write(batch);
      lock.lock();
      writing_ = false;
    } while (drain || stopping_ || flush_requested_);
    if (queue_.empty()) idle_.notify_all();
    if (stopping_ && queue_.empty()) return;
  }
}

void AuditLog::write(std::deque<AuditRecord>& batch) {
  std::vector<AuditRecord> events;
  for (AuditRecord& r : batch) {
    if (!events.empty() && can_merge(events.back(), r)) {
      merge(events.back(), std::move(r));
    } else {
      events.push_back(std::move(r));
    }
  }
  try {
    auto txn = store_.begin_write(storage::WriteIntent::Unconditional);
    for (const AuditRecord& r : events) {
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
