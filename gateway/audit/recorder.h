// The one interface for writing audit records, e.g. for the outbox to audit forwarding:
//   recorder.record(audit::AuditRecord{...});
// record() never blocks on storage. It returns false when the record could not be queued (the queue is
// full because the store is not keeping up, or the recorder is stopped); the caller logs that (no record
// content in the log).
#pragma once

#include <chrono>

#include "audit/audit_record.h"

namespace fhirgw::audit {

class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual bool record(AuditRecord record) = 0;
  // False while records would be refused (queue full): the server then answers 503 + Retry-After before
  // serving patient data, instead of serving it unaudited.
  virtual bool has_room() const { return true; }
  // Waits up to `timeout` for room (the writer taking its next group); false if there is still none.
  virtual bool wait_for_room(std::chrono::milliseconds timeout) {
    (void)timeout;
    return has_room();
  }
};

}  // namespace fhirgw::audit
