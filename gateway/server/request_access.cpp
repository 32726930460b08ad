#include "server/request_access.h"

#include <array>
#include <optional>

#include "fhir/json/parser.h"
#include "fhir/mappings/to_fhir.h"
#include "http/body_json.h"

namespace fhirgw::server {
namespace {

using auth::Interaction;
using fhir::json::Node;

// The non-empty parts of `text` between `separator`s.
std::vector<std::string_view> segments_by(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto at = text.find(separator);
    const auto part = text.substr(0, at);
    if (!part.empty()) out.push_back(part);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return out;
}

std::vector<std::string_view> segments(std::string_view path) { return segments_by(path, '/'); }

// Parameters whose values are ids, references, identifiers or paging/format controls: kept in the audit.
constexpr std::array<std::string_view, 18> kKeptParams = {
    "_id",      "patient",     "subject",   "identifier", "encounter", "_count", "_offset", "_getpages", "_sort",
    "_include", "_revinclude", "_elements", "_summary",   "_format",   "_total", "_since",  "_snapshot", "_at"};

bool kept(std::string_view name) {
  const auto colon = name.find(':');  // modifiers: patient:Patient, _include:iterate
  const auto base = name.substr(0, colon);
  for (const auto k : kKeptParams) {
    if (k == base) return true;
  }
  return false;
}

struct FhirCall {
  std::string type;
  std::string id;
  Interaction interaction = Interaction::read;
  std::string code;  // restful-interaction code
  bool write = false;
};

// One FHIR interaction from a method and the path segments after the base (also used for Bundle entries).
std::optional<FhirCall> fhir_call(std::string_view method, const std::vector<std::string_view>& seg) {
  FhirCall c;
  auto set = [&](Interaction i, const char* code, bool write = false) {
    c.interaction = i;
    c.code = code;
    c.write = write;
    return c;
  };
  if (seg.empty()) {
    if (method == "GET") return set(Interaction::search, "search-system");  // _getpages or system search
    return std::nullopt;                                                    // POST: the Bundle's entries
  }
  if (seg[0] == "_history") return set(Interaction::history_type, "history-system");
  if (seg[0].starts_with("$")) return set(Interaction::operation, "operation");
  c.type = std::string(seg[0]);
  if (seg.size() == 1) {
    if (method == "GET" || method == "HEAD") return set(Interaction::search, "search-type");
    if (method == "POST") return set(Interaction::create, "create", true);
    if (method == "PUT") return set(Interaction::update, "update", true);      // conditional update
    if (method == "DELETE") return set(Interaction::delete_, "delete", true);  // conditional delete
    if (method == "PATCH") return set(Interaction::patch, "patch", true);
    return set(Interaction::read, "read");  // unknown method: the handler answers 405
  }
  if (seg[1] == "_search") return set(Interaction::search, "search-type");
  if (seg[1] == "_history") return set(Interaction::history_type, "history-type");
  if (seg[1].starts_with("$")) return set(Interaction::operation, "operation");
  c.id = std::string(seg[1]);
  if (seg.size() == 2) {
    if (method == "PUT") return set(Interaction::update, "update", true);
    if (method == "DELETE") return set(Interaction::delete_, "delete", true);
    if (method == "PATCH") return set(Interaction::patch, "patch", true);
    return set(Interaction::read, "read");
  }
  if (seg[2] == "_history") {
    if (seg.size() >= 4) return set(Interaction::vread, "vread");
    return set(Interaction::history, "history-instance");
  }
  if (seg[2].starts_with("$")) return set(Interaction::operation, "operation");
  return set(Interaction::read, "read");
}

void add_need(RequestAccess& a, const FhirCall& c, bool conditional, int entry = -1) {
  a.needs.push_back({c.type, c.interaction, entry});
  // A conditional write searches first; the search must be allowed too.
  if (conditional && c.write) a.needs.push_back({c.type, Interaction::search, entry});
}

// What the audit record of an interaction names: the instance (or version), else the masked search.
std::vector<audit::Entity> entities_of(const FhirCall& c, const std::vector<std::string_view>& seg,
                                       const http::QueryParams& query) {
  if (!c.id.empty()) {
    std::string ref = c.type + "/" + c.id;
    if (c.interaction == Interaction::vread) ref += "/_history/" + std::string(seg[3]);
    return {audit::Entity::of_reference(ref)};
  }
  if (!c.write || !query.empty()) return {audit::Entity::of_query(masked_query(c.type, query))};
  return {};
}

// The same needs on every type the /internal/records mapping writes (and reads back).
void mapped_type_needs(RequestAccess& a, std::initializer_list<Interaction> interactions) {
  for (const std::string_view type : fhir::mappings::kMappedResourceTypes) {
    for (const Interaction i : interactions) a.needs.push_back({std::string(type), i});
  }
}

// _include / _revinclude return resources of other types than the searched one; they need rights too:
// `_revinclude=Source:param` is a search of Source; `_include=Source:param:Target` reads Target, and
// without a target type (or `*`) the included types are not known here, so it needs read on every type
// (which the access filter extends to the audit trail).
// A value the handler cannot parse adds nothing (it answers 400).
void include_needs(RequestAccess& a, const http::QueryParams& params) {
  for (const auto& [name, value] : params) {
    const bool include = name == "_include" || name == "_include:iterate";
    const bool revinclude = name == "_revinclude" || name == "_revinclude:iterate";
    if (!include && !revinclude) continue;
    const auto parts = segments_by(value, ':');
    if (parts.size() < 2 || parts.size() > 3) continue;
    if (revinclude) {
      a.needs.push_back({parts[0] == "*" ? std::string() : std::string(parts[0]), Interaction::search});
    } else {
      const bool target_known = parts.size() == 3 && parts[2] != "*";
      a.needs.push_back({target_known ? std::string(parts[2]) : std::string(), Interaction::read});
    }
  }
}

// The type a page id names (PageCache ids are "Type.random"); "" when it names none (then "*" is needed).
std::string page_type(const http::QueryParams& query) {
  for (const auto& [name, value] : query) {
    if (name != "_getpages") continue;
    const auto dot = value.find('.');
    return dot == std::string::npos ? std::string() : value.substr(0, dot);
  }
  return {};
}

// Every entry of a transaction or batch Bundle. An unreadable body adds nothing: the handler answers 400.
void bundle_needs(const http::Request& req, RequestAccess& a) {
  const auto& parsed = http::body_json(req);  // the handler takes this document: one parse per request
  if (!parsed || !parsed.document->root().is_object()) return;
  const Node& root = parsed.document->root();
  const Node* type = root.find("type");
  if (type && type->is_string()) a.interaction = type->text() == "batch" ? "batch" : "transaction";
  const Node* entries = root.find("entry");
  if (!entries || !entries->is_array()) return;
  for (const Node& e : entries->items()) {
    const int index = static_cast<int>(a.entries.size());
    a.entries.emplace_back();
    const Node* request = e.is_object() ? e.find("request") : nullptr;
    const Node* method = request && request->is_object() ? request->find("method") : nullptr;
    const Node* url = request && request->is_object() ? request->find("url") : nullptr;
    if (!method || !url || !method->is_string() || !url->is_string()) continue;  // the handler refuses it
    std::string_view u = url->text();
    const auto q = u.find('?');
    const bool has_query = q != std::string_view::npos;
    const auto seg = segments(u.substr(0, q));
    const auto call = fhir_call(method->text(), seg);
    if (!call || (call->type.empty() && call->code == "search-system" && method->text() != "GET")) continue;
    add_need(a, *call, has_query, index);
    http::QueryParams query;
    std::string ignored;
    if (has_query) http::parse_target("/?" + std::string(u.substr(q + 1)), ignored, query);
    a.entries.back() = {call->code, entities_of(*call, seg, query)};
  }
}

}  // namespace

std::string masked_query(const std::string& type, const http::QueryParams& params) {
  std::string out = type + "?";
  bool first = true;
  for (const auto& [name, value] : params) {
    if (!first) out += '&';
    first = false;
    out += name + "=" + (kept(name) ? value : std::string("*"));
  }
  return out;
}

RequestAccess request_access(const http::Request& req) {
  RequestAccess a;
  const std::string& p = req.path;
  if (p == "/internal/records" || p.starts_with("/internal/")) {
    a.area = Area::internal;
    if (req.method == "POST") {
      mapped_type_needs(a, {Interaction::create, Interaction::update});
      a.interaction = "transaction";
      a.entities.push_back(audit::Entity::of_query("POST /internal/records"));
    } else {
      mapped_type_needs(a, {Interaction::read, Interaction::search});
      a.interaction = "search-system";
      a.entities.push_back(audit::Entity::of_query(masked_query("/internal/records", req.query)));
    }
    return a;
  }
  if (p == "/admin" || p.starts_with("/admin/")) {
    a.area = Area::admin;
    return a;
  }
  if (p != "/fhir" && !p.starts_with("/fhir/")) return a;
  const auto seg = segments(std::string_view(p).substr(5));
  if (seg.size() == 1 && seg[0] == "metadata") return a;  // capabilities: open
  a.area = Area::fhir;
  if (seg.empty() && req.method == "POST") {
    bundle_needs(req, a);
    if (a.interaction.empty()) a.interaction = "transaction";
    return a;
  }
  auto call = fhir_call(req.method, seg);
  if (!call) return a;
  if (seg.empty()) call->type = page_type(req.query);  // a page of a type's search: that type's search right
  add_need(a, *call, !req.query.empty() && call->id.empty());
  if (call->interaction == Interaction::search && !call->type.empty()) {
    include_needs(a, req.query);
    // POST Type/_search: the parameters may be in the form body too.
    http::QueryParams form;
    if (req.method == "POST" && http::parse_form(req.body, form)) include_needs(a, form);
  }
  a.interaction = call->code;
  a.single_write = call->write;
  a.entities = entities_of(*call, seg, req.query);
  return a;
}

}  // namespace fhirgw::server
