// Every non-2xx answer of the server is built here: an OperationOutcome body with the issue code that
// matches the HTTP status (one mapping, one place).
#pragma once

#include <string>
#include <string_view>

#include "fhir/validation/outcome.h"
#include "http/message.h"

namespace fhirgw::http {

inline constexpr std::string_view kFhirJson = "application/fhir+json; charset=utf-8";

// The IssueType code used for a status when the caller has none more precise: 404 -> "not-found", ...
std::string_view issue_code_for_status(int status);

// A response carrying `outcome` as its body (also used for 2xx answers with warnings).
Response outcome_response(int status, const fhir::validation::Outcome& outcome);

// A response with a single error issue. For 5xx the diagnostics must not echo request data: pass a
// fixed text (the request id is added by the caller's log, not the body).
Response error_response(int status, std::string diagnostics, std::string_view issue_code = {});

}  // namespace fhirgw::http
