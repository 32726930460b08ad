// The gateway's own access tokens: JWTs (RFC 9068 profile, typ "at+jwt") signed with the gateway key
// (ES256, ES384 or RS384: the alg of the configured key), claims iss, sub (= client_id), client_id, aud, scope, iat,
// exp, jti, and, when the token was asked for over mutual TLS, cnf {"x5t#S256": certificate thumbprint} (RFC 8705) so
// the token only works together with that client certificate.
//
// Verification accepts tokens signed by the current key or by older keys kept for rotation, and remembers
// verified tokens (VerifiedTokenCache) so a reused token is not verified again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/jwk.h"
#include "auth/keys.h"
#include "auth/result.h"
#include "auth/scopes.h"
#include "auth/token_cache.h"

namespace fhirgw::auth {

struct AccessTokenPolicy {
  std::string issuer;    // e.g. https://gw-a.example:8443/auth
  std::string audience;  // the FHIR base URL the token is for, e.g. https://gw-a.example:8443/fhir
  std::int64_t lifetime = 300;
  std::int64_t clock_skew = 60;
};

struct SigningKey {
  JwsAlg alg = JwsAlg::ES384;
  Pkey key;  // private
  std::string kid;
};

struct IssuedToken {
  std::string token;
  std::int64_t expires_in = 0;
  std::string jti;
  std::string scope;
};

class AccessTokens {
 public:
  // `older_keys`: public keys of previous signing keys still accepted for verification.
  static Result<AccessTokens> create(SigningKey signer, AccessTokenPolicy policy, KeySet older_keys = {});

  Result<IssuedToken> issue(std::string_view client_id, const Permissions& scopes, std::string_view cert_thumbprint,
                            std::int64_t now) const;
  Result<AccessTokenClaims> verify(std::string_view token, std::int64_t now) const;

  const AccessTokenPolicy& policy() const { return policy_; }
  // The public JWKS of every verification key (for peers or a jwks_uri).
  Result<std::string> public_jwks() const;

 private:
  AccessTokens(SigningKey signer, AccessTokenPolicy policy, KeySet keys)
      : signer_(std::move(signer)),
        policy_(std::move(policy)),
        keys_(std::move(keys)),
        cache_(std::make_shared<VerifiedTokenCache>()) {}
  Result<AccessTokenClaims> verify_uncached(std::string_view token, std::int64_t now) const;

  SigningKey signer_;
  AccessTokenPolicy policy_;
  KeySet keys_;
  std::shared_ptr<VerifiedTokenCache> cache_;  // shared by copies: same keys, same verdicts
};

}  // namespace fhirgw::auth
