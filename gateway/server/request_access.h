// What a request asks for, derived before it is handled: which area it is in (open, /fhir, /internal,
// /admin), which (resource type, interaction) pairs it performs — every entry of a transaction/batch Bundle
// included —, and how it is audited. Pure: no auth state, no store.
//
//   /healthz /readyz /metrics /auth/* /.well-known/*  open (no token)
//   GET /fhir/metadata                                open (capabilities; not audited)
//   /fhir/...                                         per interaction (see auth/scopes.h for the rights)
//   GET /fhir?_getpages=Type.id                       search on Type (page ids name their search's type)
//   POST /internal/records                            create + update on each type the mapping writes
//                                                     (fhir::mappings::kMappedResourceTypes)
//   GET /internal/records                             read + search on each of those types
//   /admin/...                                        an admin client (auth.clients[].admin)
#pragma once

#include <string>
#include <vector>

#include "audit/audit_record.h"
#include "auth/scopes.h"
#include "http/message.h"

namespace fhirgw::server {

enum class Area { open, fhir, internal, admin };

struct Need {
  std::string type;  // "" for a system-level interaction (needs a "*" scope)
  auth::Interaction interaction;
  int entry = -1;  // the Bundle.entry index it comes from; -1: the request itself
};

// One entry of a transaction/batch Bundle, for auditing a refusal of that entry alone.
struct EntryAccess {
  std::string interaction;              // restful-interaction code
  std::vector<audit::Entity> entities;  // what it names
};

struct RequestAccess {
  Area area = Area::open;
  std::vector<Need> needs;
  std::string interaction;              // restful-interaction code for the audit record; "" = not audited
  std::vector<audit::Entity> entities;  // what the audit record names
  bool single_write = false;            // create/update/patch/delete of one resource (audited in its transaction)
  std::vector<EntryAccess> entries;     // a Bundle's entries, by index (entries without a usable request too)
};

// `req.path` and `req.query` must be parsed already.
RequestAccess request_access(const http::Request& req);

// A search as text for the audit record, with the values of parameters that may hold patient data (names,
// dates, free text, codes) replaced by "*": only ids, references, identifiers and paging controls keep
// their value.
std::string masked_query(const std::string& type, const http::QueryParams& params);

}  // namespace fhirgw::server
