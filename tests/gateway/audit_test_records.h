// AuditRecords of the kinds the audit trail writes, shared by the audit tests.
#pragma once

#include <cstdint>
#include <string>

#include "audit/audit_record.h"

namespace fhirgw::test {

// `reads` reads of the Patients p<first> .. p<first + patients - 1> by one client, grouped into one record as
// AuditLog groups them (one entity per request, with its X-Request-Id and time; period = first to last),
// 1 ms apart from `start_ms`.
inline audit::AuditRecord grouped_reads(const std::string& client, const std::string& address, int reads, int patients,
                                        int first, std::int64_t start_ms) {
  audit::AuditRecord r;
  r.interaction = "read";
  r.client_id = client;
  r.network_address = address;
  r.period_start_ms = start_ms;
  r.recorded_ms = start_ms + 900;
  for (int i = 0; i < reads; ++i) {
    r.entities.push_back(
        {"Patient/p" + std::to_string(first + i % patients), {}, {}, "req-" + std::to_string(i), start_ms + i});
  }
  return r;
}

}  // namespace fhirgw::test
