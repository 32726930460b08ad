// GET /fhir/metadata: the CapabilityStatement, generated from what this server really does: every R4
// resource type with the interactions of FhirService and the search parameters the indexer supports.
#include <algorithm>

#include "fhir/json/writer.h"
#include "http/error_response.h"
#include "rest/fhir_service.h"
#include "rest/service_context.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

using fhir::json::Node;

namespace {

Node code_list(const char* key, std::initializer_list<const char*> codes) {
  Node arr = Node::array();
  for (const char* c : codes) {
    Node item = Node::object();
    item.append_member(key, Node::string(c));
    arr.push_back(std::move(item));
  }
  return arr;
}

Node search_param(std::string_view name, std::string_view type, std::string_view definition) {
  Node p = Node::object();
  p.append_member("name", Node::string(name));
  if (!definition.empty()) p.append_member("definition", Node::string(definition));
  p.append_member("type", Node::string(type));
  return p;
}

}  // namespace

http::Response FhirService::capability_statement(Ctx& ctx) {
  Node cs = Node::object();
  cs.append_member("resourceType", Node::string("CapabilityStatement"));
  cs.append_member("status", Node::string("active"));
  cs.append_member("date", Node::string(search::format_instant(ctx.now_ms).substr(0, 10)));
  cs.append_member("publisher", Node::string("fhir-gateway"));
  cs.append_member("kind", Node::string("instance"));
  Node software = Node::object();
  software.append_member("name", Node::string("fhirgw"));
  software.append_member("version", Node::string(FHIRGW_VERSION));
  cs.append_member("software", std::move(software));
  Node implementation = Node::object();
  implementation.append_member("description", Node::string("fhir-gateway FHIR R4 server"));
  implementation.append_member("url", Node::string(ctx.base));
  cs.append_member("implementation", std::move(implementation));
  cs.append_member("fhirVersion", Node::string("4.0.1"));
  Node formats = Node::array();
  formats.push_back(Node::string("application/fhir+json"));
  formats.push_back(Node::string("json"));
  cs.append_member("format", std::move(formats));
  Node patch_formats = Node::array();
  patch_formats.push_back(Node::string("application/json-patch+json"));
  patch_formats.push_back(Node::string("application/fhir+json"));
  cs.append_member("patchFormat", std::move(patch_formats));

  Node rest = Node::object();
  rest.append_member("mode", Node::string("server"));
  Node resources = Node::array();
  for (const std::string& type : registry_.resource_type_names()) {
    const auto* def = registry_.find_type(type);
    if (!def || def->abstract) continue;
    Node r = Node::object();
    r.append_member("type", Node::string(type));
    r.append_member("interaction", code_list("code", {"read", "vread", "update", "patch", "delete", "history-instance",
                                                      "history-type", "create", "search-type"}));
    r.append_member("versioning", Node::string("versioned"));
    r.append_member("readHistory", Node::boolean(true));
    r.append_member("updateCreate", Node::boolean(true));
    r.append_member("conditionalCreate", Node::boolean(true));
    r.append_member("conditionalRead", Node::string("not-supported"));
    r.append_member("conditionalUpdate", Node::boolean(true));
    r.append_member("conditionalDelete", Node::string("single"));
    Node includes = Node::array();
    Node params = Node::array();
    params.push_back(search_param("_id", "token", "http://hl7.org/fhir/SearchParameter/Resource-id"));
    params.push_back(search_param("_lastUpdated", "date", "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated"));
    std::vector<std::string_view> names;  // cpb-12: names unique per resource (the index uses the first)
    for (const fhir::model::SearchParamDef* sp : registry_.search_params(type)) {
      if (sp->name.empty() || sp->name.front() == '_' || !catalog_.find(type, sp->name)) continue;
      if (std::find(names.begin(), names.end(), sp->name) != names.end()) continue;
      names.push_back(sp->name);
      params.push_back(search_param(sp->name, sp->type, sp->url));
      if (sp->type == "reference") includes.push_back(Node::string(type + ":" + sp->name));
    }
    if (includes.size() > 0) r.append_member("searchInclude", std::move(includes));  // ele-1: no empty arrays
    r.append_member("searchParam", std::move(params));
    Node op = Node::object();
    op.append_member("name", Node::string("validate"));
    op.append_member("definition", Node::string("http://hl7.org/fhir/OperationDefinition/Resource-validate"));
    Node ops = Node::array();
    ops.push_back(std::move(op));
    r.append_member("operation", std::move(ops));
    resources.push_back(std::move(r));
  }
  rest.append_member("resource", std::move(resources));
  rest.append_member("interaction", code_list("code", {"transaction", "batch", "history-system"}));
  cs.append_member("rest", Node::array()).push_back(std::move(rest));

  http::Response r;
  r.headers.set("content-type", std::string(http::kFhirJson));
  r.body = fhir::json::to_string(cs);
  return r;
}

}  // namespace fhirgw::rest
