#include "auth/client_assertion.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "auth/base64url.h"

namespace fhirgw::auth {
namespace {

bool aud_matches(const fhir::json::Node& claims, std::string_view expected) {
  const auto* aud = claims.find("aud");
  if (aud == nullptr) return false;
  if (aud->is_string()) return aud->text() == expected;
  if (aud->is_array()) {
    for (const auto& item : aud->items()) {
      if (item.is_string() && item.text() == expected) return true;
    }
  }
  return false;
}

}  // namespace

std::string random_token_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

Result<VerifiedAssertion, OAuthError> validate_client_assertion(std::string_view assertion,
                                                                const ClientRegistry& clients, ReplayCache& replay,
                                                                std::int64_t now, const AssertionPolicy& policy) {
  auto jws = parse_jws(assertion, policy.limits);
  if (!jws) return invalid_client("client_assertion: " + jws.error().reason);
  const auto& claims = jws->claims.root();

  const auto iss = string_claim(claims, "iss");
  const auto sub = string_claim(claims, "sub");
  if (!iss || iss->empty()) return invalid_client("client_assertion has no 'iss'");
  // The claimed id goes into error texts, logs and audit records before it is known to be genuine:
  // keep it short and printable.
  const std::string client_id = printable(*iss, 128);
  if (!sub || *sub != *iss) return invalid_client("client_assertion 'sub' differs from 'iss'", client_id);
  const RegisteredClient* client = clients.find(*iss);
  if (client == nullptr) return invalid_client("unknown client '" + client_id + "'", client_id);
  if (jws->header.kid.empty()) return invalid_client("client_assertion header has no 'kid'", client_id);
  const Jwk* key = client->keys.find(jws->header.kid, jws->header.alg);
  if (key == nullptr) {
    return invalid_client("no registered " + std::string(jws_alg_name(jws->header.alg)) + " key with kid '" +
                              printable(jws->header.kid) + "' for client '" + client_id + "'",
                          client_id);
  }
  if (!verify_jws(*jws, key->key.get())) return invalid_client("client_assertion signature is invalid", client_id);

  // Signed by the client from here on: the claims can be trusted as what the client said.
  if (!aud_matches(claims, policy.token_endpoint)) {
    return invalid_client("client_assertion 'aud' is not this token endpoint", client_id);
  }
  auto exp = numeric_date_claim(claims, "exp");
  auto nbf = numeric_date_claim(claims, "nbf");
  auto iat = numeric_date_claim(claims, "iat");
  for (const auto* r : {&exp, &nbf, &iat}) {
    if (!*r) return invalid_client("client_assertion: " + r->error().reason, client_id);
  }
  const std::optional<std::int64_t> exp_at = exp.value(), nbf_at = nbf.value(), iat_at = iat.value();
  if (!exp_at) return invalid_client("client_assertion has no 'exp'", client_id);
  const std::int64_t expires_at = *exp_at;
  if (expires_at + policy.clock_skew <= now) return invalid_client("client_assertion has expired", client_id);
  if (expires_at > now + policy.max_lifetime + policy.clock_skew) {
    return invalid_client("client_assertion 'exp' is more than " + std::to_string(policy.max_lifetime) + " s ahead",
                          client_id);
  }
  if (nbf_at && *nbf_at > now + policy.clock_skew) {
    return invalid_client("client_assertion is not valid yet ('nbf')", client_id);
  }
  if (iat_at) {
    if (*iat_at > now + policy.clock_skew) return invalid_client("client_assertion 'iat' is in the future", client_id);
    if (*iat_at < now - policy.max_lifetime - policy.clock_skew) {
      return invalid_client("client_assertion 'iat' is too old", client_id);
    }
  }
  const auto jti = string_claim(claims, "jti");
  if (!jti || jti->empty()) return invalid_client("client_assertion has no 'jti'", client_id);
  if (jti->size() > policy.max_jti_length) return invalid_client("client_assertion 'jti' is too long", client_id);

  switch (replay.remember(*iss, *jti, expires_at + policy.clock_skew, now)) {
    case ReplayCache::Outcome::fresh: break;
    case ReplayCache::Outcome::replayed: return invalid_client("client_assertion 'jti' was already used", client_id);
    case ReplayCache::Outcome::full:
      return OAuthError{503, "temporarily_unavailable", "too many live assertions, retry later", client_id};
  }
  return VerifiedAssertion{client, std::string(*jti), expires_at};
}

Result<std::string> make_client_assertion(std::string_view client_id, std::string_view token_endpoint, JwsAlg alg,
                                          const EVP_PKEY* private_key, std::string_view kid, std::int64_t now,
                                          std::int64_t lifetime) {
  using fhir::json::Node;
  if (lifetime <= 0 || lifetime > 300) return fail("client assertion lifetime must be 1..300 s");
  Node claims = Node::object();
  claims.set("iss", Node::string(client_id));
  claims.set("sub", Node::string(client_id));
  claims.set("aud", Node::string(token_endpoint));
  claims.set("exp", Node::number(std::to_string(now + lifetime)));
  claims.set("iat", Node::number(std::to_string(now)));
  claims.set("jti", Node::string(random_token_id()));
  return sign_jws(alg, private_key, kid, "JWT", claims);
}

}  // namespace fhirgw::auth
