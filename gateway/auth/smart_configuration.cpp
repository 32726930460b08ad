#include "auth/smart_configuration.h"

#include <initializer_list>
#include <string_view>

#include "fhir/json/node.h"
#include "fhir/json/writer.h"

namespace fhirgw::auth {
namespace {

fhir::json::Node strings(std::initializer_list<std::string_view> values) {
  auto a = fhir::json::Node::array();
  for (const auto v : values) a.push_back(fhir::json::Node::string(v));
  return a;
}

}  // namespace

std::string smart_configuration_json(const SmartConfiguration& config) {
  using fhir::json::Node;
  Node root = Node::object();
  if (!config.issuer.empty()) root.set("issuer", Node::string(config.issuer));
  if (!config.jwks_uri.empty()) root.set("jwks_uri", Node::string(config.jwks_uri));
  root.set("token_endpoint", Node::string(config.token_endpoint));
  root.set("token_endpoint_auth_methods_supported", strings({"private_key_jwt"}));
  root.set("token_endpoint_auth_signing_alg_values_supported", strings({"RS384", "ES384"}));
  root.set("grant_types_supported", strings({"client_credentials"}));
  Node scopes = Node::array();
  for (const auto& s : config.scopes_supported) scopes.push_back(Node::string(s));
  root.set("scopes_supported", std::move(scopes));
  root.set("response_types_supported", strings({"token"}));
  root.set("capabilities", strings({"client-confidential-asymmetric", "permission-v1", "permission-v2"}));
  return fhir::json::to_string(root, {true});
}

}  // namespace fhirgw::auth
