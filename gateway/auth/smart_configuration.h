// The body of GET /.well-known/smart-configuration (SMART App Launch 2.0 §"Conformance") for a server that
// supports backend services only.
#pragma once

#include <string>
#include <vector>

namespace fhirgw::auth {

struct SmartConfiguration {
  std::string issuer;                         // optional
  std::string token_endpoint;                 // required, e.g. https://gw-a.example:8443/auth/token
  std::string jwks_uri;                       // optional: where the gateway publishes its token keys
  std::vector<std::string> scopes_supported;  // e.g. system/*.rs, system/Observation.read
};

std::string smart_configuration_json(const SmartConfiguration& config);

}  // namespace fhirgw::auth
