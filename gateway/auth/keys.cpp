#include "auth/keys.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>

namespace fhirgw::auth {

namespace {

struct AlgInfo {
  JwsAlg alg;
  std::string_view name;
  std::string_view curve;  // JWK "crv"; empty for RSA
  std::string_view group;  // OpenSSL's group name of that curve
  std::size_t width;       // bytes of r, s and each coordinate
  const EVP_MD* (*digest)();
};

constexpr AlgInfo kAlgs[] = {
    {JwsAlg::RS384, "RS384", "", "", 0, EVP_sha384},
    {JwsAlg::ES384, "ES384", "P-384", "secp384r1", 48, EVP_sha384},
    {JwsAlg::ES256, "ES256", "P-256", "prime256v1", 32, EVP_sha256},
};

static_assert(kAlgs[0].alg == JwsAlg::RS384 && kAlgs[1].alg == JwsAlg::ES384 && kAlgs[2].alg == JwsAlg::ES256,
              "kAlgs is indexed by JwsAlg");

const AlgInfo& info(JwsAlg alg) { return kAlgs[static_cast<std::size_t>(alg)]; }

bool on_curve(const EVP_PKEY* key, const AlgInfo& alg) {
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
    return false;
  }
  const std::string_view name(group, len);
  return name == alg.group || name == alg.curve;
}

}  // namespace

std::optional<JwsAlg> parse_jws_alg(std::string_view name) {
  for (const auto& a : kAlgs) {
    if (a.name == name) return a.alg;
  }
  return std::nullopt;
}

std::string_view jws_alg_name(JwsAlg alg) { return info(alg).name; }

bool key_fits(const EVP_PKEY* key, JwsAlg alg) {
  if (key == nullptr) return false;
  if (alg == JwsAlg::RS384) return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
  return EVP_PKEY_is_a(key, "EC") && on_curve(key, info(alg));
}

std::optional<JwsAlg> alg_for_key(const EVP_PKEY* key) {
  for (const auto& a : kAlgs) {
    if (key_fits(key, a.alg)) return a.alg;
  }
  return std::nullopt;
}

const EVP_MD* jws_digest(JwsAlg alg) { return info(alg).digest(); }

std::string_view ec_curve(JwsAlg alg) { return info(alg).curve; }

std::size_t ec_width(JwsAlg alg) { return info(alg).width; }

std::optional<JwsAlg> ec_alg_for_curve(std::string_view crv) {
  for (const auto& a : kAlgs) {
    if (!a.curve.empty() && a.curve == crv) return a.alg;
  }
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
