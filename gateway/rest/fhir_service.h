// The FHIR RESTful API under /fhir: routing to the interactions, content negotiation, validation and
// the write operations. Works on plain http::Request / http::Response values (no sockets).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/model/metadata.h"
#include "http/message.h"
#include "rest/inbound_provenance.h"
#include "rest/negotiation.h"
#include "rest/page_cache.h"
#include "rest/resource_ops.h"
#include "search/param_catalog.h"
#include "storage/store.h"

namespace fhir::validation {
class Validator;
}

namespace fhirgw::rest {

enum class ValidationMode { Strict, Lenient, Off };

struct RestConfig {
  ValidationMode validation = ValidationMode::Lenient;
  std::size_t default_count = 20;
  std::size_t max_count = 1000;
  std::size_t max_search_results = 10000;  // ids kept for paging one search with _sort
  std::size_t max_includes = 1000;
  std::string base_url;  // public base, e.g. https://gw.example.org/fhir; empty: from the Host header
};

// What a transaction or batch did with one entry (its entry.response), for a caller inside the gateway.
struct EntryResponse {
  std::string status;    // e.g. "201 Created"
  std::string location;  // Type/id/_history/version; empty for a refused entry, a read or an unchanged write
};

class FhirService {
 public:
  FhirService(storage::Store& store, const fhir::model::Registry& registry, const search::ParamCatalog& catalog,
              const fhir::validation::Validator* validator, RestConfig config);

  // `req.path` starts with /fhir.
  http::Response handle(const http::Request& req);
  // A transaction or batch Bundle (`POST /fhir`) sent by the gateway itself (POST /internal/records): each
  // entry's response goes to `entries`, in Bundle order, instead of into a response Bundle the caller would
  // only parse again (the answer then has no body). A Bundle refused as a whole answers as from handle().
  http::Response handle_bundle(const http::Request& req, std::vector<EntryResponse>& entries);

  std::uint64_t validation_failures() const { return validation_failures_.load(); }
  // Time source (tests may pin it).
  std::function<std::int64_t()> clock;
  // Told about every stored version (the forwarding outbox); optional.
  ChangeSink* changes = nullptr;
  // Recognises exchange traffic: the peer a request comes from, or nullopt for ordinary clients.
  std::function<std::optional<InboundPeer>(const http::Request&)> inbound_peer;

  struct Ctx;  // per-request context (fhir_service.cpp)

 private:
  http::Response run(const http::Request& req, std::vector<EntryResponse>* entries);
  http::Response dispatch(Ctx& ctx);
  // Interactions (one file each group).
  http::Response read(Ctx& ctx, const std::string& type, const std::string& id);
  http::Response vread(Ctx& ctx, const std::string& type, const std::string& id, const std::string& vid);
  http::Response history(Ctx& ctx, const std::string& type, const std::string& id);
  http::Response create(Ctx& ctx, const std::string& type);
  http::Response update(Ctx& ctx, const std::string& type, const std::string& id);
  http::Response remove(Ctx& ctx, const std::string& type, const std::string& id);
  http::Response patch(Ctx& ctx, const std::string& type, const std::string& id);  // patch_handler.cpp
  http::Response search(Ctx& ctx, const std::string& type, const http::QueryParams& params);
  http::Response page(Ctx& ctx, const std::string& page_id);
  http::Response bundle(Ctx& ctx);
  http::Response validate_operation(Ctx& ctx, const std::string& type, const std::string& id);
  http::Response capability_statement(Ctx& ctx);

  // Shared steps.
  struct ParsedBody;
  std::optional<http::Response> parse_resource_body(Ctx& ctx, const std::string& type, ParsedBody& out);
  // Validates per the configured mode: a 422 response (strict, errors) or nullopt, warnings in `warnings`.
  std::optional<http::Response> validate_resource(const fhir::json::Node& resource, const fhir::json::LineIndex* lines,
                                                  fhir::validation::Outcome& warnings);
  // `errors_only`: the caller shows no warnings (fhir::validation::ValidateOptions::errors_only).
  fhir::validation::Outcome validate_for_write(const fhir::json::Node& resource, const fhir::json::LineIndex* lines,
                                               bool errors_only = false);
  http::Response write_response(Ctx& ctx, const OpResult& result, const fhir::validation::Outcome& warnings);
  WriteContext write_context(Ctx& ctx, storage::WriteTransaction& txn);
  // Ends a write that succeeded: for exchange traffic the Provenance of what the request wrote
  // (inbound_provenance.h), then the commit (commit_write).
  void finish_write(Ctx& ctx, WriteContext& w, const std::vector<const OpResult*>& results,
                    std::string transaction = {});
  http::Response render_frozen_page(Ctx& ctx, const CachedSearch& s, std::size_t offset, std::size_t count,
                                    const std::string& page_id, const fhir::validation::Outcome& warnings);
  http::Response render_page(Ctx& ctx, const PageView& page, const fhir::validation::Outcome& warnings);
  std::string render_resource(const std::string& type, const std::string& body, const search::ParsedSearch* controls);

  storage::Store& store_;
  const fhir::model::Registry& registry_;
  const search::ParamCatalog& catalog_;
  const fhir::validation::Validator* validator_;
  RestConfig config_;
  PageCache pages_;
  std::atomic<std::uint64_t> validation_failures_{0};
};

}  // namespace fhirgw::rest
