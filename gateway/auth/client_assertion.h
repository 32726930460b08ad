// SMART Backend Services client authentication: the `client_assertion` JWT (RFC 7523, private_key_jwt).
// Server side: validate_client_assertion(). Client side (the gateway calling a peer's token endpoint):
// make_client_assertion().
//
// Checks, in order (the replay cache is written last, so a refused assertion never uses up its jti):
//   compact JWS well-formed, alg RS384/ES384, kid present; iss = sub = a registered client; a key of that
//   client with that kid verifies the signature; aud is (or contains) the token endpoint URL; exp present,
//   not past, at most max_lifetime ahead; nbf/iat not in the future; iat not older than max_lifetime;
//   jti present and not seen before. Every tolerance uses clock_skew.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/clients.h"
#include "auth/jws.h"
#include "auth/oauth_error.h"
#include "auth/replay_cache.h"
#include "auth/result.h"

namespace fhirgw::auth {

struct AssertionPolicy {
  std::string token_endpoint;       // the exact URL clients must put in aud
  std::int64_t max_lifetime = 300;  // exp at most this far ahead (SMART: five minutes)
  std::int64_t clock_skew = 60;
  std::size_t max_jti_length = 256;
  JwsLimits limits;
};

struct VerifiedAssertion {
  const RegisteredClient* client = nullptr;
  std::string jti;
  std::int64_t expires_at = 0;
};

Result<VerifiedAssertion, OAuthError> validate_client_assertion(std::string_view assertion,
                                                                const ClientRegistry& clients, ReplayCache& replay,
                                                                std::int64_t now, const AssertionPolicy& policy);

// A signed client assertion for `client_id` towards `token_endpoint`, valid for `lifetime` seconds
// (at most 300), with a random jti.
Result<std::string> make_client_assertion(std::string_view client_id, std::string_view token_endpoint, JwsAlg alg,
                                          const EVP_PKEY* private_key, std::string_view kid, std::int64_t now,
                                          std::int64_t lifetime = 240);

// 128 random bits, base64url (for jti values).
std::string random_token_id();

}  // namespace fhirgw::auth
