// Per-request authentication and authorization for /fhir and /internal, as pure functions.
//
//   authenticate(): Authorization "Bearer <token>" (+ the mTLS peer, if any) -> Principal, or
//                   401 + WWW-Authenticate (RFC 6750 §3) when the token is missing or invalid.
//   authorize():    Principal + resource type + interaction -> nothing, or 403 insufficient_scope.
//
// A token bound to a certificate (cnf x5t#S256) is accepted only on a connection presenting that
// certificate. With auth switched off (loopback development only; see loopback_only()), every request is
// the principal "anonymous-dev" with system/*.cruds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/access_token.h"
#include "auth/result.h"
#include "auth/scopes.h"

namespace fhirgw::auth {

struct Principal {
  std::string client_id;
  Permissions permissions;
  std::string token_id;  // jti of the access token, empty without auth
  std::int64_t expires_at = 0;
  bool authenticated = true;  // false for the auth-off development principal
};

struct AuthError {
  int status = 401;              // 401 or 403
  std::string www_authenticate;  // value for the WWW-Authenticate header
  std::string reason;            // for logs and the audit record; never contains the token
};

struct PeerCertificate {
  std::string client_id;   // mapped from the verified client certificate, empty if none
  std::string thumbprint;  // base64url SHA-256 of its DER, empty if none
};

struct AuthSettings {
  bool enabled = true;
  std::string realm = "fhirgw";
};

// `tokens` may be null only when auth is disabled.
Result<Principal, AuthError> authenticate(const AuthSettings& settings, const AccessTokens* tokens,
                                          std::optional<std::string_view> authorization_header,
                                          const PeerCertificate& peer, std::int64_t now);

std::optional<AuthError> authorize(const AuthSettings& settings, const Principal& principal,
                                   std::string_view resource_type, Interaction interaction);

// True for 127.0.0.0/8, ::1 and "localhost": the only hosts where auth may be switched off.
bool loopback_only(std::string_view host);

}  // namespace fhirgw::auth
