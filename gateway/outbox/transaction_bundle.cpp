#include "outbox/transaction_bundle.h"

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhirgw::outbox {

std::string transaction_bundle(const std::vector<const storage::OutboxItem*>& items, const std::string& identifier) {
  std::string out = "{\"resourceType\":\"Bundle\",\"identifier\":{\"system\":\"urn:ietf:rfc:3986\",\"value\":";
  fhir::json::write_string(identifier, out);
  out += "},\"type\":\"transaction\",\"entry\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    const storage::OutboxItem& item = *items[i];
    const std::string ref = item.type + "/" + item.id;
    if (i > 0) out += ',';
    if (item.deleted) {
      out += "{\"request\":{\"method\":\"DELETE\",\"url\":";
      fhir::json::write_string(ref, out);
      out += "}}";
    } else {
      out += "{\"resource\":";
      out += item.body;  // the stored JSON text of that version
      out += ",\"request\":{\"method\":\"PUT\",\"url\":";
      fhir::json::write_string(ref, out);
      out += "}}";
    }
  }
  out += "]}";
  return out;
}

std::string error_reason(int status, const std::string& body) {
  std::string reason = "HTTP " + std::to_string(status);
  auto parsed = fhir::json::parse(body);
  if (parsed && parsed.document->root().is_object()) {
    const auto* issues = parsed.document->root().find("issue");
    if (issues && issues->is_array() && !issues->items().empty()) {
      if (const auto* d = issues->items().front().find("diagnostics"); d && d->is_string()) {
        reason += ": " + std::string(d->text());
      }
    }
  }
  if (reason.size() > 300) reason.resize(300);
  return reason;
}

}  // namespace fhirgw::outbox
