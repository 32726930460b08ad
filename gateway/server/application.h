// The whole request path without sockets: request id -> routing (/healthz, /readyz, /metrics, /fhir,
// /internal) -> handler -> gzip -> metrics and access log. The Beast server calls handle() for every
// request; tests call it directly.
#pragma once

#include <functional>
#include <string>

#include "http/message.h"
#include "rest/fhir_service.h"
#include "server/metrics.h"
#include "storage/store.h"

namespace fhirgw::server {

class Application {
 public:
  Application(rest::FhirService& fhir, storage::Store& store, Metrics& metrics);

  http::Response handle(http::Request& req);

  // Optional handler for /internal/records (mappings); 404 when unset.
  std::function<http::Response(const http::Request&)> internal_records;

 private:
  http::Response route(http::Request& req);

  rest::FhirService& fhir_;
  storage::Store& store_;
  Metrics& metrics_;
};

}  // namespace fhirgw::server
