// POST /fhir with a transaction or batch Bundle.
//
// Transaction: one store transaction for the whole Bundle (all or nothing). Entries run in the order
// the specification gives (DELETE, POST, PUT, GET); ids of created resources are assigned before any
// write so that references to urn:uuid: fullUrls can be rewritten to "Type/id" everywhere; conditional
// creates/updates resolve their match first, inside the same transaction.
// Batch: every entry on its own, each with its own store transaction; failures are entry responses.
#include <algorithm>
#include <unordered_set>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/model/metadata.h"
#include "http/error_response.h"
#include "rest/fhir_service.h"
#include "rest/resource_body.h"
#include "rest/service_context.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

using fhir::json::Node;
using http::error_response;
using http::Response;

namespace {

enum class EntryMethod { Delete = 0, Post = 1, Put = 2, Get = 3 };

struct PlannedEntry {
  std::size_t index = 0;
  EntryMethod method = EntryMethod::Get;
  std::string type;
  std::string id;                                     // from the URL (PUT/DELETE/GET Type/id)
  std::string vid;                                    // GET Type/id/_history/vid
  http::QueryParams criteria_params;                  // conditional URL
  std::optional<search::ParsedSearch> criteria;       // conditional update/delete
  std::optional<search::ParsedSearch> if_none_exist;  // conditional create
  std::optional<std::int64_t> if_match;
  std::string full_url;
  Node* resource = nullptr;  // in the request's parsed Bundle (references are rewritten there)
  std::string assigned_id;   // POST: pre-assigned or matched id
  bool matched_existing = false;
  std::optional<storage::NewVersion> prepared;  // POST: stored form built before the write transaction
  bool current_read = false;                    // PUT by id: `current` read before the Bundle's writes
  std::optional<storage::StoredVersion> current;
  std::optional<PreparedVersion> prepared_put;  // PUT by id: stored form built before, for a guessed version
  OpResult result;
  fhir::validation::Outcome warnings;
};

const char* status_text(int status) {
  switch (status) {
    case 200: return "200 OK";
    case 201: return "201 Created";
    case 204: return "204 No Content";
    case 400: return "400 Bad Request";
    case 403: return "403 Forbidden";
    case 404: return "404 Not Found";
    case 409: return "409 Conflict";
    case 410: return "410 Gone";
    case 412: return "412 Precondition Failed";
    case 422: return "422 Unprocessable Entity";
    default: return status >= 500 ? "500 Internal Server Error" : "400 Bad Request";
  }
}

// fullUrl (urn:uuid:..., or a URL) -> "Type/id" of the resource it names in this Bundle.
using BundleIds = fhir::model::StringMap<std::string>;

// Rewrites every Reference.reference equal to a key of `ids`.
// Returns whether it changed something below `n`. A value holding a changed reference loses its offset
// (Node::kNoOffset): its request text is no longer its text, so stamped_json writes it from the tree.
bool rewrite_references(Node& n, const BundleIds& ids) {
  bool changed = false;
  if (n.is_object()) {
    for (auto& m : n.members()) {
      if (m.key == "reference" && m.value.is_string()) {
        const auto it = ids.find(m.value.text());
        if (it != ids.end()) {
          m.value = Node::string(it->second);
          changed = true;
        }
      } else {
        changed |= rewrite_references(m.value, ids);
      }
    }
  } else if (n.is_array()) {
    for (auto& item : n.items()) changed |= rewrite_references(item, ids);
  }
  if (changed) n.set_offset(Node::kNoOffset);
  return changed;
}

// Bundle.identifier.value when it is a URI (the transaction a Provenance names), else "".
std::string bundle_identifier(const Node& bundle) {
  const Node* identifier = bundle.find("identifier");
  const Node* value = identifier && identifier->is_object() ? identifier->find("value") : nullptr;
  if (!value || !value->is_string() || !value->text().starts_with("urn:")) return {};
  return std::string(value->text());
}

std::string entry_error_prefix(std::size_t index) { return "Bundle.entry[" + std::to_string(index) + "]"; }

OpResult entry_error(std::size_t index, int status, const std::string& text, const std::string& code = {}) {
  OpResult r = OpResult::error(status, text, code);
  r.outcome.issues().back().expression = entry_error_prefix(index);
  return r;
}

// No two PUT entries name the same resource (else the second must see what the first wrote).
bool put_ids_distinct(const std::vector<PlannedEntry>& plan) {
  std::unordered_set<std::string> seen;  // "Type/id"
  seen.reserve(plan.size());
  std::string key;
  for (const PlannedEntry& p : plan) {
    if (p.method != EntryMethod::Put) continue;
    key.assign(p.type).append(1, '/').append(p.id);
    if (!seen.insert(key).second) return false;
  }
  return true;
}

// An entry's entry.response status and location (the response Bundle and handle_bundle both take them from
// here): a refused entry its error status; one with no version (a conditional delete that matched nothing)
// 200 OK; otherwise the version's status and, unless it was a read, its location.
EntryResponse entry_response(const PlannedEntry& p) {
  EntryResponse e;
  if (!p.result.failed() && !p.result.stored) {
    e.status = "200 OK";
    return e;
  }
  e.status = status_text(p.result.status);
  if (!p.result.failed() && p.method != EntryMethod::Get) {
    const auto& v = *p.result.stored;
    e.location = v.type + "/" + v.id + "/_history/" + std::to_string(v.version);
  }
  return e;
}

}  // namespace

Response FhirService::bundle(Ctx& ctx) {
  ParsedBody body;
  if (auto err = parse_resource_body(ctx, "Bundle", body)) return *err;
  Node& bundle = body.doc->root();
  const Node* type_node = bundle.find("type");
  const std::string bundle_type = type_node && type_node->is_string() ? std::string(type_node->text()) : "";
  if (bundle_type != "transaction" && bundle_type != "batch") {
    return error_response(400, "POST /fhir takes a Bundle of type transaction or batch, not '" + bundle_type + "'");
  }
  const bool transaction = bundle_type == "transaction";
  Node* entries = bundle.find("entry");
  std::vector<PlannedEntry> plan;

  // 1. Read every entry's request.
  const std::size_t n = entries && entries->is_array() ? entries->items().size() : 0;
  plan.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Node& e = entries->items()[i];
    PlannedEntry p;
    p.index = i;
    auto fail = [&](int status, const std::string& text) { p.result = entry_error(i, status, text); };
    // A batch entry the client's scopes do not cover (the auth filter decided; it audited the refusal).
    if (const auto refused = ctx.req.refused_entries.find(i); refused != ctx.req.refused_entries.end()) {
      p.result = entry_error(i, 403, refused->second, "forbidden");
      plan.push_back(std::move(p));
      continue;
    }
    const Node* request = e.is_object() ? e.find("request") : nullptr;
    const Node* method = request && request->is_object() ? request->find("method") : nullptr;
    const Node* url = request && request->is_object() ? request->find("url") : nullptr;
    if (const Node* fu = e.is_object() ? e.find("fullUrl") : nullptr; fu && fu->is_string()) p.full_url = fu->text();
    if (Node* r = e.is_object() ? e.find("resource") : nullptr; r && r->is_object()) p.resource = r;
    if (!method || !method->is_string() || !url || !url->is_string()) {
      fail(400, "entry.request needs method and url");
    } else {
      const std::string_view m = method->text();
      if (m == "DELETE")
        p.method = EntryMethod::Delete;
      else if (m == "POST")
        p.method = EntryMethod::Post;
      else if (m == "PUT")
        p.method = EntryMethod::Put;
      else if (m == "GET" || m == "HEAD")
        p.method = EntryMethod::Get;
      else
        fail(400, "method " + std::string(m) + " is not supported in a Bundle");
      std::string u(url->text());
      if (u.starts_with(ctx.base + "/")) u.erase(0, ctx.base.size() + 1);
      std::string path;
      if (!p.result.failed() && !http::parse_target("/" + u, path, p.criteria_params))
        fail(400, "request.url is not a valid URL");
      std::vector<std::string> seg;
      for (std::size_t s = 1, next; s <= path.size(); s = next + 1) {
        next = path.find('/', s);
        if (next == std::string::npos) next = path.size();
        if (next > s) seg.push_back(path.substr(s, next - s));
      }
      if (!p.result.failed()) {
        if (seg.empty() || !registry_.is_resource_type(seg[0])) {
          fail(400, "request.url must start with a resource type");
        } else {
          p.type = seg[0];
          if (seg.size() >= 2) p.id = seg[1];
          if (seg.size() == 4 && seg[2] == "_history") p.vid = seg[3];
          if (seg.size() > 2 && p.vid.empty()) fail(400, "request.url '" + u + "' is not supported in a Bundle");
        }
      }
      if (const Node* im = request->find("ifMatch"); im && im->is_string()) p.if_match = parse_etag(im->text());
      if (!p.result.failed() && (p.method == EntryMethod::Post || p.method == EntryMethod::Put)) {
        if (!p.resource) {
          fail(400, "entry has no resource");
        } else if (const Node* rt = p.resource->find("resourceType"); !rt || rt->text() != p.type) {
          fail(400, "entry.resource is not a " + p.type);
        }
      }
      if (!p.result.failed() && p.method == EntryMethod::Post) {
        if (const Node* ine = request->find("ifNoneExist"); ine && ine->is_string()) {
          std::string q(ine->text());
          if (q.starts_with(p.type + "?")) q.erase(0, p.type.size() + 1);
          http::QueryParams params;
          std::string ignored;
          if (!http::parse_target("/?" + q, ignored, params)) {
            fail(400, "ifNoneExist is not a query string");
          } else {
            p.if_none_exist = search::parse_search(catalog_, p.type, params);
            if (p.if_none_exist->error)
              fail(400, "ifNoneExist: " + *p.if_none_exist->error);
            else if (p.if_none_exist->query.all_of.empty())
              fail(400, "ifNoneExist has no known search parameter");
          }
        }
      }
      if (!p.result.failed() && p.id.empty() && (p.method == EntryMethod::Put || p.method == EntryMethod::Delete)) {
        p.criteria = search::parse_search(catalog_, p.type, p.criteria_params);
        if (p.criteria->error)
          fail(400, *p.criteria->error);
        else if (p.criteria->query.all_of.empty())
          fail(400, "a conditional " + std::string(m) + " needs criteria");
      }
      if (!p.result.failed() && p.method == EntryMethod::Put && !p.id.empty()) {
        const Node* rid = p.resource->find("id");
        if (!rid || !rid->is_string() || rid->text() != p.id)
          fail(400, "entry.resource.id must equal the id in request.url");
      }
      if (!p.result.failed() && p.method == EntryMethod::Get && p.id.empty()) {
        fail(400, "only reads (GET Type/id) are supported inside a Bundle");
      }
    }
    // Validation before any write. return=minimal shows no entry's warnings, so only errors are built then
    // (a refused entry's outcome, which always comes, is built again in full).
    if (!p.result.failed() && p.resource && (p.method == EntryMethod::Post || p.method == EntryMethod::Put)) {
      const bool errors_only = ctx.prefs.return_pref == ReturnPref::Minimal;
      p.warnings = validate_for_write(*p.resource, nullptr, errors_only);
      if (p.warnings.has_errors()) {
        validation_failures_.fetch_add(1, std::memory_order_relaxed);
        if (config_.validation == ValidationMode::Strict) {
          if (errors_only) p.warnings = validate_for_write(*p.resource, nullptr);
          p.result.status = 422;
          p.result.outcome = p.warnings;
          for (auto& issue : p.result.outcome.issues())
            issue.expression =
                entry_error_prefix(i) + ".resource" + (issue.expression.empty() ? "" : " " + issue.expression);
        }
      }
    }
    plan.push_back(std::move(p));
  }

  if (transaction) {
    for (const auto& p : plan) {
      if (p.result.failed()) return http::outcome_response(p.result.status, p.result.outcome);
    }
  }

  auto execute = [&](PlannedEntry& p, WriteContext& w) {
    switch (p.method) {
      case EntryMethod::Delete:
        p.result = p.id.empty() ? conditional_delete(w, p.type, *p.criteria) : delete_resource(w, p.type, p.id);
        break;
      case EntryMethod::Post:
        if (p.matched_existing) {
          p.result = OpResult{};
          p.result.stored = w.txn.read(p.type, p.assigned_id);
        } else if (p.prepared) {
          p.result = create_prepared(w, std::move(*p.prepared));
        } else {
          p.result =
              create_resource(w, p.type, *p.resource, p.if_none_exist ? &*p.if_none_exist : nullptr, p.assigned_id);
        }
        break;
      case EntryMethod::Put:
        if (p.id.empty()) {
          p.result = conditional_update(w, p.type, *p.criteria, *p.resource, p.if_match);
        } else if (p.current_read) {
          p.result = update_resource(w, p.type, p.id, *p.resource, p.if_match, std::move(p.current),
                                     std::move(p.prepared_put));
        } else {
          p.result = update_resource(w, p.type, p.id, *p.resource, p.if_match);
        }
        break;
      case EntryMethod::Get: {
        auto v = w.txn.read(p.type, p.id);
        if (!v)
          p.result = OpResult::error(404, p.type + "/" + p.id + " is not known", "not-found");
        else if (v->deleted)
          p.result = OpResult::error(410, p.type + "/" + p.id + " was deleted", "deleted");
        else {
          p.result = OpResult{};
          p.result.stored = std::move(v);
        }
        break;
      }
    }
    if (p.result.failed() && !p.result.outcome.issues().empty() &&
        p.result.outcome.issues().back().expression.empty()) {
      p.result.outcome.issues().back().expression = entry_error_prefix(p.index);
    }
  };

  // Ids for creates (conditional ones may match an existing resource) and for PUTs by fullUrl, then
  // references to them rewritten. `txn` answers the conditional searches; without conditional
  // entries nothing here reads the store. Returns a 412 response if an ifNoneExist matches several.
  auto assign_ids = [&](const std::vector<PlannedEntry*>& order,
                        storage::WriteTransaction* txn) -> std::optional<Response> {
    BundleIds ids;
    ids.reserve(order.size());
    for (PlannedEntry* p : order) {
      if (p->method == EntryMethod::Post) {
        if (p->if_none_exist) {
          storage::SearchQuery q = p->if_none_exist->query;
          q.limit = 2;
          q.count_total = false;
          const auto matches = txn->search(q).matches;
          if (matches.size() > 1) {
            p->result = entry_error(p->index, 412, std::to_string(matches.size()) + " resources match ifNoneExist");
            return http::outcome_response(412, p->result.outcome);
          }
          if (matches.size() == 1) {
            p->assigned_id = matches.front().id;
            p->matched_existing = true;
          }
        }
        if (p->assigned_id.empty()) p->assigned_id = new_id();
        if (!p->full_url.empty()) ids[p->full_url] = p->type + "/" + p->assigned_id;
      } else if (p->method == EntryMethod::Put && !p->full_url.empty()) {
        std::string id = p->id;
        if (id.empty()) {
          storage::SearchQuery q = p->criteria->query;
          q.limit = 1;
          q.count_total = false;
          const auto matches = txn->search(q).matches;
          if (!matches.empty()) id = matches.front().id;
        }
        if (!id.empty()) ids[p->full_url] = p->type + "/" + id;
      }
    }
    for (auto& p : plan) {
      if (p.resource) rewrite_references(*p.resource, ids);
    }
    return std::nullopt;
  };

  if (transaction) {
    std::vector<PlannedEntry*> order;
    for (auto& p : plan) order.push_back(&p);
    std::stable_sort(order.begin(), order.end(),
                     [](const PlannedEntry* a, const PlannedEntry* b) { return a->method < b->method; });
    const bool conditional = std::any_of(plan.begin(), plan.end(), [](const PlannedEntry& p) {
      return p.if_none_exist.has_value() || p.criteria.has_value();
    });
    // PUTs by id whose current versions are read once, before the first write (resource_ops.h).
    const bool distinct_puts = !conditional && put_ids_distinct(plan);
    if (!conditional) {
      // Nothing depends on what is stored: ids, references and the stored form of every create
      // (JSON text, index rows) are built before the write transaction, which then holds the
      // writer only for the SQLite writes.
      assign_ids(order, nullptr);
      for (PlannedEntry* p : order) {
        if (p->method == EntryMethod::Post) {
          p->prepared = prepare_version(catalog_, p->type, p->assigned_id, *p->resource, 1, ctx.now_ms, ctx.req.body);
        } else if (p->method == EntryMethod::Put && distinct_puts) {
          // As version 1: a forwarding peer's first delivery of a resource, the bulk of what it sends.
          // An update is built again for its version inside the transaction (as without this); a
          // snapshot read to guess better cost more CPU than the wasted build saves.
          p->prepared_put =
              PreparedVersion{1, prepare_version(catalog_, p->type, p->id, *p->resource, 1, ctx.now_ms, ctx.req.body)};
        }
      }
    }
    // Creates and updates by id without If-Match (what a forwarding peer sends) cannot be refused.
    const bool unconditional = !conditional && std::all_of(plan.begin(), plan.end(), [](const PlannedEntry& p) {
      return p.method == EntryMethod::Post || (p.method == EntryMethod::Put && !p.id.empty() && !p.if_match);
    });
    auto txn = store_.begin_write(unconditional ? storage::WriteIntent::Unconditional : storage::WriteIntent::General);
    WriteContext w = write_context(ctx, *txn);
    // Deletes first.
    for (PlannedEntry* p : order) {
      if (p->method != EntryMethod::Delete) continue;
      execute(*p, w);
      if (p->result.failed()) return http::outcome_response(p->result.status, p->result.outcome);
    }
    if (conditional) {
      if (auto failed = assign_ids(order, txn.get())) return *failed;
    } else if (distinct_puts) {
      for (PlannedEntry* p : order) {
        if (p->method != EntryMethod::Put) continue;
        p->current = txn->read(p->type, p->id);
        p->current_read = true;
      }
    }
    for (PlannedEntry* p : order) {
      if (p->method == EntryMethod::Delete) continue;
      execute(*p, w);
      if (p->result.failed()) return http::outcome_response(p->result.status, p->result.outcome);
    }
    std::vector<const OpResult*> results;
    for (const auto& p : plan) results.push_back(&p.result);
    finish_write(ctx, w, results, bundle_identifier(bundle));
  } else {
    for (auto& p : plan) {
      if (p.result.failed()) continue;
      auto txn = store_.begin_write();
      WriteContext w = write_context(ctx, *txn);
      execute(p, w);
      if (!p.result.failed()) {
        finish_write(ctx, w, {&p.result}, bundle_identifier(bundle));
      }
    }
  }

  if (ctx.entry_responses) {  // a caller inside the gateway (handle_bundle): no Bundle to build and parse again
    ctx.entry_responses->reserve(plan.size());
    for (const auto& p : plan) ctx.entry_responses->push_back(entry_response(p));
    return Response{};
  }

  // Response Bundle, entries in request order.
  BundleWriter b(transaction ? "transaction-response" : "batch-response", ctx.now_ms);
  for (const auto& p : plan) {
    const EntryResponse e = entry_response(p);
    std::string response;
    std::string resource;
    std::string full_url;
    if (p.result.failed()) {
      response = json_object({{"status", e.status}});
      response.pop_back();
      response += ",\"outcome\":" + fhir::json::to_string(p.result.outcome.to_operation_outcome()) + "}";
    } else if (!p.result.stored) {
      response = json_object({{"status", e.status}});
    } else {
      const auto& v = *p.result.stored;
      full_url = ctx.base + "/" + v.type + "/" + v.id;
      response = json_object({{"status", e.status},
                              {"location", e.location},
                              {"etag", etag(v.version)},
                              {"lastModified", search::format_instant(v.last_updated_ms)}});
      if (!v.deleted && ctx.prefs.return_pref == ReturnPref::Representation) resource = v.body;
      // Warnings come with return=representation or =OperationOutcome; return=minimal asks for no body, as a
      // single write then gets none (a refused entry's outcome above always comes).
      if (!p.warnings.issues().empty() && ctx.prefs.return_pref != ReturnPref::Minimal) {
        response.pop_back();
        response += ",\"outcome\":" + fhir::json::to_string(p.warnings.to_operation_outcome()) + "}";
      }
    }
    b.entry(full_url, resource, {}, {}, response);
  }
  Response r;
  r.headers.set("content-type", std::string(http::kFhirJson));
  r.body = b.finish();
  return r;
}

}  // namespace fhirgw::rest
