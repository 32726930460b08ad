#include "auth/keys.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>

namespace fhirgw::auth {

std::optional<JwsAlg> parse_jws_alg(std::string_view name) {
  if (name == "RS384") return JwsAlg::RS384;
  if (name == "ES384") return JwsAlg::ES384;
  return std::nullopt;
}

std::string_view jws_alg_name(JwsAlg alg) { return alg == JwsAlg::RS384 ? "RS384" : "ES384"; }

namespace {

bool is_p384(const EVP_PKEY* key) {
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
    return false;
  }
  const std::string_view name(group, len);
  return name == "secp384r1" || name == "P-384";
}

}  // namespace

bool key_fits(const EVP_PKEY* key, JwsAlg alg) {
  if (key == nullptr) return false;
  switch (alg) {
    case JwsAlg::RS384: return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
    case JwsAlg::ES384: return EVP_PKEY_is_a(key, "EC") && is_p384(key);
  }
  return false;
}

std::optional<JwsAlg> alg_for_key(const EVP_PKEY* key) {
  if (key_fits(key, JwsAlg::RS384)) return JwsAlg::RS384;
  if (key_fits(key, JwsAlg::ES384)) return JwsAlg::ES384;
  return std::nullopt;
}

Pkey adopt(EVP_PKEY* key) { return Pkey(key, EVP_PKEY_free); }

std::string openssl_error_text() {
  unsigned long code = 0;
  unsigned long last = 0;
  while ((code = ERR_get_error()) != 0) last = code;
  if (last == 0) return {};
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

Result<Pkey> load_private_key_pem(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) {
    ERR_clear_error();
    return fail("cannot open private key file '" + path + "'");
  }
  // No passphrase callback: an encrypted key fails instead of prompting on the terminal.
  EVP_PKEY* key = PEM_read_bio_PrivateKey(
      bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    ERR_clear_error();  // the queue may describe the content; keep it out of messages
    return fail("'" + path + "' does not hold an unencrypted PEM private key");
  }
  return adopt(key);
}

}  // namespace fhirgw::auth
