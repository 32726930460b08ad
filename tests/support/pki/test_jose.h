// JOSE test helpers: keys with their JWKS, and hand-built (possibly malicious) compact JWTs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "auth/base64url.h"
#include "auth/jwk.h"
#include "auth/keys.h"
#include "test_pki.h"

namespace fhirgw::testpki {

// A compact JWT from raw header/payload JSON texts and raw signature bytes, encoded as given.
inline std::string forge_jwt(const std::string& header_json, const std::string& payload_json,
                             const std::string& signature = "sig") {
  return auth::base64url_encode(header_json) + "." + auth::base64url_encode(payload_json) + "." +
         auth::base64url_encode(signature);
}

struct SigningKeyPair {
  auth::JwsAlg alg;
  auth::Pkey key;  // private
  std::string kid;
};

inline SigningKeyPair es384_key(std::string kid) { return {auth::JwsAlg::ES384, generate_ec("P-384"), std::move(kid)}; }
inline SigningKeyPair es256_key(std::string kid) { return {auth::JwsAlg::ES256, generate_ec("P-256"), std::move(kid)}; }
inline SigningKeyPair rs384_key(std::string kid) { return {auth::JwsAlg::RS384, generate_rsa(2048), std::move(kid)}; }

inline SigningKeyPair key_for(auth::JwsAlg alg, std::string kid) {
  switch (alg) {
    case auth::JwsAlg::ES256: return es256_key(std::move(kid));
    case auth::JwsAlg::ES384: return es384_key(std::move(kid));
    case auth::JwsAlg::RS384: break;
  }
  return rs384_key(std::move(kid));
}

inline std::string jwks_of(const std::vector<const SigningKeyPair*>& keys) {
  std::vector<std::pair<const EVP_PKEY*, std::string>> list;
  for (const auto* k : keys) list.emplace_back(k->key.get(), k->kid);
  auto json = auth::jwks_json(list);
  check(json.ok(), "jwks_json");
  return *json;
}

}  // namespace fhirgw::testpki
