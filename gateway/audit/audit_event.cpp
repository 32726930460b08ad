#include "audit/audit_event.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

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

// Every entity's type (audit-entity-type|2 "System Object"), as written by coding(): one append instead of
// escaping its three constant strings again for each of a forwarded transaction's 1,000 entities.
constexpr std::string_view kEntityType =
    R"("type":{"system":"http://terminology.hl7.org/CodeSystem/audit-entity-type","code":"2","display":"System Object"})";

// About the size of the JSON (a forwarded transaction's event holds ~200 bytes per entity): one allocation.
std::size_t expected_size(const AuditRecord& r) {
  std::size_t n = 700 + r.outcome_text.size() + 3 * r.client_id.size() + r.request_id.size();
  for (const Entity& e : r.entities) n += 200 + e.reference.size() + e.query.size() * 4 / 3 + e.request_id.size();
  return n;
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
  std::string out;
  out.reserve(expected_size(r));
  out += "{\"resourceType\":\"AuditEvent\",\"id\":";
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
  out.append(",\"outcome\":\"").append(std::to_string(static_cast<int>(r.outcome))).append(1, '"');
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
    out += kEntityType;
  };
  for (const Entity& e : r.entities) {
    open_entity();
    if (!e.reference.empty()) {
      out += ",\"what\":{\"reference\":";
      write_string(e.reference, out);
      out += '}';
    }
    if (!e.query.empty()) out.append(",\"query\":\"").append(base64(e.query)).append(1, '"');
    bool any_detail = false;
    auto detail = [&](std::string_view type_member, std::string_view value) {
      out += any_detail ? ",{" : ",\"detail\":[{";
      any_detail = true;
      out += type_member;
      out += ",\"valueString\":";
      write_string(value, out);
      out += '}';
    };
    if (!e.interaction.empty()) detail(R"("type":"interaction")", e.interaction);
    if (!e.request_id.empty()) detail(R"("type":"X-Request-Id")", e.request_id);
    if (e.at_ms != 0) detail(R"("type":"time")", search::format_instant(e.at_ms));
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
// the entities of one reference index the same, and entities whose references name the same resource type
// give the same rows but for the reference itself. A forwarded transaction has an entity per resource
// (1,000) and a grouped read up to 100: the indexer reads one entity per target type (a small JSON), and
// every other distinct reference gets copies of its type's reference rows, pointing at it. The parsed body
// gave the entity-type token row once per entity (stored once: INSERT OR IGNORE); now it is made once.
// The body keeps every entity. tests/gateway/server_auth_test.cpp (AuditEvent.IndexRowsAreThoseOfTheFullBody)
// checks the rows are the set of the full body's, each once.
struct EntityGroup {
  std::string_view sample;  // the reference of the entity the indexer reads
  std::int64_t sample_rid = 0;
  std::string target_type;  // what search::parse_reference makes of it
  bool empty = false;       // no reference (a search's entity)
  // The group's other distinct references, parsed (target_rid: their entity's rid, see give_rid).
  std::vector<storage::ReferenceRow> others;
};

// Entities whose resource's rid the caller knew (a delivery: read with the outbox rows) give it to their
// `entity` rows, so the store does not look each one up by (type, id).
void give_rid(storage::ReferenceRow& row, std::int64_t rid) {
  if (rid != 0 && row.param == "entity") row.target_rid = rid;
}

// The index rows of an AuditEvent this file wrote.
storage::IndexRows index_of_json(const std::string& json, const search::ParamCatalog& catalog) {
  auto parsed = fhir::json::parse(json);
  if (!parsed) throw std::logic_error("audit: generated AuditEvent is not JSON");
  return search::build_index(catalog, "AuditEvent", parsed.document->root());
}

AuditRecord header_of(const AuditRecord& record) {
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
  return view;
}

storage::IndexRows index_of_entities(const AuditRecord& record, const std::string& id, std::int64_t recorded,
                                     std::int64_t stored, const search::ParamCatalog& catalog) {
  std::vector<EntityGroup> groups;  // a handful: one per resource type named
  // A hash set, not a scan of the kept ones: a forwarded transaction has an entity per resource (1,000).
  std::unordered_set<std::string_view> seen;
  seen.reserve(record.entities.size());
  for (const Entity& e : record.entities) {
    if (!seen.insert(e.reference).second) continue;
    storage::ReferenceRow row;
    if (!e.reference.empty()) row = search::parse_reference(e.reference);
    const bool empty = e.reference.empty();
    const auto group = std::find_if(groups.begin(), groups.end(), [&](const EntityGroup& g) {
      return g.empty == empty && g.target_type == row.target_type;
    });
    if (group == groups.end()) {
      groups.push_back({e.reference, e.rid, std::move(row.target_type), empty, {}});
    } else {
      row.target_rid = e.rid;
      group->others.push_back(std::move(row));
    }
  }
  AuditRecord view = header_of(record);
  for (const EntityGroup& g : groups) view.entities.push_back(Entity::of_reference(std::string(g.sample)));
  storage::IndexRows index = index_of_json(audit_event_json(view, id, recorded, stored), catalog);
  // Each sample gave the same entity-type row: keep one (a handful of rows, compared pairwise).
  auto& tokens = index.tokens;
  for (auto it = tokens.begin(); it != tokens.end(); ++it) {
    tokens.erase(std::remove_if(std::next(it), tokens.end(),
                                [&](const storage::TokenRow& t) {
                                  return t.param == it->param && t.system == it->system && t.code == it->code &&
                                         t.text == it->text;
                                }),
                 tokens.end());
  }
  std::vector<std::string> params;  // the parameters of the sample's reference rows
  for (EntityGroup& g : groups) {
    params.clear();
    for (storage::ReferenceRow& row : index.references) {
      if (row.url != g.sample) continue;
      params.push_back(row.param);
      give_rid(row, g.sample_rid);
    }
    if (params.empty()) continue;
    index.references.reserve(index.references.size() + g.others.size() * params.size());
    for (storage::ReferenceRow& row : g.others) {
      const std::int64_t rid = std::exchange(row.target_rid, 0);
      for (std::size_t i = 0; i < params.size(); ++i) {
        storage::ReferenceRow& out =
            i + 1 < params.size() ? index.references.emplace_back(row) : index.references.emplace_back(std::move(row));
        out.param = params[i];
        give_rid(out, rid);
      }
    }
  }
  return index;
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
  if (record.entities.size() > 1) {
    v.index = index_of_entities(record, v.id, recorded, now, catalog);
  } else {
    v.index = index_of_json(v.body, catalog);
    if (!record.entities.empty()) {
      for (storage::ReferenceRow& row : v.index.references) give_rid(row, record.entities.front().rid);
    }
  }
  return v;
}

}  // namespace fhirgw::audit
