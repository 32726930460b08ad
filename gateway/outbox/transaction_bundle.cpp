#include "outbox/transaction_bundle.h"

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhirgw::outbox {

std::string transaction_bundle(const std::vector<const storage::OutboxItem*>& items, const std::string& identifier) {
  // Sized once: a Bundle of 1000 stored bodies is about a megabyte, which growing by doubling copied again.
  std::size_t size = 160 + identifier.size();
  for (const storage::OutboxItem* item : items) size += item->body.size() + item->type.size() + item->id.size() + 64;
  std::string out;
  out.reserve(size);
  out += "{\"resourceType\":\"Bundle\",\"identifier\":{\"system\":\"urn:ietf:rfc:3986\",\"value\":";
  fhir::json::write_string(identifier, out);
  out += "},\"type\":\"transaction\",\"entry\":[";
  std::string ref;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const storage::OutboxItem& item = *items[i];
    ref.assign(item.type).append(1, '/').append(item.id);
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
