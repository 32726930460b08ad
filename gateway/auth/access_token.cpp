#include "auth/access_token.h"

#include "auth/client_assertion.h"
#include "auth/jws.h"

namespace fhirgw::auth {

namespace {
constexpr std::string_view kTokenType = "at+jwt";

// The algorithms the gateway's own token keys may use (the current key's and older keys').
JwsLimits token_limits() {
  JwsLimits limits;
  limits.algs = jws_algs({JwsAlg::ES256, JwsAlg::ES384, JwsAlg::RS384});
  return limits;
}
}  // namespace

Result<AccessTokens> AccessTokens::create(SigningKey signer, AccessTokenPolicy policy, KeySet older_keys) {
  if (!key_fits(signer.key.get(), signer.alg)) {
    return fail("the token signing key does not fit " + std::string(jws_alg_name(signer.alg)));
  }
  if (signer.kid.empty()) return fail("the token signing key needs a kid");
  if (policy.issuer.empty() || policy.audience.empty()) return fail("token issuer and audience must be set");
  if (policy.lifetime <= 0 || policy.lifetime > 3600) return fail("token lifetime must be 1..3600 s");
  KeySet keys;
  keys.add(Jwk{signer.kid, signer.alg, signer.key});
  for (const auto& k : older_keys.keys()) {
    if (k.kid == signer.kid) return fail("kid '" + k.kid + "' is used by the current and an older key");
    keys.add(k);
  }
  return AccessTokens(std::move(signer), std::move(policy), std::move(keys));
}

Result<IssuedToken> AccessTokens::issue(std::string_view client_id, const Permissions& scopes,
                                        std::string_view cert_thumbprint, std::int64_t now) const {
  using fhir::json::Node;
  IssuedToken out;
  out.jti = random_token_id();
  out.scope = scopes.to_string();
  out.expires_in = policy_.lifetime;
  Node claims = Node::object();
  claims.set("iss", Node::string(policy_.issuer));
  claims.set("sub", Node::string(client_id));
  claims.set("client_id", Node::string(client_id));
  claims.set("aud", Node::string(policy_.audience));
  claims.set("scope", Node::string(out.scope));
  claims.set("iat", Node::number(std::to_string(now)));
  claims.set("exp", Node::number(std::to_string(now + policy_.lifetime)));
  claims.set("jti", Node::string(out.jti));
  if (!cert_thumbprint.empty()) {
    Node cnf = Node::object();
    cnf.set("x5t#S256", Node::string(cert_thumbprint));
    claims.set("cnf", std::move(cnf));
  }
  auto token = sign_jws(signer_.alg, signer_.key.get(), signer_.kid, kTokenType, claims);
  if (!token) return std::move(token).error();
  out.token = std::move(token).value();
  return out;
}

Result<AccessTokenClaims> AccessTokens::verify(std::string_view token, std::int64_t now) const {
  if (auto hit = cache_->find(token, now, policy_.clock_skew)) return std::move(*hit);
  auto claims = verify_uncached(token, now);
  if (claims) cache_->insert(token, *claims, now, policy_.clock_skew);
  return claims;
}

Result<AccessTokenClaims> AccessTokens::verify_uncached(std::string_view token, std::int64_t now) const {
  static const JwsLimits limits = token_limits();
  auto jws = parse_jws(token, limits);
  if (!jws) return std::move(jws).error();
  if (jws->header.typ != kTokenType) return fail("token is not an access token (typ)");
  const Jwk* key = keys_.find(jws->header.kid, jws->header.alg);
  if (key == nullptr) return fail("token is signed by an unknown key");
  if (!verify_jws(*jws, key->key.get())) return fail("token signature is invalid");
  const auto& claims = jws->claims.root();
  if (string_claim(claims, "iss") != std::optional<std::string_view>(policy_.issuer)) {
    return fail("token issuer is not this gateway");
  }
  if (string_claim(claims, "aud") != std::optional<std::string_view>(policy_.audience)) {
    return fail("token audience is not this server");
  }
  auto exp = numeric_date_claim(claims, "exp");
  auto iat = numeric_date_claim(claims, "iat");
  if (!exp || !iat || !exp.value() || !iat.value()) return fail("token has no valid exp/iat");
  if (*exp.value() + policy_.clock_skew <= now) return fail("token has expired");
  if (*iat.value() > now + policy_.clock_skew) return fail("token is issued in the future");
  const auto sub = string_claim(claims, "sub");
  const auto jti = string_claim(claims, "jti");
  const auto scope = string_claim(claims, "scope");
  if (!sub || sub->empty() || !jti || !scope) return fail("token lacks sub, jti or scope");
  auto permissions = parse_scopes(*scope);
  if (!permissions) return fail("token scope: " + permissions.error().reason);

  AccessTokenClaims out;
  out.client_id = std::string(*sub);
  out.permissions = std::move(permissions).value();
  out.jti = std::string(*jti);
  out.issued_at = *iat.value();
  out.expires_at = *exp.value();
  if (const auto* cnf = claims.find("cnf")) {
    const auto thumb = cnf->is_object() ? string_claim(*cnf, "x5t#S256") : std::nullopt;
    if (!thumb || thumb->empty()) return fail("token 'cnf' is malformed");
    out.cert_thumbprint = std::string(*thumb);
  }
  return out;
}

Result<std::string> AccessTokens::public_jwks() const {
  std::vector<std::pair<const EVP_PKEY*, std::string>> list;
  for (const auto& k : keys_.keys()) list.emplace_back(k.key.get(), k.kid);
  return jwks_json(list);
}

}  // namespace fhirgw::auth
