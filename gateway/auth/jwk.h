// JSON Web Keys (RFC 7517/7518): public RSA (n, e) and EC P-384 / P-256 (x, y) keys into EVP_PKEYs, and back.
// A JWKS given to the gateway must hold public keys only: a key with private members ("d", "p", ...) is
// an error, so a leaked private JWKS is never silently accepted as configuration.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/keys.h"
#include "auth/result.h"
#include "fhir/json/node.h"

namespace fhirgw::auth {

struct Jwk {
  std::string kid;
  std::optional<JwsAlg> alg;  // the JWK "alg" when given; a key without it may sign with the alg of its type
  Pkey key;
};

class KeySet {
 public:
  void add(Jwk jwk) { keys_.push_back(std::move(jwk)); }
  // The key with this kid that may verify `alg` (kid match, alg match when the JWK names one, type fits).
  const Jwk* find(std::string_view kid, JwsAlg alg) const;
  const std::vector<Jwk>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<Jwk> keys_;
};

// Parses one JWK object. Keys for other uses ("use" != "sig", key_ops without "verify") are errors.
Result<Jwk> parse_jwk(const fhir::json::Node& jwk);

// Parses {"keys":[...]}. Keys of unknown "kty" (e.g. "OKP") are skipped as RFC 7517 §5 asks; malformed
// RSA/EC keys are errors naming the index. An empty result is an error.
Result<KeySet> parse_jwks(std::string_view json);
Result<KeySet> load_jwks_file(const std::string& path);

// The public JWK of `key` (RSA, EC P-384 or P-256) with kid, "use":"sig" and "alg".
Result<fhir::json::Node> public_jwk(const EVP_PKEY* key, std::string_view kid);
// {"keys":[...]} for the public halves of `keys`.
Result<std::string> jwks_json(const std::vector<std::pair<const EVP_PKEY*, std::string>>& keys_with_kid);

}  // namespace fhirgw::auth
