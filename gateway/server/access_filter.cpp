#include "server/access_filter.h"

#include "http/error_response.h"

namespace fhirgw::server {
namespace {

using auth::Interaction;
using http::error_response;
using http::Response;

bool is_write(Interaction i) {
  return i == Interaction::create || i == Interaction::update || i == Interaction::patch || i == Interaction::delete_;
}

// AuditEvent access needs a scope naming AuditEvent itself: wildcard scopes do not open the audit trail.
bool allows_audit_events(const auth::Principal& p, Interaction i) {
  if (!p.authenticated) return true;  // loopback development principal
  auth::Permissions named;
  for (const auto& rule : p.permissions.rules) {
    if (rule.resource_type == "AuditEvent") named.rules.push_back(rule);
  }
  return auth::allows(named, "AuditEvent", i);
}

// The connection's client certificate, or none (handler tests without a connection).
const auth::PeerCertificate& peer_of(const http::Request& req) {
  static const auth::PeerCertificate kNone;
  return req.peer ? *req.peer : kNone;
}

Response with_challenge(Response r, const std::string& www_authenticate) {
  r.headers.set("www-authenticate", www_authenticate);
  return r;
}

audit::AuditRecord base_record(const http::Request& req) {
  audit::AuditRecord r;
  r.network_address = req.remote_address;
  r.request_id = req.request_id;
  r.outcome = audit::Outcome::minor_failure;
  return r;
}

audit::AuditRecord refusal_record(const http::Request& req, const std::string& interaction,
                                  std::vector<audit::Entity> entities, const std::string& client_id,
                                  const std::string& reason) {
  audit::AuditRecord a = base_record(req);
  a.interaction = interaction.empty() ? "operation" : interaction;
  a.client_id = client_id;
  a.outcome_text = reason;
  a.entities = std::move(entities);
  return a;
}

struct Refusal {
  std::string reason;
  std::string www_authenticate;  // "" = the plain insufficient_scope challenge
};

FilterResult forbidden(const auth::Security* security, const http::Request& req, const RequestAccess& access,
                       const std::string& client_id, const Refusal& why) {
  FilterResult out;
  Response r = error_response(403, why.reason, "forbidden");
  if (!why.www_authenticate.empty()) {
    r.headers.set("www-authenticate", why.www_authenticate);
  } else if (security) {
    r.headers.set("www-authenticate",
                  "Bearer realm=\"" + security->settings.realm + "\", error=\"insufficient_scope\"");
  }
  out.refused = std::move(r);
  out.audits.push_back(refusal_record(req, access.interaction, access.entities, client_id, why.reason));
  return out;
}

// Whether the principal's scopes cover one need.
std::optional<Refusal> check_need(const auth::Security& security, const auth::Principal& p, const Need& need) {
  // A read of every type ("": system search and history, an include of unknown target types, a page of an
  // unknown type) can return AuditEvents too, so it needs the audit trail's own right as well.
  const bool reads_every_type = need.type.empty() && !is_write(need.interaction);
  const bool audit_trail = need.type == "AuditEvent" || reads_every_type;
  if (audit_trail && is_write(need.interaction)) return Refusal{"AuditEvents are written by the gateway only", {}};
  if (audit_trail &&
      !allows_audit_events(p, need.interaction == Interaction::history_type ? Interaction::search : need.interaction)) {
    return Refusal{"client '" + p.client_id + "' lacks a scope naming AuditEvent (e.g. system/AuditEvent.rs)", {}};
  }
  if (auto refused = security.authorize(p, need.type, need.interaction)) {
    return Refusal{refused->reason, refused->www_authenticate};
  }
  return std::nullopt;
}

}  // namespace

FilterResult check_access(const auth::Security* security, const http::Request& req, const RequestAccess& access) {
  FilterResult out;
  if (!security) {
    out.client_id = "anonymous-dev";
    return out;
  }
  const auth::PeerCertificate& peer = peer_of(req);
  // Without a connection (handler tests), a memo for this request alone.
  std::optional<auth::PrincipalMemo> one_request;
  auto principal = security->authenticate(req.headers.get("authorization"), peer,
                                          req.principal_memo ? *req.principal_memo : one_request.emplace());
  if (!principal) {
    const auth::AuthError& e = principal.error();
    out.refused =
        with_challenge(error_response(401, "authentication required: " + e.reason, "login"), e.www_authenticate);
    audit::AuditRecord a = base_record(req);
    a.type = audit::EventType::authentication;
    a.client_id = peer.client_id;
    a.outcome_text = e.reason;
    out.audits.push_back(std::move(a));
    return out;
  }
  const auth::Principal& p = **principal;
  if (access.area == Area::admin && !security->is_admin(p.client_id)) {
    return forbidden(security, req, access, p.client_id,
                     {"client '" + p.client_id + "' is not an admin client (auth.clients[].admin)", {}});
  }
  // A batch's entries are independent: a refused entry is answered 403 on its own by the handler.
  const bool batch = access.interaction == "batch";
  for (const Need& need : access.needs) {
    const auto entry = static_cast<std::size_t>(need.entry);
    if (need.entry >= 0 && out.refused_entries.contains(entry)) continue;
    auto refusal = check_need(*security, p, need);
    if (!refusal) continue;
    if (!batch || need.entry < 0) return forbidden(security, req, access, p.client_id, *refusal);
    const std::string reason = "Bundle.entry[" + std::to_string(entry) + "]: " + refusal->reason;
    const EntryAccess& e = access.entries.at(entry);
    out.audits.push_back(refusal_record(req, e.interaction, e.entities, p.client_id, reason));
    out.refused_entries.emplace(entry, refusal->reason);
  }
  out.client_id = p.client_id;
  return out;
}

std::optional<Response> auth_route(const auth::Security* security, const http::Request& req,
                                   std::optional<audit::AuditRecord>& audit) {
  const std::string& p = req.path;
  const bool token = p == "/auth/token";
  if (!token && p != "/.well-known/smart-configuration" && p != "/auth/jwks.json") return std::nullopt;
  if (!security || !security->token_endpoint) return error_response(404, "authentication is switched off", "not-found");
  if (req.method != (token ? "POST" : "GET") && !(req.method == "HEAD" && !token)) {
    Response r = error_response(405, "method " + req.method + " is not allowed here");
    r.headers.set("allow", token ? "POST" : "GET");
    return r;
  }
  Response r;
  if (!token) {
    r.headers.set("content-type", "application/json");
    r.headers.set("cache-control", "max-age=300");
    r.body = p == "/auth/jwks.json" ? security->token_jwks : security->smart_configuration;
    return r;
  }
  const auto content_type = req.headers.get("content-type");
  const auth::PeerCertificate& peer = peer_of(req);
  const auth::TokenReply reply = security->token_endpoint->handle(
      {content_type ? *content_type : std::string_view(), req.body, peer.client_id, peer.thumbprint});
  r.status = reply.status;
  r.body = reply.body;
  r.headers.set("content-type", "application/json");
  for (const auto& [name, value] : reply.headers) r.headers.set(name, value);
  audit::AuditRecord a;
  a.type = audit::EventType::authentication;
  a.client_id = reply.client_id.empty() ? peer.client_id : reply.client_id;
  a.network_address = req.remote_address;
  a.request_id = req.request_id;
  a.outcome = reply.granted ? audit::Outcome::success : audit::outcome_for_status(reply.status);
  a.outcome_text = reply.granted ? "access token issued, scope: " + reply.scope : reply.reason;
  audit = std::move(a);
  return r;
}

}  // namespace fhirgw::server
