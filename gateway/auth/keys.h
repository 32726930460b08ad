// Key handles and the JWS algorithms the gateway accepts. Only RS384 and ES384 (SMART Backend Services);
// `none`, HS* and everything else are refused by name. Keys are OpenSSL EVP_PKEYs shared by pointer.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/result.h"

namespace fhirgw::auth {

enum class JwsAlg { RS384, ES384 };

using Pkey = std::shared_ptr<EVP_PKEY>;

std::optional<JwsAlg> parse_jws_alg(std::string_view name);  // nullopt for anything not allowed
std::string_view jws_alg_name(JwsAlg alg);

// True when `key` can be used with `alg`: RSA of at least 2048 bits for RS384, EC P-384 for ES384.
bool key_fits(const EVP_PKEY* key, JwsAlg alg);

// The algorithm a key naturally signs with (RSA -> RS384, P-384 -> ES384), nullopt for other keys.
std::optional<JwsAlg> alg_for_key(const EVP_PKEY* key);

// Takes ownership of a raw key (nullptr stays empty).
Pkey adopt(EVP_PKEY* key);

// Loads an unencrypted PEM private key (PKCS#8 or traditional). Error texts name the path, never content.
Result<Pkey> load_private_key_pem(const std::string& path);

// The last OpenSSL error queue entry as text (and clears the queue); "" when the queue is empty.
std::string openssl_error_text();

}  // namespace fhirgw::auth
