// One call that turns the security part of the config into the objects the server uses: client registry,
// certificate -> client map, token keys, replay cache, token endpoint, SMART configuration body.
// Build it after the listener is bound (with port 0 the public URL is only known then). Everything in
// Security is safe to share between worker threads (the replay cache locks itself).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_token.h"
#include "auth/authenticate.h"
#include "auth/clients.h"
#include "auth/clock.h"
#include "auth/principal_memo.h"
#include "auth/replay_cache.h"
#include "auth/result.h"
#include "auth/token_endpoint.h"
#include "tls/peer_identity.h"

namespace fhirgw::auth {

struct ClientConfig {
  std::string id;                              // e.g. "hospital-a"
  std::string jwks_file;                       // public keys that sign its client assertions
  std::string scopes;                          // allowed, e.g. "system/*.rs system/Observation.cruds"
  std::vector<std::string> certificate_names;  // "cn:..", "dns:..", "uri:.." mapping its TLS certificate
  bool admin = false;                          // may call /admin/* (with a valid token)
};

struct SecurityConfig {
  bool auth_enabled = true;            // false only with a loopback listener (development)
  std::string public_base_url;         // e.g. https://gw-b.example:8443 ; token aud = this, issuer = this + /auth
  std::string token_signing_key_file;  // PEM private key (EC P-256 -> ES256, P-384 -> ES384, RSA -> RS384)
  std::string token_signing_kid = "fhirgw-1";
  std::vector<std::string> previous_token_jwks_files;  // older public keys still accepted (rotation)
  std::int64_t token_lifetime = 300;
  std::int64_t clock_skew = 60;
  std::size_t replay_cache_entries = 100000;
  std::vector<ClientConfig> clients;
};

struct Security {
  AuthSettings settings;
  ClientRegistry clients;
  std::shared_ptr<tls::IdentityMap> identities = std::make_shared<tls::IdentityMap>();
  std::unique_ptr<ReplayCache> replay;
  std::optional<AccessTokens> tokens;             // empty when auth is off
  std::unique_ptr<TokenEndpoint> token_endpoint;  // empty when auth is off
  std::string smart_configuration;                // GET /.well-known/smart-configuration body
  std::string token_jwks;                         // GET /auth/jwks.json body (public keys only)
  const Clock* clock = nullptr;
  std::vector<std::string> admin_clients;  // client ids allowed on /admin/*

  bool is_admin(std::string_view client_id) const;

  // Convenience wrappers over authenticate()/authorize() with this config and clock.
  Result<Principal, AuthError> authenticate(std::optional<std::string_view> authorization,
                                            const PeerCertificate& peer) const;
  // The same, through the connection's memo: a repeated identical Authorization header gives the
  // remembered principal until its token expires. The pointer stays valid until the memo's next use.
  Result<const Principal*, AuthError> authenticate(std::optional<std::string_view> authorization,
                                                   const PeerCertificate& peer, PrincipalMemo& memo) const;
  std::optional<AuthError> authorize(const Principal& p, std::string_view type, Interaction i) const {
    return auth::authorize(settings, p, type, i);
  }
};

// `listen_host` is the host the server is bound to (auth off is refused unless it is loopback).
// `clock` must outlive the result.
Result<std::unique_ptr<Security>> build_security(const SecurityConfig& config, std::string_view listen_host,
                                                 const Clock& clock);

}  // namespace fhirgw::auth
