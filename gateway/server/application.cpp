#include "server/application.h"

#include <chrono>

#include "audit/request_scope.h"
#include "http/error_response.h"
#include "rest/resource_body.h"
#include "server/access_filter.h"
#include "server/gzip.h"
#include "server/logging.h"
#include "server/request_access.h"

namespace fhirgw::server {

using http::error_response;
using http::Response;

namespace {

// A client's X-Request-Id is kept if it is short and printable; otherwise we make one.
std::string request_id_of(const http::Request& req) {
  if (const auto id = req.headers.get("x-request-id"); id && !id->empty() && id->size() <= 128) {
    bool printable = true;
    for (char c : *id) printable &= c > 0x20 && c < 0x7F && c != '"' && c != '\\';
    if (printable) return std::string(*id);
  }
  return rest::new_id();
}

constexpr std::size_t kGzipMinBytes = 1024;
// A full audit queue is a burst (the writer's commit waits for the disk while reads keep coming): the
// request waits for the writer to take its next group. Only a writer stuck this long gets 503s.
constexpr std::chrono::milliseconds kAuditRoomWait{2000};

}  // namespace

Application::Application(rest::FhirService& fhir, storage::Store& store, Metrics& metrics, std::size_t max_in_flight)
    : fhir_(fhir), store_(store), metrics_(metrics), max_in_flight_(max_in_flight) {}

void Application::record(audit::AuditRecord&& r) {
  if (audit && !audit->record(std::move(r))) log_warn("audit_dropped", "audit queue full or stopped");
}

// Auth routes, then the access filter, then the handler; the audit record of what happened last.
Response Application::route(http::Request& req) {
  if (!http::parse_target(req.target, req.path, req.query))
    return error_response(400, "the request target is not a valid URL");
  std::optional<audit::AuditRecord> token_audit;
  if (auto r = auth_route(security, req, token_audit)) {
    if (token_audit) record(std::move(*token_audit));
    return std::move(*r);
  }
  const RequestAccess access = request_access(req);
  if (access.area == Area::open) return dispatch(req);
  FilterResult filter = check_access(security, req, access);
  for (auto& a : filter.audits) record(std::move(a));
  if (filter.refused) return std::move(*filter.refused);
  if (audit && !access.interaction.empty() && !audit->wait_for_room(kAuditRoomWait)) {
    // The audit writer has been stuck for a while: refuse rather than serve patient data unaudited.
    Response busy = error_response(503, "the audit trail is busy; retry later");
    busy.headers.set("retry-after", "1");
    return busy;
  }
  req.client_id = std::move(filter.client_id);
  req.refused_entries = std::move(filter.refused_entries);
  audit::RequestContext context{req.client_id, req.remote_address, req.request_id};
  Response r;
  {
    audit::RequestScope scope(context);
    r = dispatch(req);
  }
  // A single write that committed was audited in its own transaction; everything else is recorded here.
  if (!access.interaction.empty() && !(access.single_write && context.audited_in_transaction)) {
    audit::AuditRecord a;
    a.interaction = access.interaction;
    a.outcome = audit::outcome_for_status(r.status);
    if (r.status >= 400) a.outcome_text = "HTTP " + std::to_string(r.status);
    a.client_id = req.client_id;
    a.network_address = req.remote_address;
    a.request_id = req.request_id;
    a.entities = access.entities;
    record(std::move(a));
  }
  return r;
}

Response Application::dispatch(http::Request& req) {
  const std::string& p = req.path;
  if (p == "/healthz" || p == "/readyz" || p == "/metrics") {
    if (req.method != "GET" && req.method != "HEAD") {
      Response r = error_response(405, "only GET is allowed here");
      r.headers.set("allow", "GET");
      return r;
    }
    Response r;
    if (p == "/healthz") {
      r.headers.set("content-type", "application/json");
      r.body = R"({"status":"alive"})";
    } else if (p == "/readyz") {
      if (!store_.ready()) return error_response(503, "the storage is not reachable");
      r.headers.set("content-type", "application/json");
      r.body = R"({"status":"ready"})";
    } else {
      r.headers.set("content-type", "text/plain; version=0.0.4; charset=utf-8");
      r.body = metrics_.render();
    }
    return r;
  }
  if (p == "/fhir" || p.starts_with("/fhir/")) return fhir_.handle(req);
  if (p == "/internal/records" && internal_records) return internal_records(req);
  if (p.starts_with("/admin/") && admin) return admin(req);
  return error_response(404, "no such endpoint; the FHIR API is under /fhir");
}

Response Application::handle(http::Request& req) {
  const auto start = std::chrono::steady_clock::now();
  req.request_id = request_id_of(req);
  const auto in_flight = metrics_.in_flight.fetch_add(1, std::memory_order_relaxed);
  Response r;
  try {
    const bool probe = req.target == "/healthz" || req.target == "/readyz" || req.target == "/metrics";
    if (max_in_flight_ > 0 && static_cast<std::size_t>(in_flight) >= max_in_flight_ && !probe) {
      r = error_response(429, "too many requests in progress; retry later");
      r.headers.set("retry-after", "1");
    } else {
      r = route(req);
    }
  } catch (const std::exception& e) {
    // The log gets the reason (no request data); the client gets a fixed text and the request id.
    log_error("unhandled_exception", e.what());
    r = error_response(500, "internal error; quote request id " + req.request_id);
  }
  metrics_.in_flight.fetch_sub(1, std::memory_order_relaxed);

  if (r.body.size() >= kGzipMinBytes && !r.headers.has("content-encoding")) {
    if (const auto ae = req.headers.get("accept-encoding"); ae && accepts_gzip(*ae)) {
      if (auto z = gzip_compress(r.body)) {
        r.body = std::move(*z);
        r.headers.set("content-encoding", "gzip");
      }
    }
    r.headers.set("vary", "Accept-Encoding");
  }
  r.headers.set("x-request-id", req.request_id);
  // HEAD keeps its body here: the server sends only the head, whose Content-Length is the body GET would get.

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string route_name = route_label(req.path.empty() ? std::string("/") : req.path);
  metrics_.record(route_name, req.method, r.status, seconds);
  log_access({req.request_id, req.method, route_name, r.status, r.body.size(), seconds * 1000, req.remote_address});
  return r;
}

}  // namespace fhirgw::server
