// Per-request state shared by the FhirService handler files (internal to gateway/rest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fhir/json/parser.h"
#include "http/message.h"
#include "rest/bundle_writer.h"
#include "rest/fhir_service.h"
#include "rest/negotiation.h"
#include "search/query_parser.h"

namespace fhirgw::rest {

struct FhirService::Ctx {
  const http::Request& req;
  Preferences prefs;
  std::string base;  // public base URL ending in /fhir
  std::int64_t now_ms = 0;
  std::optional<InboundPeer> inbound;                     // set when a peer gateway sent the request
  std::vector<EntryResponse>* entry_responses = nullptr;  // handle_bundle: the entries' responses go here
};

struct FhirService::ParsedBody {
  std::optional<fhir::json::Document> doc;
};

// The If-Match header as a version number: none when absent, an error response (400) when it is not a
// version ETag such as W/"3".
struct IfMatch {
  std::optional<std::int64_t> version;
  std::optional<http::Response> error;
};
IfMatch read_if_match(const http::Request& req);

// Criteria of a conditional request (update, delete, patch) from the request query: an error text when they
// are missing, unknown or malformed.
std::optional<std::string> conditional_criteria(const search::ParamCatalog& catalog, const std::string& type,
                                                const http::QueryParams& params, search::ParsedSearch& out);

}  // namespace fhirgw::rest
