// Key handles and the JWS algorithms the gateway accepts: RS384 and ES384 (SMART Backend Services, for client
// assertions), and ES256 (P-256), which the gateway may sign its own access tokens with (SMART leaves their
// format to the server; P-256 has OpenSSL's fast constant-time nistz256 code). `none`, HS* and everything
// else are refused by name. Keys are OpenSSL EVP_PKEYs shared by pointer.
#pragma once

#include <openssl/types.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/result.h"

namespace fhirgw::auth {

enum class JwsAlg { RS384, ES384, ES256 };

// A set of JwsAlg (bit 1 << alg), for the algorithms one kind of JWS may use.
using JwsAlgSet = unsigned;
constexpr JwsAlgSet jws_algs(std::initializer_list<JwsAlg> algs) {
  JwsAlgSet s = 0;
  for (const JwsAlg a : algs) s |= 1u << static_cast<unsigned>(a);
  return s;
}
constexpr bool contains(JwsAlgSet set, JwsAlg alg) { return (set & (1u << static_cast<unsigned>(alg))) != 0; }
// What SMART Backend Services allows for client assertions.
constexpr JwsAlgSet kAssertionAlgs = jws_algs({JwsAlg::RS384, JwsAlg::ES384});

using Pkey = std::shared_ptr<EVP_PKEY>;

std::optional<JwsAlg> parse_jws_alg(std::string_view name);  // nullopt for anything not allowed
std::string_view jws_alg_name(JwsAlg alg);

// True when `key` can be used with `alg`: RSA of at least 2048 bits for RS384, EC P-384 for ES384, EC P-256
// for ES256.
bool key_fits(const EVP_PKEY* key, JwsAlg alg);

// The algorithm a key naturally signs with (RSA -> RS384, P-384 -> ES384, P-256 -> ES256), nullopt for
// other keys.
std::optional<JwsAlg> alg_for_key(const EVP_PKEY* key);

// The digest of `alg` (SHA-384 or SHA-256).
const EVP_MD* jws_digest(JwsAlg alg);

// ECDSA algorithms: the JWK "crv" name ("P-384", "P-256") and the byte width of r, s and of each
// coordinate (48, 32). Empty / 0 for RS384.
std::string_view ec_curve(JwsAlg alg);
std::size_t ec_width(JwsAlg alg);
// The ECDSA algorithm of a JWK "crv", nullopt for curves we do not use.
std::optional<JwsAlg> ec_alg_for_curve(std::string_view crv);

// Takes ownership of a raw key (nullptr stays empty).
Pkey adopt(EVP_PKEY* key);

// Loads an unencrypted PEM private key (PKCS#8 or traditional). Error texts name the path, never content.
Result<Pkey> load_private_key_pem(const std::string& path);

// The last OpenSSL error queue entry as text (and clears the queue); "" when the queue is empty.
std::string openssl_error_text();

}  // namespace fhirgw::auth
