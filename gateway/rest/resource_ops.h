// The write interactions (create, update, delete and their conditional forms) inside one
// WriteTransaction. Used alone (one transaction per request) and by transaction Bundles (many
// operations, one transaction). Validation and content negotiation happen before, in the handlers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fhir/json/node.h"
#include "fhir/validation/outcome.h"
#include "rest/change_sink.h"
#include "search/param_catalog.h"
#include "search/query_parser.h"
#include "storage/store.h"

namespace fhirgw::rest {

struct WriteContext {
  storage::WriteTransaction& txn;
  const search::ParamCatalog& catalog;
  std::int64_t now_ms;
  ChangeSink* changes = nullptr;  // told about every version written
  std::string origin;             // the peer the request came from ("" = local)
  bool changes_pending = false;   // `changes` waits for the commit (commit_write tells it)
};

// Commits `ctx.txn` and then tells the change sink, if it waits for that (ChangeSink::committed).
void commit_write(WriteContext& ctx);

struct OpResult {
  int status = 200;                              // 200 / 201 on success; 4xx with `outcome` on failure
  std::optional<storage::StoredVersion> stored;  // the version the interaction produced or found
  fhir::validation::Outcome outcome;
  bool created = false;  // a new resource was made (201)
  bool written = false;  // a new version was stored (false: found / unchanged / nothing to do)

  bool failed() const { return status >= 400; }
  static OpResult error(int status, std::string diagnostics, std::string code = {});
};

// The stored form of version `version` of (type, id): stamped JSON text and index rows. Needs no
// store, so callers build it before taking the write transaction (which then covers only the writes).
// `source`: the request text `resource` was parsed from, if any (see stamped_json).
storage::NewVersion prepare_version(const search::ParamCatalog& catalog, const std::string& type, const std::string& id,
                                    const fhir::json::Node& resource, std::int64_t version, std::int64_t now_ms,
                                    std::string_view source = {});

// POST of a resource prepared as version 1 under a new server id (no conditions): writes it.
OpResult create_prepared(WriteContext& ctx, storage::NewVersion&& v);

// POST: a server id (or `assigned_id`, used by transactions that pre-assign ids for urn:uuid
// references). `if_none_exist` makes it conditional: one match returns it (200), several -> 412.
OpResult create_resource(WriteContext& ctx, const std::string& type, const fhir::json::Node& resource,
                         const search::ParsedSearch* if_none_exist, const std::string& assigned_id = {});

// PUT /Type/id: update, or create with the client's id. `if_match`: 412 unless it is the current version.
OpResult update_resource(WriteContext& ctx, const std::string& type, const std::string& id,
                         const fhir::json::Node& resource, std::optional<std::int64_t> if_match);

// The stored form of a version built before the write transaction, for the version number it guessed.
struct PreparedVersion {
  std::int64_t version = 0;
  storage::NewVersion stored;
};

// The same with the current version of (type, id) already read in this transaction (nullopt: none).
// A transaction Bundle reads the current version of all its PUTs before it writes any (every read
// first inserts the index rows written so far, so reading between writes splits those into small
// batches). `prepared` is written if it is for the version this update makes (else built again here):
// a Bundle builds its PUTs' stored forms before it takes the writer, from a snapshot read.
OpResult update_resource(WriteContext& ctx, const std::string& type, const std::string& id,
                         const fhir::json::Node& resource, std::optional<std::int64_t> if_match,
                         std::optional<storage::StoredVersion> current, std::optional<PreparedVersion> prepared = {});

// PUT /Type?criteria: 0 matches create, 1 updates, several -> 412.
OpResult conditional_update(WriteContext& ctx, const std::string& type, const search::ParsedSearch& criteria,
                            const fhir::json::Node& resource, std::optional<std::int64_t> if_match);

// DELETE /Type/id: a delete marker version; 404 if it never existed.
OpResult delete_resource(WriteContext& ctx, const std::string& type, const std::string& id);

// DELETE /Type?criteria: 0 matches: nothing to do (200), 1: delete, several -> 412.
OpResult conditional_delete(WriteContext& ctx, const std::string& type, const search::ParsedSearch& criteria);

}  // namespace fhirgw::rest
