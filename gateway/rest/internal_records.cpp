#include "rest/internal_records.h"

#include <algorithm>
#include <optional>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/mappings/from_fhir.h"
#include "fhir/mappings/ids.h"
#include "fhir/mappings/to_fhir.h"
#include "http/error_response.h"
#include "rest/bundle_writer.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

using fhir::json::Node;
using http::error_response;
using http::Response;

http::Response InternalRecords::handle(const http::Request& req) {
  if (req.method == "POST") return post(req);
  if (req.method == "GET") return get(req);
  Response r = error_response(405, "use POST (records in) or GET (records out)");
  r.headers.set("allow", "GET, POST");
  return r;
}

Response InternalRecords::post(const http::Request& req) {
  const auto ct = req.headers.get("content-type");
  const std::string media = ct ? http::to_lower(ct->substr(0, ct->find(';'))) : std::string();
  if (media != "application/x-ndjson" && media != "application/json" && media != "application/ndjson") {
    return error_response(415, "send internal records as application/x-ndjson");
  }
  fhir::mappings::ToFhirOptions options;
  for (const auto& [k, v] : req.query) {
    if (k == "all_or_nothing") options.all_or_nothing = v == "true";
  }
  // The Bundle as text (what the transaction below parses), not as a tree serialized again.
  std::string bundle_json;
  auto mapped = fhir::mappings::records_to_fhir_json(req.body, tables_, options, bundle_json);

  std::string stored_json = "[]";
  int status = 200;
  if (!bundle_json.empty() && mapped.resources > 0) {
    http::Request tx;
    tx.method = "POST";
    tx.target = "/fhir";
    tx.path = "/fhir";
    tx.headers.set("content-type", "application/fhir+json");
    tx.headers.set("prefer", "return=minimal");
    if (const auto host = req.headers.get("host")) tx.headers.set("host", std::string(*host));
    tx.body = std::move(bundle_json);
    std::vector<EntryResponse> entries;
    Response stored = fhir_.handle_bundle(tx, entries);
    if (stored.status != 200) return stored;  // the transaction failed: nothing was stored
    // The entries' responses are in the order of the mapped Bundle, whose entries the mapper named by the
    // record (and line) each came from.
    stored_json = "[";
    for (std::size_t i = 0; i < entries.size() && i < mapped.entries.size(); ++i) {
      if (i > 0) stored_json += ',';
      std::string item = json_object({{"resource", entries[i].location}, {"status", entries[i].status}});
      const fhir::mappings::EntryOrigin& origin = mapped.entries[i];
      item.pop_back();
      item += ",\"record\":";
      fhir::json::write_string(origin.record, item);
      item += ",\"line\":" + std::to_string(origin.line) + '}';
      stored_json += item;
    }
    stored_json += "]";
  } else if (mapped.has_rejections()) {
    status = 422;
  }
  Response r;
  r.status = status;
  r.headers.set("content-type", "application/json");
  r.body = "{\"records_read\":" + std::to_string(mapped.records_read) +
           ",\"records_mapped\":" + std::to_string(mapped.records_mapped) +
           ",\"records_rejected\":" + std::to_string(mapped.records_rejected) + ",\"stored\":" + stored_json +
           ",\"outcome\":" + fhir::json::to_string(mapped.outcome.to_operation_outcome()) + "}";
  return r;
}

Response InternalRecords::get(const http::Request& req) {
  std::string mrn;
  std::string type_filter;
  std::optional<std::int64_t> since;
  for (const auto& [k, v] : req.query) {
    if (k == "patient") mrn = v;
    if (k == "type") type_filter = v;
    if (k == "since") {
      const auto range = search::parse_date_range(v);
      if (!range) return error_response(400, "since must be a date or dateTime");
      since = range->low_ms;
    }
  }
  if (mrn.empty()) return error_response(400, "patient=MRN is required");
  const std::string patient_id =
      fhir::mappings::patient_resource_id(fhir::mappings::gateway_namespace(tables_.local_base()), mrn);
  const auto patient = store_.read("Patient", patient_id);
  if (!patient || patient->deleted) return error_response(404, "no patient with this MRN", "not-found");

  // The patient and everything that points at it through a patient/subject search parameter.
  std::vector<storage::ResourceRef> refs;
  for (const std::string& type : fhir::model::Registry::r4().resource_type_names()) {
    for (const char* param : {"patient", "subject"}) {
      const auto* p = catalog_.find(type, param);
      if (!p || p->kind != storage::ParamKind::Reference) continue;
      storage::SearchQuery q;
      q.type = type;
      q.count_total = false;
      q.limit = 100000;
      storage::SearchClause c;
      c.param = param;
      c.kind = storage::ParamKind::Reference;
      c.sources = p->sources;
      storage::SearchValue v;
      v.target_type = "Patient";
      v.target_id = patient_id;
      c.any_of.push_back(v);
      q.all_of.push_back(std::move(c));
      if (since) {
        storage::SearchClause lu;
        lu.param = "_lastUpdated";
        lu.kind = storage::ParamKind::LastUpdated;
        storage::SearchValue sv;
        sv.prefix = storage::Prefix::Ge;
        sv.low_ms = *since;
        sv.high_ms = *since;
        lu.any_of.push_back(sv);
        q.all_of.push_back(std::move(lu));
      }
      for (auto& m : store_.search(q).matches) {
        if (std::find(refs.begin(), refs.end(), m) == refs.end()) refs.push_back(std::move(m));
      }
    }
  }
  BundleWriter b("collection", 0);
  b.entry("urn:uuid:" + patient_id, patient->body);
  for (const auto& v : store_.read_many(refs)) b.entry("urn:uuid:" + v.id, v.body);
  const auto records = fhir::mappings::fhir_to_records(b.finish(), tables_);

  Response r;
  r.headers.set("content-type", "application/x-ndjson");
  for (const Node& record : records.records) {
    if (!type_filter.empty()) {
      const Node* t = record.find("type");
      if (!t || t->text() != type_filter) continue;
    }
    fhir::json::write(record, r.body);
    r.body += '\n';
  }
  if (!records.outcome.issues().empty()) {
    r.headers.set("x-mapping-issues", std::to_string(records.outcome.issues().size()));
  }
  return r;
}

}  // namespace fhirgw::rest
