#include "auth/clients.h"

namespace fhirgw::auth {

Result<bool> ClientRegistry::add(RegisteredClient client) {
  if (client.id.empty()) return fail("client id is empty");
  if (find(client.id) != nullptr) return fail("client '" + client.id + "' is configured twice");
  clients_.push_back(std::move(client));
  return true;
}

const RegisteredClient* ClientRegistry::find(std::string_view id) const {
  for (const auto& c : clients_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Result<RegisteredClient> load_client(std::string id, const std::string& jwks_path, std::string_view scopes) {
  auto keys = load_jwks_file(jwks_path);
  if (!keys) return fail("client '" + id + "': " + keys.error().reason);
  auto allowed = parse_scopes(scopes);
  if (!allowed) return fail("client '" + id + "': " + allowed.error().reason);
  if (allowed->empty()) return fail("client '" + id + "' has no allowed scopes");
  return RegisteredClient{std::move(id), std::move(keys).value(), std::move(allowed).value()};
}

}  // namespace fhirgw::auth
