// AuditRecord -> an R4 AuditEvent resource as stored: JSON with id and meta, plus its search index rows,
// ready for WriteTransaction::put. Codes (checked against the R4 4.0.1 package):
//   type     http://terminology.hl7.org/CodeSystem/audit-event-type|rest "RESTful Operation", or
//            http://dicom.nema.org/resources/ontology/DCM|110114 "User Authentication"
//   subtype  http://hl7.org/fhir/restful-interaction|<interaction>, or DCM|110122 "Login"
//   action   C/R/U/D/E (http://hl7.org/fhir/audit-event-action) from the interaction
//   outcome  0/4/8 (http://hl7.org/fhir/audit-event-outcome)
//   agent    who = the client id (identifier system urn:fhirgw:client), name = the client id (search:
//            agent-name), network type 2 (IP address)
//   source   observer = this gateway, type http://terminology.hl7.org/CodeSystem/security-source-type|3
//   entity   what = the reference, type audit-entity-type|2 "System Object", query = base64 of the query
#pragma once

#include <cstdint>
#include <string>

#include "audit/audit_record.h"
#include "search/param_catalog.h"
#include "storage/store.h"

namespace fhirgw::audit {

// The AuditEvent JSON (with id, meta.versionId 1, `recorded` = when the event happened and meta.lastUpdated
// = when it is stored).
std::string audit_event_json(const AuditRecord& record, const std::string& id, std::int64_t recorded_ms,
                             std::int64_t stored_ms);

// The stored version 1 of a new AuditEvent with a fresh id, index rows included, stamped as stored now.
storage::NewVersion audit_event_version(const AuditRecord& record, const search::ParamCatalog& catalog);

}  // namespace fhirgw::audit
