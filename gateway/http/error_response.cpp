#include "http/error_response.h"

#include "fhir/json/writer.h"

namespace fhirgw::http {

std::string_view issue_code_for_status(int status) {
  switch (status) {
    case 400: return "invalid";
    case 401: return "login";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "not-supported";
    case 406: return "not-supported";
    case 409: return "conflict";
    case 410: return "deleted";
    case 412: return "conflict";
    case 413: return "too-costly";
    case 415: return "not-supported";
    case 422: return "processing";
    case 429: return "throttled";
    case 503: return "transient";
    default: return status >= 500 ? "exception" : "processing";
  }
}

Response outcome_response(int status, const fhir::validation::Outcome& outcome) {
  Response r;
  r.status = status;
  r.headers.set("content-type", std::string(kFhirJson));
  r.body = fhir::json::to_string(outcome.to_operation_outcome());
  return r;
}

Response error_response(int status, std::string diagnostics, std::string_view issue_code) {
  fhir::validation::Outcome outcome;
  const auto severity = status >= 500 ? fhir::validation::Severity::Fatal : fhir::validation::Severity::Error;
  outcome.add(severity, std::string(issue_code.empty() ? issue_code_for_status(status) : issue_code),
              std::move(diagnostics));
  return outcome_response(status, outcome);
}

}  // namespace fhirgw::http
