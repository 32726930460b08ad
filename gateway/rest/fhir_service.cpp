#include "rest/fhir_service.h"

#include <chrono>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/validation/validator.h"
#include "http/body_json.h"
#include "http/error_response.h"
#include "http/http_date.h"
#include "rest/resource_body.h"
#include "rest/service_context.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

using fhir::json::Node;
using http::error_response;
using http::Request;
using http::Response;

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) out.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

Response method_not_allowed(const std::string& method, const std::string& allow) {
  Response r = error_response(405, "method " + method + " is not allowed here; allowed: " + allow);
  r.headers.set("allow", allow);
  return r;
}

// Conditional read: If-None-Match (a version ETag) wins over If-Modified-Since (second resolution).
bool not_modified(const Request& req, const storage::StoredVersion& v) {
  if (const auto inm = req.headers.get("if-none-match")) return parse_etag(*inm) == v.version;
  if (const auto ims = req.headers.get("if-modified-since")) {
    const auto since = http::parse_http_date(*ims);
    return since && v.last_updated_ms / 1000 * 1000 <= *since;
  }
  return false;
}

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

FhirService::FhirService(storage::Store& store, const fhir::model::Registry& registry,
                         const search::ParamCatalog& catalog, const fhir::validation::Validator* validator,
                         RestConfig config)
    : clock(system_now_ms),
      store_(store),
      registry_(registry),
      catalog_(catalog),
      validator_(validator),
      config_(std::move(config)),
      pages_(1000, std::chrono::minutes(30)) {}

Response FhirService::handle(const Request& req) { return run(req, nullptr); }

Response FhirService::handle_bundle(const Request& req, std::vector<EntryResponse>& entries) {
  entries.clear();
  return run(req, &entries);
}

Response FhirService::run(const Request& req, std::vector<EntryResponse>* entries) {
  Ctx ctx{req, read_preferences(req), {}, clock(), std::nullopt, entries};
  if (!config_.base_url.empty()) {
    ctx.base = config_.base_url;
  } else {
    const auto host = req.headers.get("host");
    ctx.base = "http://" + std::string(host ? *host : "localhost") + "/fhir";
  }
  if (auto reason = check_accept(req)) return error_response(406, *reason);
  if (inbound_peer) ctx.inbound = inbound_peer(req);
  try {
    return dispatch(ctx);
  } catch (const storage::StorageError&) {
    // Never echo request data or storage internals in a 5xx body; the log has the details.
    return error_response(503, "the storage is not available; retry later");
  }
}

Response FhirService::dispatch(Ctx& ctx) {
  const Request& req = ctx.req;
  const auto seg = split_path(std::string_view(req.path).substr(5));  // after "/fhir"
  const std::string& m = req.method;

  if (seg.empty()) {
    for (const auto& [k, v] : req.query) {
      if (k == "_getpages" && m == "GET") return page(ctx, v);
    }
    if (m == "POST") return bundle(ctx);
    return method_not_allowed(m, "POST");
  }
  if (seg[0] == "metadata") {
    if (seg.size() != 1) return error_response(404, "no such endpoint");
    return m == "GET" ? capability_statement(ctx) : method_not_allowed(m, "GET");
  }
  if (seg[0] == "_history") {
    if (seg.size() != 1) return error_response(404, "no such endpoint");
    return m == "GET" ? history(ctx, {}, {}) : method_not_allowed(m, "GET");
  }
  const std::string& type = seg[0];
  if (!registry_.is_resource_type(type))
    return error_response(404, "'" + type + "' is not an R4 resource type", "not-supported");

  if (seg.size() == 1) {
    if (m == "GET") return search(ctx, type, req.query);
    if (m == "POST") return create(ctx, type);
    if (m == "PUT") return update(ctx, type, {});
    if (m == "DELETE") return remove(ctx, type, {});
    if (m == "PATCH") return patch(ctx, type, {});
    return method_not_allowed(m, "GET, POST, PUT, PATCH, DELETE");
  }
  if (seg[1] == "_search") {
    if (seg.size() != 2) return error_response(404, "no such endpoint");
    if (m != "POST" && m != "GET") return method_not_allowed(m, "GET, POST");
    http::QueryParams params = req.query;
    if (m == "POST" && !req.body.empty()) {
      const auto ct = req.headers.get("content-type");
      if (!ct || http::to_lower(*ct).find("application/x-www-form-urlencoded") == std::string::npos) {
        return error_response(415, "POST _search takes application/x-www-form-urlencoded");
      }
      if (!http::parse_form(req.body, params)) return error_response(400, "the form body is not valid");
    }
    return search(ctx, type, params);
  }
  if (seg[1] == "_history") {
    if (seg.size() != 2) return error_response(404, "no such endpoint");
    return m == "GET" ? history(ctx, type, {}) : method_not_allowed(m, "GET");
  }
  if (seg[1] == "$validate") {
    if (seg.size() != 2) return error_response(404, "no such endpoint");
    return m == "POST" ? validate_operation(ctx, type, {}) : method_not_allowed(m, "POST");
  }
  const std::string& id = seg[1];
  if (!valid_id(id)) return error_response(400, "'" + id + "' is not a valid FHIR id");
  if (seg.size() == 2) {
    if (m == "GET" || m == "HEAD") return read(ctx, type, id);
    if (m == "PUT") return update(ctx, type, id);
    if (m == "DELETE") return remove(ctx, type, id);
    if (m == "PATCH") return patch(ctx, type, id);
    return method_not_allowed(m, "GET, PUT, PATCH, DELETE");
  }
  if (seg[2] == "$validate" && seg.size() == 3) {
    return m == "POST" ? validate_operation(ctx, type, id) : method_not_allowed(m, "POST");
  }
  if (seg[2] == "_history") {
    if (seg.size() == 3) return m == "GET" ? history(ctx, type, id) : method_not_allowed(m, "GET");
    if (seg.size() == 4) return m == "GET" ? vread(ctx, type, id, seg[3]) : method_not_allowed(m, "GET");
  }
  return error_response(404, "no such endpoint");
}

// ---- shared steps ------------------------------------------------------------------------------

std::optional<Response> FhirService::parse_resource_body(Ctx& ctx, const std::string& type, ParsedBody& out) {
  if (auto reason = check_content_type(ctx.req)) return error_response(415, *reason);
  if (ctx.req.body.empty()) return error_response(400, "the request has no body; send a " + type + " resource");
  auto parsed = http::take_body_json(ctx.req);  // parsed already if the access filter read a Bundle
  if (!parsed) {
    const auto& e = *parsed.error;
    fhir::validation::Outcome o;
    o.add(fhir::validation::Severity::Error, "structure", "the body is not valid JSON: " + e.message, {}, e.location);
    return http::outcome_response(400, o);
  }
  out.doc = std::move(parsed.document);
  const Node& root = out.doc->root();
  const Node* rt = root.is_object() ? root.find("resourceType") : nullptr;
  if (!rt || !rt->is_string())
    return error_response(400, "the body is not a FHIR resource (no resourceType)", "structure");
  if (!type.empty() && rt->text() != type) {
    return error_response(400, "the body is a " + std::string(rt->text()) + ", the URL says " + type, "invalid");
  }
  return std::nullopt;
}

fhir::validation::Outcome FhirService::validate_for_write(const Node& resource, const fhir::json::LineIndex* lines,
                                                          bool errors_only) {
  if (!validator_ || config_.validation == ValidationMode::Off) return {};
  fhir::validation::ValidateOptions options;
  options.errors_only = errors_only;
  return validator_->validate(resource, lines, options);
}

std::optional<Response> FhirService::validate_resource(const Node& resource, const fhir::json::LineIndex* lines,
                                                       fhir::validation::Outcome& warnings) {
  warnings = validate_for_write(resource, lines);
  if (warnings.has_errors()) {
    validation_failures_.fetch_add(1, std::memory_order_relaxed);
    if (config_.validation == ValidationMode::Strict) return http::outcome_response(422, warnings);
  }
  return std::nullopt;
}

Response FhirService::write_response(Ctx& ctx, const OpResult& result, const fhir::validation::Outcome& warnings) {
  if (result.failed()) return http::outcome_response(result.status, result.outcome);
  Response r;
  r.status = result.status;
  r.headers.set("content-type", std::string(http::kFhirJson));
  if (!warnings.issues().empty()) r.headers.set("x-validation-issues", std::to_string(warnings.issues().size()));
  if (!result.stored) {  // conditional delete without a match
    fhir::validation::Outcome o;
    o.add(fhir::validation::Severity::Information, "informational", "no resource matched; nothing deleted");
    return http::outcome_response(200, o);
  }
  const storage::StoredVersion& v = *result.stored;
  r.headers.set("etag", etag(v.version));
  r.headers.set("last-modified", http::format_http_date(v.last_updated_ms));
  if (v.deleted) {
    fhir::validation::Outcome o;
    o.add(fhir::validation::Severity::Information, "informational", "deleted " + v.type + "/" + v.id);
    Response d = http::outcome_response(200, o);
    d.headers.set("etag", etag(v.version));
    return d;
  }
  const std::string location = ctx.base + "/" + v.type + "/" + v.id + "/_history/" + std::to_string(v.version);
  r.headers.set(result.status == 201 ? "location" : "content-location", location);
  switch (ctx.prefs.return_pref) {
    case ReturnPref::Minimal: r.headers.remove("content-type"); break;
    case ReturnPref::OperationOutcome: {
      fhir::validation::Outcome o = warnings;
      r.body = fhir::json::to_string(o.to_operation_outcome());
      break;
    }
    case ReturnPref::Representation: r.body = v.body; break;
  }
  return r;
}

WriteContext FhirService::write_context(Ctx& ctx, storage::WriteTransaction& txn) {
  return WriteContext{txn, catalog_, ctx.now_ms, changes, ctx.inbound ? ctx.inbound->name : std::string()};
}

void FhirService::finish_write(Ctx& ctx, WriteContext& w, const std::vector<const OpResult*>& results,
                               std::string transaction) {
  if (ctx.inbound) {
    WrittenVersions written;
    for (const OpResult* r : results) {
      if (r->written && r->stored) written.push_back(&*r->stored);
    }
    InboundContext in;
    in.peer = *ctx.inbound;
    if (const auto s = ctx.req.headers.get("x-source-system")) in.source_system = std::string(*s);
    in.transaction = transaction.empty() ? "urn:fhirgw:request:" + ctx.req.request_id : std::move(transaction);
    record_inbound(w, in, written);
  }
  commit_write(w);
}

// ---- read / vread / history --------------------------------------------------------------------

Response FhirService::read(Ctx& ctx, const std::string& type, const std::string& id) {
  auto v = store_.read(type, id);
  if (!v) return error_response(404, type + "/" + id + " is not known", "not-found");
  if (v->deleted) {
    Response r = error_response(410, type + "/" + id + " was deleted", "deleted");
    r.headers.set("etag", etag(v->version));
    return r;
  }
  Response r;
  r.headers.set("etag", etag(v->version));
  r.headers.set("last-modified", http::format_http_date(v->last_updated_ms));
  if (not_modified(ctx.req, *v)) {
    r.status = 304;
    return r;
  }
  r.headers.set("content-type", std::string(http::kFhirJson));
  bool controls = false;
  for (const auto& [k, val] : ctx.req.query) controls |= k == "_elements" || k == "_summary";
  if (controls) {
    const auto parsed = search::parse_search(catalog_, type, ctx.req.query);
    if (parsed.error) return error_response(400, *parsed.error);
    r.body = render_resource(type, v->body, &parsed);
  } else {
    r.body = std::move(v->body);
  }
  return r;
}

Response FhirService::vread(Ctx&, const std::string& type, const std::string& id, const std::string& vid) {
  const auto version = parse_etag(vid);
  if (!version || *version < 1) return error_response(400, "'" + vid + "' is not a version id");
  auto v = store_.vread(type, id, *version);
  if (!v) return error_response(404, type + "/" + id + " has no version " + vid, "not-found");
  if (v->deleted) return error_response(410, "version " + vid + " of " + type + "/" + id + " is a delete", "deleted");
  Response r;
  r.headers.set("content-type", std::string(http::kFhirJson));
  r.headers.set("etag", etag(v->version));
  r.headers.set("last-modified", http::format_http_date(v->last_updated_ms));
  r.body = std::move(v->body);
  return r;
}

Response FhirService::history(Ctx& ctx, const std::string& type, const std::string& id) {
  storage::HistoryQuery q;
  q.type = type;
  q.id = id;
  q.limit = config_.default_count;
  for (const auto& [k, v] : ctx.req.query) {
    if (k == "_count") {
      try {
        q.limit = std::min<std::size_t>(std::stoul(v), config_.max_count);
      } catch (...) {
        return error_response(400, "_count must be a non-negative integer");
      }
    } else if (k == "_since") {
      const auto r = search::parse_date_range(v);
      if (!r) return error_response(400, "_since must be an instant");
      q.since_ms = r->low_ms;
    } else if (k == "_offset") {
      try {
        q.offset = std::stoul(v);
      } catch (...) {
        return error_response(400, "_offset must be a non-negative integer");
      }
    } else if (k == "_snapshot") {  // our own paging bound (the first page's newest change): stable pages
      try {
        q.snapshot = std::stoll(v);
      } catch (...) {
        return error_response(400, "_snapshot must be an integer");
      }
    }
  }
  if (!id.empty() && !store_.read(type, id)) return error_response(404, type + "/" + id + " is not known", "not-found");
  const auto page_data = store_.history(q);

  const std::string path = ctx.base + (type.empty() ? "" : "/" + type) + (id.empty() ? "" : "/" + id) + "/_history";
  auto link_for = [&](std::size_t offset) {
    std::string url = path + "?_count=" + std::to_string(q.limit) + "&_offset=" + std::to_string(offset) +
                      "&_snapshot=" + std::to_string(page_data.snapshot);
    if (q.since_ms) url += "&_since=" + search::format_instant(*q.since_ms);
    return url;
  };
  BundleWriter b("history", ctx.now_ms);
  b.total(page_data.total);
  b.link("self", link_for(q.offset));
  if (q.offset + q.limit < page_data.total) b.link("next", link_for(q.offset + q.limit));
  if (q.offset > 0) b.link("previous", link_for(q.offset > q.limit ? q.offset - q.limit : 0));
  for (const auto& v : page_data.entries) {
    const std::string full_url = ctx.base + "/" + v.type + "/" + v.id;
    const std::string request_url = v.method == storage::Method::Create ? v.type : v.type + "/" + v.id;
    const std::string request = json_object({{"method", storage::method_name(v.method)}, {"url", request_url}});
    const char* status =
        v.method == storage::Method::Create ? "201 Created" : (v.deleted ? "204 No Content" : "200 OK");
    const std::string response = json_object(
        {{"status", status}, {"etag", etag(v.version)}, {"lastModified", search::format_instant(v.last_updated_ms)}});
    b.entry(full_url, v.deleted ? std::string_view() : std::string_view(v.body), {}, request, response);
  }
  Response r;
  r.headers.set("content-type", std::string(http::kFhirJson));
  r.body = b.finish();
  return r;
}

// ---- create / update / delete ------------------------------------------------------------------

IfMatch read_if_match(const http::Request& req) {
  IfMatch out;
  if (const auto header = req.headers.get("if-match")) {
    out.version = parse_etag(*header);
    if (!out.version) out.error = error_response(400, "If-Match must be a version ETag such as W/\"3\"");
  }
  return out;
}

// Criteria of a conditional request from a query string or from the request query.
std::optional<std::string> conditional_criteria(const search::ParamCatalog& catalog, const std::string& type,
                                                const http::QueryParams& params, search::ParsedSearch& out) {
  http::QueryParams criteria;
  for (const auto& p : params) {
    if (!search::is_transport_param(p.first)) criteria.push_back(p);
  }
  if (criteria.empty()) return "a conditional operation needs search criteria";
  out = search::parse_search(catalog, type, criteria);
  if (out.error) return *out.error;
  if (!out.unknown.empty()) return "unknown search parameter '" + out.unknown.front() + "' in the conditional criteria";
  if (out.query.all_of.empty()) return "a conditional operation needs search criteria";
  return std::nullopt;
}

Response FhirService::create(Ctx& ctx, const std::string& type) {
  ParsedBody body;
  if (auto err = parse_resource_body(ctx, type, body)) return *err;
  std::optional<search::ParsedSearch> if_none_exist;
  if (const auto ine = ctx.req.headers.get("if-none-exist")) {
    std::string path;
    http::QueryParams params;
    std::string query(*ine);
    if (query.starts_with(type + "?")) query.erase(0, type.size() + 1);
    if (!query.starts_with("?")) query.insert(0, "?");
    if (!http::parse_target("/" + query, path, params))
      return error_response(400, "If-None-Exist is not a query string");
    if_none_exist.emplace();
    if (auto err = conditional_criteria(catalog_, type, params, *if_none_exist))
      return error_response(400, "If-None-Exist: " + *err);
  }
  fhir::validation::Outcome warnings;
  if (auto rejected = validate_resource(body.doc->root(), &body.doc->lines(), warnings)) return *rejected;
  // An unconditional create is built (JSON text, index rows) before the write transaction.
  std::optional<storage::NewVersion> prepared;
  if (!if_none_exist)
    prepared = prepare_version(catalog_, type, new_id(), body.doc->root(), 1, ctx.now_ms, ctx.req.body);
  auto txn = store_.begin_write(prepared ? storage::WriteIntent::Unconditional : storage::WriteIntent::General);
  WriteContext wctx = write_context(ctx, *txn);
  OpResult result = prepared ? create_prepared(wctx, std::move(*prepared))
                             : create_resource(wctx, type, body.doc->root(), &*if_none_exist);
  if (!result.failed()) {
    finish_write(ctx, wctx, {&result});
  }
  return write_response(ctx, result, warnings);
}

Response FhirService::update(Ctx& ctx, const std::string& type, const std::string& id) {
  ParsedBody body;
  if (auto err = parse_resource_body(ctx, type, body)) return *err;
  const Node& resource = body.doc->root();
  const IfMatch if_match = read_if_match(ctx.req);
  if (if_match.error) return *if_match.error;
  search::ParsedSearch criteria;
  if (id.empty()) {
    if (auto err = conditional_criteria(catalog_, type, ctx.req.query, criteria)) return error_response(400, *err);
  } else {
    const Node* body_id = resource.find("id");
    if (!body_id || !body_id->is_string()) return error_response(400, "an update needs the resource id in the body");
    if (body_id->text() != id) {
      return error_response(400,
                            "the body id '" + std::string(body_id->text()) + "' differs from the URL id '" + id + "'");
    }
  }
  fhir::validation::Outcome warnings;
  if (auto rejected = validate_resource(resource, &body.doc->lines(), warnings)) return *rejected;
  const bool unconditional = !id.empty() && !if_match.version;
  auto txn = store_.begin_write(unconditional ? storage::WriteIntent::Unconditional : storage::WriteIntent::General);
  WriteContext wctx = write_context(ctx, *txn);
  OpResult result = id.empty() ? conditional_update(wctx, type, criteria, resource, if_match.version)
                               : update_resource(wctx, type, id, resource, if_match.version);
  if (!result.failed()) {
    finish_write(ctx, wctx, {&result});
  }
  return write_response(ctx, result, warnings);
}

Response FhirService::remove(Ctx& ctx, const std::string& type, const std::string& id) {
  search::ParsedSearch criteria;
  if (id.empty()) {
    if (auto err = conditional_criteria(catalog_, type, ctx.req.query, criteria)) return error_response(400, *err);
  }
  auto txn = store_.begin_write();
  WriteContext wctx = write_context(ctx, *txn);
  OpResult result = id.empty() ? conditional_delete(wctx, type, criteria) : delete_resource(wctx, type, id);
  if (!result.failed()) {
    finish_write(ctx, wctx, {&result});
  }
  return write_response(ctx, result, {});
}

// ---- $validate ---------------------------------------------------------------------------------

Response FhirService::validate_operation(Ctx& ctx, const std::string& type, const std::string& id) {
  ParsedBody body;
  if (auto err = parse_resource_body(ctx, {}, body)) return *err;
  const Node* resource = &body.doc->root();
  fhir::validation::ValidateOptions options;
  for (const auto& [k, v] : ctx.req.query) {
    if (k == "profile") options.profiles.push_back(v);
  }
  if (resource->find("resourceType")->text() == "Parameters") {
    const Node* params = resource->find("parameter");
    const Node* found = nullptr;
    if (params && params->is_array()) {
      for (const Node& p : params->items()) {
        const Node* name = p.find("name");
        if (!name || !name->is_string()) continue;
        if (name->text() == "resource") found = p.find("resource");
        if (name->text() == "profile") {
          for (const char* key : {"valueUri", "valueCanonical", "valueString"}) {
            if (const Node* v = p.find(key); v && v->is_string()) options.profiles.emplace_back(v->text());
          }
        }
      }
    }
    if (!found || !found->is_object()) return error_response(400, "Parameters has no 'resource' parameter");
    resource = found;
  }
  const Node* rt = resource->find("resourceType");
  if (!rt || !rt->is_string() || rt->text() != type) {
    return error_response(400, "$validate on " + type + " needs a " + type + " resource");
  }
  if (!id.empty()) {
    const Node* rid = resource->find("id");
    if (rid && rid->is_string() && rid->text() != id)
      return error_response(400, "the resource id differs from the URL");
  }
  if (!validator_) return error_response(501, "validation is not available");
  const auto outcome = validator_->validate(*resource, &body.doc->lines(), options);
  return http::outcome_response(200, outcome);
}

}  // namespace fhirgw::rest
