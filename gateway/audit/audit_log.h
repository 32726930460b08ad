// The background audit writer: queued AuditRecords become AuditEvent resources, committed in groups (one
// store transaction per `max_batch` records or every `flush_interval`, whichever comes first). stop() — called
// on graceful shutdown — commits everything queued. A kill -9 loses what is still queued: normally the last
// flush interval, under overload up to max_queue records (reads, searches, refusals, token events only:
// writes are audited inside their own transaction by AuditingStore). A full queue makes has_room() false.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "audit/recorder.h"
#include "search/param_catalog.h"
#include "storage/store.h"

namespace fhirgw::audit {

struct AuditLogOptions {
  std::chrono::milliseconds flush_interval{50};
  std::size_t max_batch = 5'000;  // records per transaction at most (the writer takes what is queued)
  std::size_t max_queue = 10'000;
};

class AuditLog : public Recorder {
 public:
  // `store` is the undecorated store (not an AuditingStore): audit writes are not audited themselves.
  AuditLog(storage::Store& store, const search::ParamCatalog& catalog, AuditLogOptions options);
  ~AuditLog() override;  // stop()
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool record(AuditRecord record) override;
  bool has_room() const override;
  bool wait_for_room(std::chrono::milliseconds timeout) override;
  std::size_t queued() const;
  // Commits everything queued so far and waits for it (tests; shutdown uses stop()).
  void flush();
  // Commits what is queued, then ends the writer thread. Idempotent.
  void stop();

  std::uint64_t written() const { return written_; }
  std::uint64_t failed() const { return failed_; }

 private:
  void run();
  void write(std::deque<AuditRecord>& batch);

  storage::Store& store_;
  const search::ParamCatalog& catalog_;
  AuditLogOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::condition_variable room_;  // the writer took a group off the queue
  std::deque<AuditRecord> queue_;
  bool stopping_ = false;
  bool flush_requested_ = false;
  bool writing_ = false;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::thread thread_;
};

}  // namespace fhirgw::audit
