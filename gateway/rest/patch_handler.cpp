// The FHIR `patch` interaction: PATCH /fhir/Type/id (and conditional PATCH /fhir/Type?criteria) with a
// JSON Patch document or a FHIRPath Patch (Parameters). The patch is applied to the current version inside the write
// transaction, so a concurrent update cannot slip in between read and write; the result is validated like any update.
#include "fhir/json/parser.h"
#include "http/error_response.h"
#include "rest/fhirpath_patch.h"
#include "rest/json_patch.h"
#include "rest/resource_body.h"
#include "rest/service_context.h"

namespace fhirgw::rest {

using fhir::json::Node;
using http::error_response;
using http::Response;

namespace {

// The patch may not turn the resource into another one.
std::optional<std::string> identity_changed(const Node& patched, const std::string& type, const std::string& id) {
  const Node* rt = patched.is_object() ? patched.find("resourceType") : nullptr;
  if (!rt || !rt->is_string() || rt->text() != type) return "the patch must not change resourceType";
  const Node* pid = patched.find("id");
  if (!pid || !pid->is_string() || pid->text() != id) return "the patch must not change or remove the id";
  return std::nullopt;
}

Response patch_failure(PatchFormat format, const PatchFailure& f) {
  fhir::validation::Outcome o;
  const bool malformed = f.kind == PatchFailure::Kind::Malformed;
  o.add(fhir::validation::Severity::Error, malformed ? "invalid" : "processing",
        std::string(format == PatchFormat::JsonPatch ? "JSON Patch" : "FHIRPath Patch") + " operation " +
            std::to_string(f.operation) + ": " + f.reason,
        format == PatchFormat::JsonPatch ? "Patch[" + std::to_string(f.operation) + "]"
                                         : "Parameters.parameter[" + std::to_string(f.operation) + "]");
  return http::outcome_response(malformed ? 400 : 422, o);
}

}  // namespace

Response FhirService::patch(Ctx& ctx, const std::string& type, const std::string& id) {
  const auto format = patch_format(ctx.req);
  if (!format) {
    return error_response(415,
                          "PATCH takes a JSON Patch (application/json-patch+json) or a FHIRPath Patch "
                          "(Parameters as application/fhir+json)");
  }
  auto parsed_patch = fhir::json::parse(ctx.req.body);
  if (!parsed_patch) {
    fhir::validation::Outcome o;
    o.add(fhir::validation::Severity::Error, "structure", "the patch is not valid JSON: " + parsed_patch.error->message,
          {}, parsed_patch.error->location);
    return http::outcome_response(400, o);
  }
  const IfMatch if_match = read_if_match(ctx.req);
  if (if_match.error) return *if_match.error;
  search::ParsedSearch criteria;
  if (id.empty()) {
    if (auto err = conditional_criteria(catalog_, type, ctx.req.query, criteria)) return error_response(400, *err);
  }

  auto txn = store_.begin_write();
  std::string target_id = id;
  if (target_id.empty()) {
    storage::SearchQuery q = criteria.query;
    q.limit = 2;
    q.count_total = false;
    const auto matches = txn->search(q).matches;
    if (matches.empty())
      return error_response(404, "no " + type + " matches '" + criteria.canonical + "'", "not-found");
    if (matches.size() > 1) {
      return error_response(412, "several resources match '" + criteria.canonical + "'; a conditional patch needs one",
                            "multiple-matches");
    }
    target_id = matches.front().id;
  }
  const auto current = txn->read(type, target_id);
  if (!current) return error_response(404, type + "/" + target_id + " is not known", "not-found");
  if (current->deleted) return error_response(410, type + "/" + target_id + " was deleted", "deleted");
  if (if_match.version && *if_match.version != current->version) {
    return error_response(412,
                          "If-Match version " + std::to_string(*if_match.version) + " is not the current version (" +
                              std::to_string(current->version) + ")",
                          "conflict");
  }

  auto resource = fhir::json::parse(current->body);
  if (!resource) return error_response(500, "a stored resource could not be read");  // never echo the body
  Node& patched = resource.document->root();
  const Node& patch_doc = parsed_patch.document->root();
  auto failure = *format == PatchFormat::JsonPatch ? apply_json_patch(patched, patch_doc)
                                                   : apply_fhirpath_patch(patched, patch_doc, registry_);
  if (failure) return patch_failure(*format, *failure);
  if (auto reason = identity_changed(patched, type, target_id)) return error_response(422, *reason, "processing");

  fhir::validation::Outcome warnings;
  if (auto rejected = validate_resource(patched, nullptr, warnings)) return *rejected;
  WriteContext wctx = write_context(ctx, *txn);
  OpResult result = update_resource(wctx, type, target_id, patched, current->version);
  if (!result.failed()) {
    finish_write(ctx, wctx, {&result});
  }
  return write_response(ctx, result, warnings);
}

}  // namespace fhirgw::rest
