#include "rest/negotiation.h"

#include <string_view>

namespace fhirgw::rest {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/fhir+json; fhirVersion=4.0" -> "application/fhir+json"
std::string media_type(std::string_view v) {
  const auto semi = v.find(';');
  return http::to_lower(trim(v.substr(0, semi)));
}

bool is_json_type(std::string_view m) {
  return m == "application/fhir+json" || m == "application/json" || m == "json" || m == "application/json+fhir";
}

}  // namespace

Preferences read_preferences(const http::Request& req) {
  Preferences p;
  for (const auto& [name, value] : req.headers.all()) {
    if (name != "prefer") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find_first_of(",;");
      const std::string item = http::to_lower(trim(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item == "return=minimal") p.return_pref = ReturnPref::Minimal;
      if (item == "return=representation") p.return_pref = ReturnPref::Representation;
      if (item == "return=operationoutcome") p.return_pref = ReturnPref::OperationOutcome;
      if (item == "handling=strict") p.strict_handling = true;
      if (item == "handling=lenient") p.strict_handling = false;
    }
  }
  for (const auto& [k, v] : req.query) {
    if (k == "_pretty") p.pretty = v == "true";
  }
  return p;
}

std::optional<std::string> check_accept(const http::Request& req) {
  for (const auto& [k, v] : req.query) {
    if (k != "_format") continue;
    const std::string m = media_type(v);
    if (!is_json_type(m)) return "_format '" + v + "' is not supported; this server speaks application/fhir+json";
  }
  const auto accept = req.headers.get("accept");
  if (!accept || trim(*accept).empty()) return std::nullopt;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string m = media_type(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (is_json_type(m) || m == "*/*" || m == "application/*") return std::nullopt;
  }
  return "Accept '" + std::string(*accept) + "' is not supported; this server speaks application/fhir+json";
}

std::optional<std::string> check_content_type(const http::Request& req) {
  const auto ct = req.headers.get("content-type");
  if (!ct) return "Content-Type is missing; send application/fhir+json";
  if (!is_json_type(media_type(*ct))) {
    return "Content-Type '" + std::string(*ct) + "' is not supported; send application/fhir+json";
  }
  return std::nullopt;
}

std::optional<PatchFormat> patch_format(const http::Request& req) {
  const auto ct = req.headers.get("content-type");
  if (!ct) return std::nullopt;
  const std::string m = media_type(*ct);
  if (m == "application/json-patch+json") return PatchFormat::JsonPatch;
  if (is_json_type(m)) return PatchFormat::FhirPathPatch;
  return std::nullopt;
}

}  // namespace fhirgw::rest
