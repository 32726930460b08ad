#include "http/body_json.h"

#include <utility>

namespace fhirgw::http {

const fhir::json::ParseResult& body_json(const Request& req) {
  if (!req.body_json) req.body_json = std::make_shared<fhir::json::ParseResult>(fhir::json::parse(req.body));
  return *req.body_json;
}

fhir::json::ParseResult take_body_json(const Request& req) {
  if (!req.body_json) return fhir::json::parse(req.body);
  fhir::json::ParseResult taken = std::move(*req.body_json);
  req.body_json.reset();
  return taken;
}

}  // namespace fhirgw::http
