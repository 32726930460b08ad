#include "rest/resource_ops.h"

#include "fhir/json/writer.h"
#include "rest/resource_body.h"
#include "search/indexer.h"

namespace fhirgw::rest {

using fhir::json::Node;
using storage::Method;
using storage::StoredVersion;

OpResult OpResult::error(int status, std::string diagnostics, std::string code) {
  OpResult r;
  r.status = status;
  r.outcome.add(fhir::validation::Severity::Error, code.empty() ? (status == 412 ? "conflict" : "processing") : code,
                std::move(diagnostics));
  return r;
}

namespace {

// Tells the change sink about `v`; whether it waits for the commit is kept in the context.
void note_change(WriteContext& ctx, const StoredVersion& v) {
  if (ctx.changes && ctx.changes->changed(ctx.txn, v, ctx.origin)) ctx.changes_pending = true;
}

StoredVersion stored_form(storage::NewVersion&& v, Method method, std::int64_t version) {
  StoredVersion out;
  out.type = std::move(v.type);
  out.id = std::move(v.id);
  out.version = version;
  out.last_updated_ms = v.last_updated_ms;
  out.method = method;
  out.body = std::move(v.body);
  return out;
}

// Writes `v`, the stored form of version `version`, and returns what was stored.
StoredVersion write_prepared(WriteContext& ctx, storage::NewVersion&& v, std::int64_t version, Method method) {
  ctx.txn.put(v, method, version);
  StoredVersion out = stored_form(std::move(v), method, version);
  note_change(ctx, out);
  return out;
}

// Writes version `version` of (type, id) and returns what was stored.
StoredVersion write_version(WriteContext& ctx, const std::string& type, const std::string& id, const Node& resource,
                            std::int64_t version, Method method) {
  return write_prepared(ctx, prepare_version(ctx.catalog, type, id, resource, version, ctx.now_ms), version, method);
}

OpResult found(std::optional<StoredVersion> v) {
  OpResult r;
  r.status = 200;
  r.stored = std::move(v);
  return r;
}

std::string match_count_text(std::size_t n, const std::string& criteria) {
  return std::to_string(n) + " resources match '" + criteria + "'; the criteria must select at most one";
}

}  // namespace

storage::NewVersion prepare_version(const search::ParamCatalog& catalog, const std::string& type, const std::string& id,
                                    const Node& resource, std::int64_t version, std::int64_t now_ms,
                                    std::string_view source) {
  storage::NewVersion v;
  v.type = type;
  v.id = id;
  v.last_updated_ms = now_ms;
  v.body = stamped_json(resource, id, version, now_ms, source);
  // The rows of `resource` are those of the stored form: no search parameter indexes what stamping sets
  // (id: `_id`, meta.lastUpdated: `_lastUpdated`, both read from `resources`; meta.versionId: none).
  v.index = search::build_index(catalog, type, resource);
  return v;
}

void commit_write(WriteContext& ctx) {
  ctx.txn.commit();
  if (ctx.changes_pending) ctx.changes->committed();
}

OpResult create_prepared(WriteContext& ctx, storage::NewVersion&& v) {
  ctx.txn.put(v, Method::Create, 1);
  OpResult r;
  r.status = 201;
  r.created = true;
  r.written = true;  // an inbound create is named by the request's Provenance (record_inbound)
  r.stored = stored_form(std::move(v), Method::Create, 1);
  note_change(ctx, *r.stored);
  return r;
}

OpResult create_resource(WriteContext& ctx, const std::string& type, const Node& resource,
                         const search::ParsedSearch* if_none_exist, const std::string& assigned_id) {
  const std::string id = assigned_id.empty() ? new_id() : assigned_id;
  if (if_none_exist) {
    // Inside the write transaction, so no other writer can create a match between check and insert;
    // the conditional key below enforces it again at the schema level.
    if (auto owner = ctx.txn.conditional_key_owner(type, if_none_exist->canonical)) {
      auto existing = ctx.txn.read(type, *owner);
      if (existing && !existing->deleted) return found(std::move(existing));
    }
    storage::SearchQuery q = if_none_exist->query;
    q.limit = 2;
    q.count_total = false;
    const auto matches = ctx.txn.search(q).matches;
    if (matches.size() > 1) return OpResult::error(412, match_count_text(matches.size(), if_none_exist->canonical));
    if (matches.size() == 1) return found(ctx.txn.read(type, matches.front().id));
    if (!ctx.txn.claim_conditional_key(type, if_none_exist->canonical, id)) {
      return OpResult::error(409, "a concurrent conditional create holds '" + if_none_exist->canonical + "'");
    }
  }
  OpResult r;
  r.status = 201;
  r.created = true;
  r.written = true;
  r.stored = write_version(ctx, type, id, resource, 1, Method::Create);
  return r;
}

OpResult update_resource(WriteContext& ctx, const std::string& type, const std::string& id, const Node& resource,
                         std::optional<std::int64_t> if_match) {
  return update_resource(ctx, type, id, resource, if_match, ctx.txn.read(type, id));
}

OpResult update_resource(WriteContext& ctx, const std::string& type, const std::string& id, const Node& resource,
                         std::optional<std::int64_t> if_match, std::optional<StoredVersion> current,
                         std::optional<PreparedVersion> prepared) {
  if (if_match && (!current || current->deleted || current->version != *if_match)) {
    return OpResult::error(412, "If-Match version " + std::to_string(*if_match) + " is not the current version" +
                                    (current ? " (" + std::to_string(current->version) + ")" : std::string()));
  }
  if (current && !current->deleted && same_content(current->body, resource)) return found(current);
  const std::int64_t version = current ? current->version + 1 : 1;
  OpResult r;
  r.created = !current || current->deleted;
  r.status = r.created ? 201 : 200;
  r.written = true;
  const Method method = r.created && !current ? Method::Create : Method::Update;
  r.stored = prepared && prepared->version == version
                 ? write_prepared(ctx, std::move(prepared->stored), version, method)
                 : write_version(ctx, type, id, resource, version, method);
  return r;
}

OpResult conditional_update(WriteContext& ctx, const std::string& type, const search::ParsedSearch& criteria,
                            const Node& resource, std::optional<std::int64_t> if_match) {
  storage::SearchQuery q = criteria.query;
  q.limit = 2;
  q.count_total = false;
  const auto matches = ctx.txn.search(q).matches;
  if (matches.size() > 1) return OpResult::error(412, match_count_text(matches.size(), criteria.canonical));
  const Node* body_id = resource.find("id");
  if (matches.empty()) {
    const std::string id = body_id && body_id->is_string() ? std::string(body_id->text()) : new_id();
    return update_resource(ctx, type, id, resource, if_match);
  }
  const std::string& id = matches.front().id;
  if (body_id && body_id->is_string() && body_id->text() != id) {
    return OpResult::error(
        400, "resource id '" + std::string(body_id->text()) + "' differs from the matched resource '" + id + "'");
  }
  return update_resource(ctx, type, id, resource, if_match);
}

OpResult delete_resource(WriteContext& ctx, const std::string& type, const std::string& id) {
  const auto current = ctx.txn.read(type, id);
  if (!current) return OpResult::error(404, type + "/" + id + " does not exist", "not-found");
  OpResult r;
  r.status = 200;
  if (current->deleted) {
    r.stored = current;
    return r;
  }
  ctx.txn.remove(type, id, current->version + 1, ctx.now_ms);
  StoredVersion v;
  v.type = type;
  v.id = id;
  v.version = current->version + 1;
  v.last_updated_ms = ctx.now_ms;
  v.deleted = true;
  v.method = Method::Delete;
  note_change(ctx, v);
  r.written = true;
  r.stored = std::move(v);
  return r;
}

OpResult conditional_delete(WriteContext& ctx, const std::string& type, const search::ParsedSearch& criteria) {
  storage::SearchQuery q = criteria.query;
  q.limit = 2;
  q.count_total = false;
  const auto matches = ctx.txn.search(q).matches;
  if (matches.size() > 1) return OpResult::error(412, match_count_text(matches.size(), criteria.canonical));
  if (matches.empty()) {
    OpResult r;
    r.status = 200;
    return r;
  }
  return delete_resource(ctx, type, matches.front().id);
}

}  // namespace fhirgw::rest
