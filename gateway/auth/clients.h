// The clients allowed to ask for tokens: id, the public keys that sign their assertions (JWKS), and the
// scopes they may be granted. Built once from config, read-only afterwards (safe to share across threads).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "auth/result.h"
#include "auth/scopes.h"

namespace fhirgw::auth {

struct RegisteredClient {
  std::string id;
  KeySet keys;
  Permissions allowed_scopes;
};

class ClientRegistry {
 public:
  // Error on an empty or duplicate id.
  Result<bool> add(RegisteredClient client);
  const RegisteredClient* find(std::string_view id) const;
  std::size_t size() const { return clients_.size(); }

 private:
  std::vector<RegisteredClient> clients_;
};

// A client from config values: its JWKS file and its allowed scopes (space-separated).
Result<RegisteredClient> load_client(std::string id, const std::string& jwks_path, std::string_view scopes);

}  // namespace fhirgw::auth
