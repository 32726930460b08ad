#include "audit/audit_event.h"

#include <openssl/evp.h>

#include <chrono>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "rest/resource_body.h"
#include "search/fhir_date.h"
#include "search/indexer.h"

namespace fhirgw::audit {
namespace {

using fhir::json::write_string;

// base64Binary is standard Base64 with padding (OpenSSL, no line breaks).
std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// audit-event-action from the interaction: C, R, U, D or E (execute: transactions, operations, login).
const char* action_of(const AuditRecord& r) {
  if (r.type == EventType::authentication) return "E";
  const std::string& i = r.interaction;
  if (i == "create") return "C";
  if (i == "update" || i == "patch") return "U";
  if (i == "delete") return "D";
  if (i == "transaction" || i == "batch" || i == "operation") return "E";
  return "R";
}

void coding(std::string& out, std::string_view system, std::string_view code, std::string_view display) {
  out += "{\"system\":";
  write_string(system, out);
  out += ",\"code\":";
  write_string(code, out);
  if (!display.empty()) {
    out += ",\"display\":";
    write_string(display, out);
  }
  out += '}';
}

constexpr std::string_view kRestfulInteraction = "http://hl7.org/fhir/restful-interaction";
constexpr std::string_view kDicom = "http://dicom.nema.org/resources/ontology/DCM";

}  // namespace

Outcome outcome_for_status(int status) {
  if (status >= 500) return Outcome::serious_failure;
  if (status >= 400) return Outcome::minor_failure;
  return Outcome::success;
}

std::string audit_event_json(const AuditRecord& r, const std::string& id, std::int64_t recorded_ms,
                             std::int64_t stored_ms) {
  const std::string when = search::format_instant(recorded_ms);
  std::string out = "{\"resourceType\":\"AuditEvent\",\"id\":";
  write_string(id, out);
  out += ",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":";
  write_string(search::format_instant(stored_ms), out);
  out += "},\"type\":";
  if (r.type == EventType::authentication) {
    coding(out, kDicom, "110114", "User Authentication");
    out += ",\"subtype\":[";
    coding(out, kDicom, "110122", "Login");
  } else {
    coding(out, "http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation");
    out += ",\"subtype\":[";
    coding(out, kRestfulInteraction, r.interaction, r.interaction);
  }
  out += "],\"action\":\"";
  out += action_of(r);
  out += "\"";
  if (r.period_start_ms != 0) {
    out += ",\"period\":{\"start\":";
    write_string(search::format_instant(r.period_start_ms), out);
    out += ",\"end\":";
    write_string(when, out);
    out += '}';
  }
  out += ",\"recorded\":";
  write_string(when, out);
  out += ",\"outcome\":\"" + std::to_string(static_cast<int>(r.outcome)) + "\"";
  if (!r.outcome_text.empty()) {
    out += ",\"outcomeDesc\":";
    write_string(r.outcome_text, out);
  }
  out += ",\"agent\":[{";
  if (!r.client_id.empty()) {
    out += "\"who\":{\"identifier\":{\"system\":\"urn:fhirgw:client\",\"value\":";
    write_string(r.client_id, out);
    out += "},\"display\":";
    write_string(r.client_id, out);
    out += "},\"name\":";  // searchable as agent-name
    write_string(r.client_id, out);
    out += ",";
  } else {
    out += "\"name\":\"unidentified client\",";
  }
  out += "\"requestor\":true";
  if (!r.network_address.empty()) {
    out += ",\"network\":{\"address\":";
    write_string(r.network_address, out);
    out += ",\"type\":\"2\"}";
  }
  out += "}],\"source\":{\"observer\":{\"display\":\"fhirgw\"},\"type\":[";
  coding(out, "http://terminology.hl7.org/CodeSystem/security-source-type", "3", "Web Server");
  out += "]}";
  bool first = true;
  auto open_entity = [&] {
    out += first ? ",\"entity\":[{" : ",{";
    first = false;
    out += "\"type\":";
    coding(out, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object");
  };
  for (const Entity& e : r.entities) {
    open_entity();
    if (!e.reference.empty()) {
      out += ",\"what\":{\"reference\":";
      write_string(e.reference, out);
      out += '}';
    }
    if (!e.query.empty()) out += ",\"query\":\"" + base64(e.query) + "\"";
    bool any_detail = false;
    auto detail = [&](std::string_view type, std::string_view value) {
      out += any_detail ? "," : ",\"detail\":[";
      any_detail = true;
      out += "{\"type\":";
      write_string(type, out);
      out += ",\"valueString\":";
      write_string(value, out);
      out += '}';
    };
    if (!e.interaction.empty()) detail("interaction", e.interaction);
    if (!e.request_id.empty()) detail("X-Request-Id", e.request_id);
    if (e.at_ms != 0) detail("time", search::format_instant(e.at_ms));
    if (any_detail) out += ']';
    out += '}';
  }
  if (!r.request_id.empty()) {
    open_entity();
    out += ",\"name\":\"X-Request-Id\",\"detail\":[{\"type\":\"X-Request-Id\",\"valueString\":";
    write_string(r.request_id, out);
    out += "}]}";
  }
  if (!first) out += ']';
  out += '}';
  return out;
}

namespace {

// What the index of an AuditEvent depends on: no R4 AuditEvent search parameter reads entity.detail or
// entity.query (entity, entity-name, entity-role, entity-type and patient read what/name/role/type), so
// the entities of one reference index the same. A grouped read event has up to 100 entities naming one
// or a few resources: indexing one per distinct reference (instead of parsing the whole body and writing
// every duplicate row) is most of the background writer's work saved. The body keeps every entity.
// tests/gateway/server_auth_test.cpp (AuditEvent.IndexRowsAreThoseOfTheFullBody) checks the rows are
// the same set as the full body's.
AuditRecord index_view(const AuditRecord& record) {
  AuditRecord view;
  view.type = record.type;
  view.interaction = record.interaction;
  view.outcome = record.outcome;
  view.outcome_text = record.outcome_text;
  view.client_id = record.client_id;
  view.network_address = record.network_address;
  view.request_id = record.request_id;
  view.recorded_ms = record.recorded_ms;
  view.period_start_ms = record.period_start_ms;
  // A hash set, not a scan of the kept ones: a forwarded transaction has an entity per resource (1,000).
  std::unordered_set<std::string_view> seen;
  seen.reserve(record.entities.size());
  for (const Entity& e : record.entities) {
    if (seen.insert(e.reference).second) view.entities.push_back(Entity::of_reference(e.reference));
  }
  return view;
}

// The entity rows of entities whose resource's rid the caller knew (a delivery: read with the outbox rows)
// carry it, so the store does not look each one up by (type, id).
void give_entity_rows_their_rids(const AuditRecord& record, storage::IndexRows& index) {
  std::unordered_map<std::string_view, std::int64_t> rids;  // "Type/id" -> rid
  for (const Entity& e : record.entities) {
    if (e.rid == 0) continue;
    const std::string_view ref = e.reference;
    rids.emplace(ref.substr(0, ref.find("/_history/")), e.rid);
  }
  if (rids.empty()) return;
  std::string key;
  for (storage::ReferenceRow& row : index.references) {
    if (row.param != "entity") continue;
    key.assign(row.target_type).append(1, '/').append(row.target_id);
    if (const auto it = rids.find(key); it != rids.end()) row.target_rid = it->second;
  }
}

}  // namespace

storage::NewVersion audit_event_version(const AuditRecord& record, const search::ParamCatalog& catalog) {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  storage::NewVersion v;
  v.type = "AuditEvent";
  v.id = rest::new_id();
  // lastUpdated is when the event is stored, `recorded` when it happened: a group-committed event must not
  // carry a time before writes that were stored ahead of it, or history pages bounded by time would shift.
  v.last_updated_ms = now;
  const std::int64_t recorded = record.recorded_ms != 0 ? record.recorded_ms : now;
  v.body = audit_event_json(record, v.id, recorded, now);
  const bool compact = record.entities.size() > 1;
  auto parsed = fhir::json::parse(compact ? audit_event_json(index_view(record), v.id, recorded, now) : v.body);
  if (!parsed) throw std::logic_error("audit: generated AuditEvent is not JSON");
  v.index = search::build_index(catalog, "AuditEvent", parsed.document->root());
  give_entity_rows_their_rids(record, v.index);
  return v;
}

}  // namespace fhirgw::audit
