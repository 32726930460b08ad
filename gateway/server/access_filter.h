// The token + scope filter in front of /fhir, /internal and /admin, and the /auth routes. Pure functions of
// the security state and the request; the caller (Application) writes the audit records they return.
//
//   no or invalid token            -> 401, WWW-Authenticate (RFC 6750), OperationOutcome "login"
//   scope does not cover a need    -> 403, WWW-Authenticate insufficient_scope, OperationOutcome "forbidden"
//   /admin by a non-admin client   -> 403
//   AuditEvent: read/search need a scope that names AuditEvent (system/*.rs is not enough); writes are
//   refused for everyone (the gateway writes the audit trail). Instance/type-less history needs that too.
//   batch Bundle: an entry the scopes do not cover is refused alone (403 OperationOutcome in its
//   response entry, one AuditEvent each); the other entries are handled. A transaction is refused whole.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_record.h"
#include "auth/security.h"
#include "http/message.h"
#include "server/request_access.h"

namespace fhirgw::server {

struct FilterResult {
  std::optional<http::Response> refused;  // set: answer this instead of handling the request
  // The failed authentication/authorization (with `refused`), or one record per refused batch entry.
  std::vector<audit::AuditRecord> audits;
  std::string client_id;                               // the authenticated client when not refused
  std::map<std::size_t, std::string> refused_entries;  // batch: Bundle.entry index -> why (for the handler)
};

// `security` null: no auth at all (handler tests); the client is "anonymous-dev".
FilterResult check_access(const auth::Security* security, const http::Request& req, const RequestAccess& access);

// POST /auth/token, GET /.well-known/smart-configuration, GET /auth/jwks.json; nullopt for other paths.
// `audit` gets the token request's record (issue or refusal).
std::optional<http::Response> auth_route(const auth::Security* security, const http::Request& req,
                                         std::optional<audit::AuditRecord>& audit);

}  // namespace fhirgw::server
