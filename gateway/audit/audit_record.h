// One audited event as plain data, before it becomes an R4 AuditEvent (audit_event.h). Holds references,
// ids and search parameter names only: never resource content (no patient data beyond references/ids).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fhirgw::audit {

enum class EventType {
  rest,            // audit-event-type "rest"; subtype = a restful-interaction code
  authentication,  // DICOM 110114 "User Authentication"; subtype DICOM 110122 "Login" (token issue, 401s)
};

// AuditEvent.outcome (http://hl7.org/fhir/audit-event-outcome).
enum class Outcome { success = 0, minor_failure = 4, serious_failure = 8 };

// An HTTP status as an outcome: 2xx/3xx success, 4xx minor failure (the client's), 5xx serious failure.
Outcome outcome_for_status(int status);

struct Entity {
  std::string reference;    // "Patient/123" or "Patient/123/_history/2"; empty for a query
  std::string query;        // for searches: "Observation?patient=Patient/1&code=*" (values masked, see README)
  std::string interaction;  // for an entry of a multi-write transaction: create | update | delete
  std::string request_id;   // set when several requests share one AuditEvent (see AuditLog)
  std::int64_t at_ms = 0;   // likewise: when this access happened
  std::int64_t rid = 0;     // the referenced resource's rid in the store, when the caller knows it (else 0)

  static Entity of_reference(std::string reference, std::string interaction = {}) {
    Entity e;
    e.reference = std::move(reference);
    e.interaction = std::move(interaction);
    return e;
  }
  // "Type/id/_history/version", built in one allocation (a transaction notes one per written resource).
  static Entity of_version(std::string_view type, std::string_view id, std::int64_t version, std::string interaction) {
    const std::string v = std::to_string(version);
    Entity e;
    e.reference.reserve(type.size() + id.size() + v.size() + 11);
    e.reference.append(type).append(1, '/').append(id).append("/_history/").append(v);
    e.interaction = std::move(interaction);
    return e;
  }
  static Entity of_query(std::string query) {
    Entity e;
    e.query = std::move(query);
    return e;
  }
};

struct AuditRecord {
  EventType type = EventType::rest;
  // http://hl7.org/fhir/restful-interaction code (read, vread, history-instance, history-type, search-type,
  // search-system, create, update, patch, delete, transaction, batch, operation); unused for authentication.
  std::string interaction;
  Outcome outcome = Outcome::success;
  std::string outcome_text;          // short reason of a failure; never request content
  std::string client_id;             // the requesting client (token or certificate); empty if unknown
  std::string network_address;       // remote IP address
  std::string request_id;            // X-Request-Id of the HTTP request, for correlation with the access log
  std::int64_t recorded_ms = 0;      // 0: now
  std::int64_t period_start_ms = 0;  // set for an AuditEvent that stands for several requests (period)
  std::vector<Entity> entities;
};

}  // namespace fhirgw::audit
