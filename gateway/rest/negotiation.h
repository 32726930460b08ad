// Content negotiation and request preferences: _format / Accept (406), Content-Type (415), Prefer.
#pragma once

#include <optional>
#include <string>

#include "http/message.h"

namespace fhirgw::rest {

enum class ReturnPref { Representation, Minimal, OperationOutcome };

struct Preferences {
  ReturnPref return_pref = ReturnPref::Representation;
  bool strict_handling = false;  // Prefer: handling=strict
  bool pretty = false;           // _pretty=true
};

Preferences read_preferences(const http::Request& req);

// nullopt when the client accepts FHIR JSON; otherwise the reason for a 406.
std::optional<std::string> check_accept(const http::Request& req);

// nullopt when the body's Content-Type is FHIR JSON (application/fhir+json or application/json);
// otherwise the reason for a 415.
std::optional<std::string> check_content_type(const http::Request& req);

enum class PatchFormat { JsonPatch, FhirPathPatch };
// The patch format from Content-Type: application/json-patch+json is JSON Patch, FHIR JSON is FHIRPath
// Patch (a Parameters body); nullopt for anything else (415).
std::optional<PatchFormat> patch_format(const http::Request& req);

}  // namespace fhirgw::rest
