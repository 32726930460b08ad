#include "rest/inbound_provenance.h"

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

namespace {

// Identifier systems of the gateway's own namespace for the exchange (documented in the README).
constexpr const char* kClientIdSystem = "urn:fhirgw:client-id";
constexpr const char* kSourceSystem = "urn:fhirgw:source-system";
constexpr const char* kUriSystem = "urn:ietf:rfc:3986";

void add_identifier_ref(std::string& out, const char* system, const std::string& value, const std::string& display) {
  out += "{\"identifier\":{\"system\":";
  fhir::json::write_string(system, out);
  out += ",\"value\":";
  fhir::json::write_string(value, out);
  out += "},\"display\":";
  fhir::json::write_string(display, out);
  out += '}';
}

}  // namespace

std::string inbound_provenance_json(const InboundContext& in, const WrittenVersions& written, std::int64_t now_ms) {
  if (written.empty()) return {};
  std::string j = "{\"resourceType\":\"Provenance\",\"target\":[";
  for (std::size_t i = 0; i < written.size(); ++i) {
    const storage::StoredVersion& v = *written[i];
    if (i > 0) j += ',';
    j += "{\"reference\":";
    fhir::json::write_string(v.type + "/" + v.id + "/_history/" + std::to_string(v.version), j);
    j += '}';
  }
  j += "],\"recorded\":";
  fhir::json::write_string(search::format_instant(now_ms), j);
  j += ",\"agent\":[{\"who\":";
  add_identifier_ref(j, kClientIdSystem, in.peer.client_id, "peer gateway " + in.peer.name);
  j += "}]";
  std::vector<std::string> entities;
  auto entity = [&entities](const char* system, const std::string& value, const char* display) {
    if (value.empty()) return;
    std::string e = "{\"role\":\"source\",\"what\":";
    add_identifier_ref(e, system, value, display);
    entities.push_back(e + "}");
  };
  entity(kSourceSystem, in.source_system, "sending system");
  entity(kUriSystem, in.transaction, "received transaction");
  for (std::size_t i = 0; i < entities.size(); ++i) j += (i == 0 ? ",\"entity\":[" : ",") + entities[i];
  j += entities.empty() ? "}" : "]}";
  return j;
}

void record_inbound(WriteContext& w, const InboundContext& in, const WrittenVersions& written) {
  const std::string json = inbound_provenance_json(in, written, w.now_ms);
  if (json.empty()) return;
  auto parsed = fhir::json::parse(json);
  if (!parsed) throw std::logic_error("inbound Provenance is not valid JSON");
  create_resource(w, "Provenance", parsed.document->root(), nullptr);
}

}  // namespace fhirgw::rest
