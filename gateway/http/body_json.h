// The request body parsed as JSON once per request. The access filter reads a Bundle's entries to know
// which rights it needs; the handler then takes the same document instead of parsing the body again.
#pragma once

#include "fhir/json/parser.h"
#include "http/message.h"

namespace fhirgw::http {

// The body parsed with the default (strict) options; parsed on the first call, cached in the request.
const fhir::json::ParseResult& body_json(const Request& req);

// The parse result for the handler to own: the cached one if a reader parsed the body, else parsed now.
// The cache is empty afterwards (the document has moved to the caller).
fhir::json::ParseResult take_body_json(const Request& req);

}  // namespace fhirgw::http
