// The whole request path without sockets: request id -> routing (/healthz, /readyz, /metrics, /fhir,
// /internal) -> handler -> gzip -> metrics and access log. The Beast server calls handle() for every
// request; tests call it directly.
#pragma once

#include <functional>
#include <string>

#include "audit/audit_record.h"
#include "audit/recorder.h"
#include "auth/security.h"
#include "http/message.h"
#include "rest/fhir_service.h"
#include "server/metrics.h"
#include "storage/store.h"

namespace fhirgw::server {

class Application {
 public:
  // `max_in_flight`: requests handled at once before new ones get 429 (0 = no limit).
  Application(rest::FhirService& fhir, storage::Store& store, Metrics& metrics, std::size_t max_in_flight = 0);

  http::Response handle(http::Request& req);

  // Optional handler for /internal/records (mappings); 404 when unset.
  std::function<http::Response(const http::Request&)> internal_records;
  // Optional handler for /admin/* (the forwarding outbox); 404 when unset.
  std::function<http::Response(const http::Request&)> admin;

  // Optional security: the /auth routes and the token + scope filter on /fhir, /internal and /admin
  // (server/access_filter.cpp). Unset: every request is the development principal "anonymous-dev".
  const auth::Security* security = nullptr;
  // Optional audit recorder for reads, searches, refused requests and token requests (writes are audited
  // inside their transaction by audit::AuditingStore).
  audit::Recorder* audit = nullptr;

 private:
  http::Response route(http::Request& req);
  http::Response dispatch(http::Request& req);
  void record(audit::AuditRecord&& r);

  rest::FhirService& fhir_;
  storage::Store& store_;
  Metrics& metrics_;
  std::size_t max_in_flight_;
};

}  // namespace fhirgw::server
